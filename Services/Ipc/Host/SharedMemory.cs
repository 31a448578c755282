using System.Text;

namespace Kitten.Ipc.Host;

// Anonymous shared memory for notifications and grants: a memfd (memfd_create(2)), which a descriptor
// sent over a socket shares with another process, mapped MAP_SHARED.
internal static unsafe class SharedMemory
{
    public const int PageSize = 4096;

    public static long RoundUp(long length) => (length + PageSize - 1) & ~(long)(PageSize - 1);

    public static int Create(string name, long size)
    {
        Span<byte> utf8 = stackalloc byte[64];
        int length = Encoding.UTF8.GetBytes(name.AsSpan(0, Math.Min(name.Length, 48)), utf8);
        utf8[length] = 0;
        int fd;
        fixed (byte* text = utf8)
            fd = Posix.MemfdCreate(text, Posix.MFD_CLOEXEC);
        if (fd < 0)
            throw new IpcException($"memfd_create: {Posix.ErrorText(Posix.Errno)}");
        if (Posix.Ftruncate(fd, size) != 0)
        {
            int errno = Posix.Errno;
            Posix.Close(fd);
            throw new IpcException($"ftruncate of a {size}-byte region: {Posix.ErrorText(errno)}");
        }
        return fd;
    }

    // Returns the address, or 0 with errno in `error`.
    public static nint Map(int fd, long offset, long length, int protection, out int error)
    {
        nint address = Posix.Mmap(0, (nuint)length, protection, Posix.MAP_SHARED, fd, offset);
        error = address == -1 ? Posix.Errno : 0;
        return address == -1 ? 0 : address;
    }

    // The file's size (st_size: offset 48 of x86-64's struct stat, stat(2)), or -1.
    public static long FileSize(int fd)
    {
        byte* stat = stackalloc byte[144];
        return Posix.Fstat(fd, stat) == 0 ? *(long*)(stat + 48) : -1;
    }

    // Another descriptor for the same memory, with its own open file description (a new open of
    // /proc/self/fd/N, proc(5)): O_RDONLY for a read-only grant (mappings made from it cannot be writable,
    // nor made writable with mprotect: EACCES), O_RDWR otherwise. What the owner sends is always such a
    // reopened descriptor, never its own, so that its own can carry the owner's lock (below).
    public static int Reopen(int fd, int flags)
    {
        Span<byte> path = stackalloc byte[64];
        int length = Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}", path);
        path[length] = 0;
        fixed (byte* text = path)
        {
            int reopened = Posix.Open(text, flags | Posix.O_CLOEXEC, 0);
            if (reopened < 0)
                throw new IpcException($"reopen of shared memory: {Posix.ErrorText(Posix.Errno)}");
            return reopened;
        }
    }

    // The owner of a notification or region holds an exclusive flock(2) on an open file description of
    // its own (a reopen, neither mapped nor sent, so nothing else keeps it alive); the kernel drops the
    // lock when the owner's process ends. A peer tells whether the owner still lives by trying a shared
    // lock on its own descriptor: refused (EWOULDBLOCK) while the owner holds its lock. This is the
    // host's stand-in for the kernel's "the object is dead once its owner process ends"
    // (Kernel/Ipc/README.md, Lifetime). Returns the locked descriptor, to close when the object ends.
    public static int HoldOwnerLock(int fd)
    {
        int locked = Reopen(fd, Posix.O_RDONLY);
        if (Posix.Flock(locked, Posix.LOCK_EX | Posix.LOCK_NB) != 0)
        {
            int errno = Posix.Errno;
            Posix.Close(locked);
            throw new IpcException($"flock of new shared memory: {Posix.ErrorText(errno)}");
        }
        return locked;
    }

    public static bool IsOwnerGone(int fd)
    {
        if (Posix.Flock(fd, Posix.LOCK_SH | Posix.LOCK_NB) != 0)
            return false;
        Posix.Flock(fd, Posix.LOCK_UN);
        return true;
    }
}
