// Reads a service manifest (NAME.manifest beside the service's binary; the format is
// Services/Ipc/Manifests/ServiceManifest.cs's, which the C# library reads too) into a ServicePolicy. Lines
// of words separated by spaces or tabs, `#` to the end of the line a comment; the first word is the key:
//
//     service NAME           once: the service's name
//     binary PATH            once: the program, relative to the manifest's folder
//     args WORD...           once: its arguments (the supervisor's business)
//     offers NAME C/V        a name it may register, and the contract served there
//     peers NAME...          names it may look up
//     calls WORD...          IPC operations (IpcCallWords)
//     syscalls NAME...       Linux system calls by name, or `runtime` (RuntimeSyscalls)
//     device KIND RANGE      ioport, mmio or irq and FIRST[-LAST]: checked, and grants nothing (the kernel
//                            gives user space no device access yet)
//     heartbeat MS MS        once: the supervisor's business, checked here as the library does
//     restart MS MS MS       once: likewise
//
// Anything else, or a value out of its rules, refuses the whole manifest (ManifestError): the kernel
// accepts what the library accepts, so the two never disagree about what a service may do.
// Portable: unit-tested on the host.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Services;

internal static class ManifestReader
{
    public const int MaxNameLength = 32;    // Kernel/Ipc/NameRegistry: NameEntry.MaxLength
    public const int MaxBinaryLength = 255;
    private const int MaxWords = 256;       // on one line

    private const uint SeenService = 1, SeenBinary = 2, SeenArgs = 4, SeenHeartbeat = 8, SeenRestart = 16;

    // The policy, or null with the reason in `error`.
    public static ServicePolicy Read(ReadOnlySpan<byte> text, out ManifestError error)
    {
        error = default;
        var policy = new ServicePolicy();
        Span<int> starts = stackalloc int[MaxWords];
        Span<int> lengths = stackalloc int[MaxWords];
        uint seen = 0;
        int line = 0;
        int position = 0;
        while (position < text.Length)
        {
            line++;
            int end = position;
            while (end < text.Length && text[end] != (byte)'\n')
                end++;
            int count = SplitWords(text, position, end, starts, lengths);
            position = end + 1;
            if (count == 0)
                continue;
            if (count < 0)
                return Refuse(policy, ref error, line, "too many words on one line", 0, 0);
            string reason = ReadLine(policy, text, starts.Slice(0, count), lengths.Slice(0, count), ref seen, out int word);
            if (reason != null)
                return Refuse(policy, ref error, line, reason, word < 0 ? 0 : starts[word], word < 0 ? 0 : lengths[word]);
        }
        if ((seen & SeenService) == 0)
            return Refuse(policy, ref error, 0, "no 'service' line", 0, 0);
        if ((seen & SeenBinary) == 0)
            return Refuse(policy, ref error, 0, "no 'binary' line", 0, 0);
        policy.AllowKittenCalls();
        return policy;
    }

    private static ServicePolicy Refuse(ServicePolicy policy, ref ManifestError error, int line, string reason, int start, int length)
    {
        error.Line = line;
        error.Reason = reason;
        error.WordStart = start;
        error.WordLength = length;
        policy.Release();
        return null;
    }

    // The words of text[start, end) before any `#`: their count, or -1 if there are more than fit.
    private static int SplitWords(ReadOnlySpan<byte> text, int start, int end, Span<int> starts, Span<int> lengths)
    {
        int count = 0;
        int i = start;
        while (i < end)
        {
            while (i < end && IsSpace(text[i]))
                i++;
            if (i >= end || text[i] == (byte)'#')
                break;
            int wordStart = i;
            while (i < end && !IsSpace(text[i]) && text[i] != (byte)'#')
                i++;
            if (count == starts.Length)
                return -1;
            starts[count] = wordStart;
            lengths[count] = i - wordStart;
            count++;
        }
        return count;
    }

    private static bool IsSpace(byte c) => c == (byte)' ' || c == (byte)'\t' || c == (byte)'\r';

    // One line's meaning added to the policy: null, or the reason it is refused and the index of the word
    // at fault (-1: none in particular).
    private static string ReadLine(ServicePolicy policy, ReadOnlySpan<byte> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths,
        ref uint seen, out int word)
    {
        word = 0;
        ReadOnlySpan<byte> key = text.Slice(starts[0], lengths[0]);
        int values = starts.Length - 1;
        if (Is(key, "service"))
        {
            if (!Once(ref seen, SeenService))
                return "'service' given twice";
            if (values != 1)
                return "'service' takes one value";
            word = 1;
            ReadOnlySpan<byte> name = Word(text, starts, lengths, 1);
            if (!ManifestWords.IsValid(name))
                return ManifestWords.ServiceRule;
            policy.Service = FileSystem.Bytes.ToArray(name);
            return null;
        }
        if (Is(key, "binary"))
        {
            if (!Once(ref seen, SeenBinary))
                return "'binary' given twice";
            if (values != 1)
                return "'binary' takes one value";
            word = 1;
            if (lengths[1] > MaxBinaryLength)
                return "binary path longer than 255 bytes";
            policy.Binary = FileSystem.Bytes.ToArray(Word(text, starts, lengths, 1));
            return null;
        }
        if (Is(key, "args"))
            return Once(ref seen, SeenArgs) ? null : "'args' given twice";
        if (Is(key, "offers"))
        {
            if (values != 2)
                return "offers NAME CONTRACT/VERSION";
            word = 1;
            ReadOnlySpan<byte> name = Word(text, starts, lengths, 1);
            if (!ManifestWords.IsValid(name))
                return ManifestWords.ChannelRule;
            if (policy.OffersName(name))
                return "channel offered twice";
            if (policy.OfferCount == ServicePolicy.MaxNames)
                return "more than 16 channels offered";
            word = 2;
            if (!ManifestWords.IsContractId(Word(text, starts, lengths, 2)))
                return "contract: expected NAME/VERSION";
            policy.Offers[policy.OfferCount++] = FileSystem.Bytes.ToArray(name);
            return null;
        }
        if (Is(key, "peers"))
        {
            for (word = 1; word <= values; word++)
            {
                ReadOnlySpan<byte> name = Word(text, starts, lengths, word);
                if (!ManifestWords.IsValid(name))
                    return ManifestWords.PeerRule;
                if (policy.HasPeer(name))
                    continue;
                if (policy.PeerCount == ServicePolicy.MaxNames)
                    return "more than 16 peers";
                policy.Peers[policy.PeerCount++] = FileSystem.Bytes.ToArray(name);
            }
            return null;
        }
        if (Is(key, "calls"))
        {
            for (word = 1; word <= values; word++)
            {
                uint call = IpcCallWords.Parse(Word(text, starts, lengths, word));
                if (call == 0)
                    return "unknown kernel call (known: ipc.call, ipc.receive, ipc.notify, ipc.grant, ipc.map, ipc.register, ipc.lookup)";
                policy.Calls |= call;
            }
            return null;
        }
        if (Is(key, "syscalls"))
        {
            for (word = 1; word <= values; word++)
            {
                ReadOnlySpan<byte> name = Word(text, starts, lengths, word);
                if (Is(name, "runtime"))
                {
                    AllowGroup(policy, RuntimeSyscalls.Names);
                    continue;
                }
                int number = LinuxSyscallNumbers.Find(name);
                if (number < 0)
                    return "unknown system call (a Linux x86-64 name, or runtime)";
                policy.AllowLinux(number);
            }
            return null;
        }
        if (Is(key, "device"))
        {
            string refusal = DeviceLine.Check(text, starts, lengths, out word);
            if (refusal == null)
                policy.DeviceCount++;
            return refusal;
        }
        if (Is(key, "heartbeat"))
        {
            if (!Once(ref seen, SeenHeartbeat))
                return "'heartbeat' given twice";
            return Milliseconds(text, starts, lengths, 2, out word)
                ? null : "heartbeat INTERVAL_MS TIMEOUT_MS, positive, with the timeout at least the interval";
        }
        if (Is(key, "restart"))
        {
            if (!Once(ref seen, SeenRestart))
                return "'restart' given twice";
            return Milliseconds(text, starts, lengths, 3, out word)
                ? null : "restart INITIAL_MS MAXIMUM_MS STABLE_MS, positive, with the maximum at least the initial delay";
        }
        return "unknown key (known: service, binary, args, offers, peers, calls, syscalls, device, heartbeat, restart)";
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int index)
        => text.Slice(starts[index], lengths[index]);

    private static bool Is(ReadOnlySpan<byte> word, string ascii) => FileSystem.Bytes.Equal(word, ascii);

    private static bool Once(ref uint seen, uint flag)
    {
        if ((seen & flag) != 0)
            return false;
        seen |= flag;
        return true;
    }

    // `count` positive numbers of milliseconds, the second at least the first (heartbeat: timeout >=
    // interval; restart: maximum >= initial).
    private static bool Milliseconds(ReadOnlySpan<byte> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int count, out int word)
    {
        word = 0;
        if (starts.Length - 1 != count)
            return false;
        ulong first = 0;
        for (word = 1; word <= count; word++)
        {
            if (!ManifestWords.TryParseDecimal(Word(text, starts, lengths, word), out ulong value) || value == 0 || value > int.MaxValue)
                return false;
            if (word == 1)
                first = value;
            else if (word == 2 && value < first)
                return false;
        }
        return true;
    }

    // Every name of a group; the group's names are known ones (a host test holds it to that).
    private static void AllowGroup(ServicePolicy policy, string names)
    {
        int i = 0;
        Span<byte> name = stackalloc byte[32];
        while (i < names.Length)
        {
            while (i < names.Length && names[i] == ' ')
                i++;
            int length = 0;
            while (i < names.Length && names[i] != ' ' && length < name.Length)
                name[length++] = (byte)names[i++];
            if (length > 0)
                policy.AllowLinux(LinuxSyscallNumbers.Find(name.Slice(0, length)));
        }
    }
}
