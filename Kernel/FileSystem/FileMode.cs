// File types and permission bits of st_mode, directory entry types and device numbers, with the values
// of the Linux ABI (include/uapi/linux/stat.h, inode(7); DT_* from getdents(2); makedev(3)).
namespace Kitten.Kernel.FileSystem;

internal static class FileMode
{
    public const uint TypeMask = 0xF000;        // S_IFMT
    public const uint Socket = 0xC000;          // S_IFSOCK
    public const uint Symlink = 0xA000;         // S_IFLNK
    public const uint Regular = 0x8000;         // S_IFREG
    public const uint BlockDevice = 0x6000;     // S_IFBLK
    public const uint Directory = 0x4000;       // S_IFDIR
    public const uint CharacterDevice = 0x2000; // S_IFCHR
    public const uint Fifo = 0x1000;            // S_IFIFO

    public const uint PermissionMask = 0xFFF;   // S_ISUID | S_ISGID | S_ISVTX | rwxrwxrwx (07777)
    public const uint AnyExecute = 0x49;        // S_IXUSR | S_IXGRP | S_IXOTH (0111)

    public static uint TypeOf(uint mode) => mode & TypeMask;

    // d_type of a directory entry is the file type shifted down (DT_REG = S_IFREG >> 12, and so on), which
    // is how Linux defines it (fs_umode_to_dtype).
    public static byte DirectoryEntryType(uint mode) => (byte)((mode >> 12) & 0xF);

    public const byte DtUnknown = 0, DtFifo = 1, DtChr = 2, DtDir = 4, DtBlk = 6, DtReg = 8, DtLnk = 10, DtSock = 12;
}

// A device number as user space sees it in st_dev and st_rdev: glibc's makedev(3) encoding, which agrees
// with the kernel's new_encode_dev for majors below 4096: minor bits 0-7, major bits 8-19, minor bits
// 8-31 at 20-43, major bits 12-31 at 44-63.
internal static class DeviceNumber
{
    public static ulong Make(uint major, uint minor)
        => (minor & 0xFFUL) | ((major & 0xFFFUL) << 8) | ((ulong)(minor & ~0xFFu) << 12) | ((ulong)(major & ~0xFFFu) << 32);

    public static uint Major(ulong device) => (uint)(((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFFUL));

    public static uint Minor(ulong device) => (uint)((device & 0xFF) | ((device >> 12) & ~0xFFUL));
}
