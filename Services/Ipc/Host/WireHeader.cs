using System.Runtime.InteropServices;

namespace Kitten.Ipc.Host;

// What precedes every message on a host channel (one SOCK_SEQPACKET record: this header, then the
// payload). A capability's descriptor travels beside it as SCM_RIGHTS ancillary data (unix(7)).
[StructLayout(LayoutKind.Sequential)]
internal struct WireHeader
{
    public const uint MagicValue = 0x4350494B;  // "KIPC"
    public const byte RequestKind = 1;
    public const byte ReplyKind = 2;

    public uint Magic;
    public byte Kind;
    public byte WordCount;
    public byte CapabilityKind;
    public byte CapabilityAccess;
    public ulong Sequence;          // a call's number on its channel: a late reply to an abandoned call is dropped
    public ulong Label;
    public MessageWords Words;
    public uint PayloadLength;
    public uint Reserved;
    public long CapabilityLength;
    public ulong CapabilityGrantId;

    public static unsafe int Size => sizeof(WireHeader);

    public static WireHeader From(in Message message, byte kind, ulong sequence, int payloadLength)
    {
        var header = new WireHeader
        {
            Magic = MagicValue,
            Kind = kind,
            WordCount = (byte)message.WordCount,
            CapabilityKind = (byte)message.Capability.Kind,
            CapabilityAccess = (byte)message.Capability.Access,
            Sequence = sequence,
            Label = message.Label,
            PayloadLength = (uint)payloadLength,
            CapabilityLength = message.Capability.Length,
            CapabilityGrantId = message.Capability.GrantId,
        };
        for (int i = 0; i < message.WordCount; i++)
            header.Words[i] = message.RawWord(i);
        return header;
    }

    // The message this header describes, with the descriptor that came beside it (-1 if none).
    public readonly bool TryToMessage(int descriptor, out Message message)
    {
        message = new Message(Label);
        if (Magic != MagicValue || WordCount > Message.MaxWords || CapabilityKind > (byte)Ipc.CapabilityKind.Grant)
            return false;
        message.SetWordCount(WordCount);
        for (int i = 0; i < WordCount; i++)
            message[i] = Words[i];
        var kind = (CapabilityKind)CapabilityKind;
        if (kind != Ipc.CapabilityKind.None)
        {
            if (descriptor < 0)
                return false;
            message.Capability = new Capability(kind, descriptor, (GrantAccess)CapabilityAccess, CapabilityLength, CapabilityGrantId);
        }
        return true;
    }
}
