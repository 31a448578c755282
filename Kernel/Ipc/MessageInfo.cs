// The message info word (README.md): word count in bits 0-7, handle count in 8-15, output flags in 16-31,
// the long part's length in 32-63.
using System.Runtime.CompilerServices;
namespace Kitten.Kernel.Ipc;

internal static class MessageInfo
{
    public const int MaxWords = 6;
    public const int MaxHandles = 4;
    public const uint MaxLong = 65536;

    public const ulong CallFlag = 1UL << 16;
    public const ulong TruncatedFlag = 1UL << 17;
    public const ulong HandleLostFlag = 1UL << 18;
    private const ulong FlagBits = 0xFFFFUL << 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Words(ulong info) => (int)(info & 0xFF);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Handles(ulong info) => (int)((info >> 8) & 0xFF);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint LongLength(ulong info) => (uint)(info >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Compose(int words, int handles, uint length, ulong flags)
        => (ulong)(uint)words | ((ulong)(uint)handles << 8) | flags | ((ulong)length << 32);

    // A message of words only (no handles, no long part, no flags): nothing to check or capture beyond
    // the registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWordsOnly(ulong info) => (info & ~0xFFUL) == 0 && (info & 0xFF) <= MaxWords;

    // 0 for an info word a sender may pass, else -EINVAL (counts, flags) or -E2BIG (length).
    public static int Validate(ulong info)
    {
        int words = Words(info), handles = Handles(info);
        if (words > MaxWords || handles > MaxHandles || handles > words || (info & FlagBits) != 0)
            return -LinuxAbi.Errno.EINVAL;
        if (LongLength(info) > MaxLong)
            return -LinuxAbi.Errno.E2BIG;
        return 0;
    }
}
