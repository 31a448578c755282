// struct stat as x86-64 Linux returns it from stat, fstat, lstat and newfstatat: 144 bytes
// (arch/x86/include/uapi/asm/stat.h, the same layout glibc's bits/struct_stat.h gives user space; see
// stat(2)). The offsets are checked against gcc's offsetof in the host tests.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal static class StatEncoder
{
    public const int Size = 144;

    public const int DeviceOffset = 0;          // st_dev      unsigned long
    public const int InodeOffset = 8;           // st_ino      unsigned long
    public const int LinkCountOffset = 16;      // st_nlink    unsigned long (before st_mode on x86-64)
    public const int ModeOffset = 24;           // st_mode     unsigned int
    public const int UidOffset = 28;            // st_uid      unsigned int
    public const int GidOffset = 32;            // st_gid      unsigned int, then 4 bytes of padding
    public const int RawDeviceOffset = 40;      // st_rdev     unsigned long
    public const int SizeOffset = 48;           // st_size     long
    public const int BlockSizeOffset = 56;      // st_blksize  long
    public const int BlocksOffset = 64;         // st_blocks   long, 512-byte units
    public const int AccessTimeOffset = 72;     // st_atim     { tv_sec, tv_nsec }
    public const int ModifyTimeOffset = 88;     // st_mtim
    public const int ChangeTimeOffset = 104;    // st_ctim, then 3 reserved longs

    // The "preferred I/O size"; Linux tmpfs reports the page size.
    public const int PreferredBlockSize = 4096;

    // Fills the first 144 bytes of `buffer` (reserved fields zeroed); -EINVAL if it is shorter.
    public static int Encode(Node node, Span<byte> buffer)
    {
        if (buffer.Length < Size)
            return -Errno.EINVAL;
        Span<byte> stat = buffer.Slice(0, Size);
        Bytes.Zero(stat);
        Bytes.Put64(stat, DeviceOffset, node.FileSystem.DeviceNumber);
        Bytes.Put64(stat, InodeOffset, node.Inode);
        Bytes.Put64(stat, LinkCountOffset, node.LinkCount);
        Bytes.Put32(stat, ModeOffset, node.Mode);
        Bytes.Put32(stat, UidOffset, node.Uid);
        Bytes.Put32(stat, GidOffset, node.Gid);
        Bytes.Put64(stat, RawDeviceOffset, node.RawDevice);
        Bytes.Put64(stat, SizeOffset, node.Size);
        Bytes.Put64(stat, BlockSizeOffset, PreferredBlockSize);
        Bytes.Put64(stat, BlocksOffset, node.BlockCount);
        PutTime(stat, AccessTimeOffset, node.AccessTime);
        PutTime(stat, ModifyTimeOffset, node.ModifyTime);
        PutTime(stat, ChangeTimeOffset, node.ChangeTime);
        return 0;
    }

    // A timespec: seconds, then nanoseconds in [0, 1e9) (times before 1970 round the seconds down).
    private static void PutTime(Span<byte> stat, int offset, long nanoseconds)
    {
        long seconds = nanoseconds / FileTime.NanosecondsPerSecond;
        long fraction = nanoseconds % FileTime.NanosecondsPerSecond;
        if (fraction < 0)
        {
            fraction += FileTime.NanosecondsPerSecond;
            seconds--;
        }
        Bytes.Put64(stat, offset, (ulong)seconds);
        Bytes.Put64(stat, offset + 8, (ulong)fraction);
    }
}
