// An open file description (open(2)'s "open file description"): what a file descriptor refers to, shared
// by dup() and fork(), holding the offset and status flags. Subclasses: files of the file system, pipe
// ends, the terminal. Operations take kernel buffers; the system calls copy to and from user memory.
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal abstract unsafe class FileDescription
{
    public const int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public const int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400,
        O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    private int _references = 1;
    public int StatusFlags;   // O_ACCMODE bits, O_APPEND, O_NONBLOCK
    public ulong Offset;

    // Set once flock(2) gave this description a lock, so that closing others costs nothing.
    public bool HoldsFileLock;

    // What flock(2) locks through this description: the file both openers share. Files of the file
    // system lock their node and pipe ends their pipe; anything else only itself.
    public virtual object LockedObject => this;

    public bool CanRead => (StatusFlags & O_ACCMODE) != O_WRONLY;
    public bool CanWrite => (StatusFlags & O_ACCMODE) != O_RDONLY;
    public bool NonBlocking => (StatusFlags & O_NONBLOCK) != 0;

    public void AddReference() => Runtime.Atomic.FetchAdd(ref _references, 1);

    // Drops a reference; the last one closes the description.
    public void Release()
    {
        if (Runtime.Atomic.FetchAdd(ref _references, -1) == 1)
        {
            if (HoldsFileLock)
                FileLocks.ReleaseAll(this);
            Close();
            Runtime.ObjectMemory.Release(this);
        }
    }

    // Bytes read (0 at end of file) or -errno. May block unless NonBlocking.
    public virtual long Read(byte* buffer, ulong count) => -Errno.EINVAL;

    public virtual long Write(byte* buffer, ulong count) => -Errno.EINVAL;

    // Positioned I/O (pread/pwrite): -ESPIPE for pipes and terminals.
    public virtual long ReadAt(byte* buffer, ulong count, ulong offset) => -Errno.ESPIPE;

    public virtual long WriteAt(byte* buffer, ulong count, ulong offset) => -Errno.ESPIPE;

    public virtual long Seek(long offset, int whence) => -Errno.ESPIPE;

    public virtual long Ioctl(uint request, ulong argument) => -Errno.ENOTTY;

    // Fills a Linux struct stat (144 bytes).
    public abstract long Stat(byte* stat);

    // Whether a read (or write) would not block, for poll.
    public virtual bool ReadReady => true;

    public virtual bool WriteReady => true;

    // The other side is gone (a pipe with no writer left): poll reports POLLHUP.
    public virtual bool HungUp => false;

    protected virtual void Close()
    {
    }
}
