// struct stat as x86-64 Linux lays it out (arch/x86/include/uapi/asm/stat.h; 144 bytes): what fstat,
// stat and newfstatat return.
namespace Kitten.Kernel.FileSystem;

internal static unsafe class LinuxStat
{
    public const int Size = 144;

    public static void Fill(byte* stat, ulong device, ulong inode, uint mode, ulong links, long size, ulong rdev,
        ulong timeNs = 0, long blockSize = 4096)
    {
        Runtime.MemoryOps.Zero(stat, Size);
        *(ulong*)(stat + 0) = device;       // st_dev
        *(ulong*)(stat + 8) = inode;        // st_ino
        *(ulong*)(stat + 16) = links;       // st_nlink
        *(uint*)(stat + 24) = mode;         // st_mode
        *(uint*)(stat + 28) = 0;            // st_uid
        *(uint*)(stat + 32) = 0;            // st_gid
        *(ulong*)(stat + 40) = rdev;        // st_rdev
        *(long*)(stat + 48) = size;         // st_size
        *(long*)(stat + 56) = blockSize;    // st_blksize
        *(long*)(stat + 64) = (size + 511) / 512; // st_blocks, in 512-byte units
        for (int i = 0; i < 3; i++)         // st_atim, st_mtim, st_ctim
        {
            *(ulong*)(stat + 72 + i * 16) = timeNs / 1_000_000_000;
            *(ulong*)(stat + 80 + i * 16) = timeNs % 1_000_000_000;
        }
    }
}
