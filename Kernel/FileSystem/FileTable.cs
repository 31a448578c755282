// A process's file descriptors: small integers naming open file descriptions, each with its close-on-exec
// flag. The lowest free number is handed out first (open(2)). Shared structure, not shared table: fork
// copies the table, and both copies refer to the same descriptions.
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.FileSystem;

internal sealed class FileTable
{
    public const int DefaultLimit = 1024;   // RLIMIT_NOFILE soft limit, as Linux sets it

    private FileDescription[] _files = new FileDescription[64];
    private bool[] _closeOnExec = new bool[64];
    private SpinLock _lock;
    public int Limit = DefaultLimit;

    public FileDescription Get(int fd)
    {
        bool interrupts = _lock.Acquire();
        FileDescription file = fd >= 0 && fd < _files.Length ? _files[fd] : null;
        if (file != null)
            file.AddReference();
        _lock.Release(interrupts);
        return file;
    }

    // The lowest free descriptor >= minimum for file (which the table now holds a reference to), or -EMFILE.
    public int Add(FileDescription file, bool closeOnExec, int minimum = 0)
    {
        bool interrupts = _lock.Acquire();
        int fd = -Errno.EMFILE;
        for (int i = minimum; i < Limit; i++)
        {
            if (i >= _files.Length)
                Grow(i + 1);
            if (_files[i] == null)
            {
                _files[i] = file;
                _closeOnExec[i] = closeOnExec;
                fd = i;
                break;
            }
        }
        _lock.Release(interrupts);
        return fd;
    }

    // Puts file at fd, closing what was there (dup2/dup3). -EBADF if fd is out of range.
    public int Replace(int fd, FileDescription file, bool closeOnExec)
    {
        if (fd < 0 || fd >= Limit)
            return -Errno.EBADF;
        bool interrupts = _lock.Acquire();
        if (fd >= _files.Length)
            Grow(fd + 1);
        FileDescription old = _files[fd];
        _files[fd] = file;
        _closeOnExec[fd] = closeOnExec;
        _lock.Release(interrupts);
        old?.Release();
        return fd;
    }

    public int Close(int fd)
    {
        bool interrupts = _lock.Acquire();
        FileDescription file = fd >= 0 && fd < _files.Length ? _files[fd] : null;
        if (file != null)
            _files[fd] = null;
        _lock.Release(interrupts);
        if (file == null)
            return -Errno.EBADF;
        file.Release();
        return 0;
    }

    // The lowest open descriptor above `fd`, or -1 (for /proc/<pid>/fd).
    public int NextOpen(int fd)
    {
        bool interrupts = _lock.Acquire();
        int next = -1;
        for (int i = fd < 0 ? 0 : fd + 1; i < _files.Length; i++)
        {
            if (_files[i] != null)
            {
                next = i;
                break;
            }
        }
        _lock.Release(interrupts);
        return next;
    }

    // Runs `describe` on descriptor fd's description while the table's lock keeps it from being closed
    // (/proc/<pid>/fd/N, read by another process); -ENOENT if fd is not open. `describe` must not block.
    public unsafe int Describe(int fd, delegate*<FileDescription, TextBuilder, int> describe, TextBuilder output)
    {
        bool interrupts = _lock.Acquire();
        FileDescription file = fd >= 0 && fd < _files.Length ? _files[fd] : null;
        int status = file == null ? -Errno.ENOENT : describe(file, output);
        _lock.Release(interrupts);
        return status;
    }

    // How many descriptors the table has room for now (FDSize in /proc/<pid>/status).
    public int Capacity => _files.Length;

    public bool GetCloseOnExec(int fd) => fd >= 0 && fd < _files.Length && _closeOnExec[fd];

    public int SetCloseOnExec(int fd, bool value)
    {
        if (fd < 0 || fd >= _files.Length || _files[fd] == null)
            return -Errno.EBADF;
        _closeOnExec[fd] = value;
        return 0;
    }

    public FileTable Duplicate()
    {
        var copy = new FileTable { Limit = Limit };
        bool interrupts = _lock.Acquire();
        copy.Grow(_files.Length);
        for (int i = 0; i < _files.Length; i++)
        {
            if (_files[i] == null)
                continue;
            _files[i].AddReference();
            copy._files[i] = _files[i];
            copy._closeOnExec[i] = _closeOnExec[i];
        }
        _lock.Release(interrupts);
        return copy;
    }

    public void CloseOnExec()
    {
        for (int i = 0; i < _files.Length; i++)
            if (_files[i] != null && _closeOnExec[i])
                Close(i);
    }

    public void CloseAll()
    {
        for (int i = 0; i < _files.Length; i++)
            if (_files[i] != null)
                Close(i);
    }

    public void Dispose()
    {
        CloseAll();
        Runtime.ObjectMemory.Release(_files);
        Runtime.ObjectMemory.Release(_closeOnExec);
        Runtime.ObjectMemory.Release(this);
    }

    private void Grow(int needed)
    {
        int size = _files.Length;
        while (size < needed)
            size *= 2;
        if (size == _files.Length)
            return;
        var files = new FileDescription[size];
        var flags = new bool[size];
        for (int i = 0; i < _files.Length; i++)
        {
            files[i] = _files[i];
            flags[i] = _closeOnExec[i];
        }
        Runtime.ObjectMemory.Release(_files);
        Runtime.ObjectMemory.Release(_closeOnExec);
        _files = files;
        _closeOnExec = flags;
    }
}
