// Flags of the path system calls, with their x86-64 Linux values (include/uapi/asm-generic/fcntl.h,
// include/uapi/linux/fcntl.h, open(2), rename(2), access(2)).
namespace Kitten.Kernel.FileSystem;

internal static class OpenFlags
{
    public const int AccessModeMask = 3;    // O_ACCMODE
    public const int ReadOnly = 0;          // O_RDONLY
    public const int WriteOnly = 1;         // O_WRONLY
    public const int ReadWrite = 2;         // O_RDWR
    public const int Create = 0x40;         // O_CREAT
    public const int Exclusive = 0x80;      // O_EXCL
    public const int NoControllingTerminal = 0x100; // O_NOCTTY
    public const int Truncate = 0x200;      // O_TRUNC
    public const int Append = 0x400;        // O_APPEND
    public const int NonBlocking = 0x800;   // O_NONBLOCK
    public const int Directory = 0x10000;   // O_DIRECTORY
    public const int NoFollow = 0x20000;    // O_NOFOLLOW
    public const int CloseOnExec = 0x80000; // O_CLOEXEC

    // True if the flags ask to change the file: write access, or O_TRUNC, which Linux treats as a write
    // (build_open_flags adds MAY_WRITE for it).
    public static bool WantsWrite(int flags)
        => (flags & AccessModeMask) != ReadOnly || (flags & Truncate) != 0;
}

internal static class AtFlags
{
    public const int CurrentDirectory = -100;   // AT_FDCWD
    public const int SymlinkNoFollow = 0x100;   // AT_SYMLINK_NOFOLLOW
    public const int RemoveDirectory = 0x200;   // AT_REMOVEDIR (unlinkat)
    public const int SymlinkFollow = 0x400;     // AT_SYMLINK_FOLLOW (linkat)
    public const int EmptyPath = 0x1000;        // AT_EMPTY_PATH
}

internal static class RenameFlags
{
    public const int NoReplace = 1;             // RENAME_NOREPLACE
    public const int Exchange = 2;              // RENAME_EXCHANGE (not supported: EINVAL)
}

internal static class AccessMode
{
    public const int Exists = 0;    // F_OK
    public const int Execute = 1;   // X_OK
    public const int Write = 2;     // W_OK
    public const int Read = 4;      // R_OK
}
