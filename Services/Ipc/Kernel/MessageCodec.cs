using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Kernel;

// How a Message travels in the kernel's six message registers. The ABI puts passed handles first
// (MR0..MR(H-1), Kernel/Ipc/README.md, Passing handles on), so:
//
//     [handle]  header  word0 .. word3
//
// where the handle is there only if the message carries a capability, and the header word packs the
// label (bits 0-15), the capability's kind (16-23), a grant's access (24-31) and a grant's length in pages
// (32-63; the kernel grants whole pages). 1 + 1 + Message.MaxWords = 6 registers.
internal static unsafe class MessageCodec
{
    public const int PageSize = 4096;

    public static void Encode(in Message message, int payloadLength, KernelMessage* output)
    {
        int handles = message.Capability.Kind == CapabilityKind.None ? 0 : 1;
        int index = 0;
        if (handles == 1)
            output->Words[index++] = (ulong)message.Capability.Handle;
        output->Words[index++] = Header(message);
        for (int i = 0; i < message.WordCount; i++)
            output->Words[index++] = message.RawWord(i);
        for (int i = index; i < KittenIpcAbi.Words; i++)
            output->Words[i] = 0;
        output->Info = KittenIpcAbi.Info(index, handles, payloadLength);
    }

    public static ulong Header(in Message message)
    {
        Capability capability = message.Capability;
        ulong pages = capability.Kind == CapabilityKind.Grant ? (ulong)((capability.Length + PageSize - 1) / PageSize) : 0;
        if (message.Label > ReservedLabels.MaxLabel || pages > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(message), "label above 16 bits or grant above 2^32 pages");
        return message.Label | ((ulong)capability.Kind << 16) | ((ulong)capability.Access << 24) | (pages << 32);
    }

    // The message in `input` (as received); false if it is not one of ours (too few words, a handle
    // count other than the header says), with every handle it brought listed in `strayHandles` for the
    // caller to close. A capability whose handle the kernel could not install (the table was full) is
    // dropped: the message arrives without it.
    public static bool TryDecode(KernelMessage* input, out Message message, Span<long> strayHandles, out int strayCount)
    {
        message = default;
        strayCount = 0;
        int words = KittenIpcAbi.InfoWords(input->Info);
        int handles = KittenIpcAbi.InfoHandles(input->Info);
        bool valid = words <= KittenIpcAbi.Words && handles <= 1 && handles < words && words - handles - 1 <= Message.MaxWords;
        if (!valid)
        {
            for (int i = 0; i < Math.Min(Math.Min(handles, words), KittenIpcAbi.MaxHandles); i++)
            {
                if (input->Words[i] != 0)
                    strayHandles[strayCount++] = (long)input->Words[i];
            }
            return false;
        }
        ulong header = input->Words[handles];
        var kind = (CapabilityKind)((header >> 16) & 0xff);
        if ((handles == 1) != (kind != CapabilityKind.None) || kind > CapabilityKind.Grant)
        {
            if (handles == 1 && input->Words[0] != 0)
                strayHandles[strayCount++] = (long)input->Words[0];
            return false;
        }
        message = new Message(header & 0xffff);
        int count = words - handles - 1;
        message.SetWordCount(count);
        for (int i = 0; i < count; i++)
            message[i] = input->Words[handles + 1 + i];
        if (handles == 1 && input->Words[0] != 0)
        {
            long pages = (long)(header >> 32);
            message.Capability = new Capability(kind, (long)input->Words[0], (GrantAccess)((header >> 24) & 0xff), pages * PageSize);
        }
        return true;
    }
}
