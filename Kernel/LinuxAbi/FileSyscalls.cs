// File descriptors: read/write and their vector and positioned forms, close, dup/dup2/dup3, fcntl, ioctl,
// lseek, pipe/pipe2, fstat. (Path-based calls are in PathSyscalls.)
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class FileSyscalls
{
    // Data moves between user memory and files through a bounce buffer of this size, a chunk at a time.
    private const ulong Chunk = 64 * 1024;
    private const int IovMax = 1024;   // UIO_MAXIOV
    private const long MaxCount = 0x7FFFF000; // MAX_RW_COUNT: Linux caps one transfer at this

    public static void Register()
    {
        SyscallTable.Register(Sys.Read, &Read);
        SyscallTable.Register(Sys.Write, &Write);
        SyscallTable.Register(Sys.Readv, &Readv);
        SyscallTable.Register(Sys.Writev, &Writev);
        SyscallTable.Register(Sys.Pread64, &Pread);
        SyscallTable.Register(Sys.Pwrite64, &Pwrite);
        SyscallTable.Register(Sys.Close, &Close);
        SyscallTable.Register(Sys.Dup, &Dup);
        SyscallTable.Register(Sys.Dup2, &Dup2);
        SyscallTable.Register(Sys.Dup3, &Dup3);
        SyscallTable.Register(Sys.Fcntl, &Fcntl);
        SyscallTable.Register(Sys.Flock, &Flock);
        SyscallTable.Register(Sys.Ioctl, &Ioctl);
        SyscallTable.Register(Sys.Lseek, &Lseek);
        SyscallTable.Register(Sys.Pipe, &Pipe);
        SyscallTable.Register(Sys.Pipe2, &Pipe2);
        SyscallTable.Register(Sys.Fstat, &Fstat);
    }

    private static FileTable Files => Process.Current.Files;

    private static long Read(InterruptContext* c) => Transfer((int)c->Rdi, c->Rsi, c->Rdx, write: false, positioned: false, 0);

    private static long Write(InterruptContext* c) => Transfer((int)c->Rdi, c->Rsi, c->Rdx, write: true, positioned: false, 0);

    private static long Pread(InterruptContext* c)
        => (long)c->R10 < 0 ? -Errno.EINVAL : Transfer((int)c->Rdi, c->Rsi, c->Rdx, write: false, positioned: true, c->R10);

    private static long Pwrite(InterruptContext* c)
        => (long)c->R10 < 0 ? -Errno.EINVAL : Transfer((int)c->Rdi, c->Rsi, c->Rdx, write: true, positioned: true, c->R10);

    private static long Transfer(int fd, ulong user, ulong count, bool write, bool positioned, ulong offset)
    {
        FileDescription file = Files.Get(fd);
        if (file == null)
            return -Errno.EBADF;
        long result = write ? (file.CanWrite ? 0 : -Errno.EBADF) : (file.CanRead ? 0 : -Errno.EBADF);
        if (result == 0)
            result = TransferOn(file, user, count, write, positioned, offset);
        file.Release();
        return result;
    }

    // Moves count bytes between user memory and the file, a chunk at a time; a short transfer ends it.
    private static long TransferOn(FileDescription file, ulong user, ulong count, bool write, bool positioned, ulong offset)
    {
        if ((long)count < 0)
            return -Errno.EINVAL;
        if (count > MaxCount)
            count = MaxCount;
        if (count != 0 && !UserMemory.IsUserRange(user, count))
            return -Errno.EFAULT;
        ulong bufferSize = count < Chunk ? (count == 0 ? 1 : count) : Chunk;
        // Not zeroed: a piece is read from the file or the caller before anything is taken from it.
        byte* buffer = (byte*)KernelHeap.Allocate(bufferSize);
        if (buffer == null)
            return -Errno.ENOMEM;
        long total = 0;
        long status = 0;
        do
        {
            ulong piece = count - (ulong)total < bufferSize ? count - (ulong)total : bufferSize;
            long n;
            if (write)
            {
                if (UserMemory.CopyIn(buffer, user + (ulong)total, piece) != 0)
                {
                    status = -Errno.EFAULT;
                    break;
                }
                n = positioned ? file.WriteAt(buffer, piece, offset + (ulong)total) : file.Write(buffer, piece);
            }
            else
            {
                n = positioned ? file.ReadAt(buffer, piece, offset + (ulong)total) : file.Read(buffer, piece);
                if (n > 0 && UserMemory.CopyOut(user + (ulong)total, buffer, (ulong)n) != 0)
                {
                    status = -Errno.EFAULT;
                    break;
                }
            }
            if (n < 0)
            {
                status = n;
                break;
            }
            total += n;
            if ((ulong)n < piece)
                break;
        } while ((ulong)total < count);
        KernelHeap.Free(buffer);
        return total > 0 ? total : status;
    }

    private static long Readv(InterruptContext* c) => Vector((int)c->Rdi, c->Rsi, (long)c->Rdx, write: false);

    private static long Writev(InterruptContext* c) => Vector((int)c->Rdi, c->Rsi, (long)c->Rdx, write: true);

    private static long Vector(int fd, ulong vector, long count, bool write)
    {
        if (count < 0 || count > IovMax)
            return -Errno.EINVAL;
        FileDescription file = Files.Get(fd);
        if (file == null)
            return -Errno.EBADF;
        if (write ? !file.CanWrite : !file.CanRead)
        {
            file.Release();
            return -Errno.EBADF;
        }
        long total = 0;
        long status = 0;
        ulong* iov = stackalloc ulong[2];
        for (long i = 0; i < count; i++)
        {
            if (UserMemory.CopyIn(iov, vector + (ulong)i * 16, 16) != 0)
            {
                status = -Errno.EFAULT;
                break;
            }
            if ((long)iov[1] < 0)
            {
                status = -Errno.EINVAL;
                break;
            }
            if (iov[1] == 0)
                continue;
            long n = TransferOn(file, iov[0], iov[1], write, positioned: false, 0);
            if (n < 0)
            {
                status = n;
                break;
            }
            total += n;
            if ((ulong)n < iov[1])
                break;
        }
        file.Release();
        return total > 0 ? total : status;
    }

    private static long Close(InterruptContext* c) => Files.Close((int)c->Rdi);

    private static long Dup(InterruptContext* c)
    {
        FileDescription file = Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        int fd = Files.Add(file, closeOnExec: false);
        if (fd < 0)
            file.Release();
        return fd;
    }

    private static long Dup2(InterruptContext* c)
    {
        int oldFd = (int)c->Rdi, newFd = (int)c->Rsi;
        FileDescription file = Files.Get(oldFd);
        if (file == null)
            return -Errno.EBADF;
        if (oldFd == newFd)
        {
            file.Release();
            return newFd;
        }
        int result = Files.Replace(newFd, file, closeOnExec: false);
        if (result < 0)
            file.Release();
        return result;
    }

    private static long Dup3(InterruptContext* c)
    {
        int oldFd = (int)c->Rdi, newFd = (int)c->Rsi, flags = (int)c->Rdx;
        if (oldFd == newFd || (flags & ~FileDescription.O_CLOEXEC) != 0)
            return -Errno.EINVAL;
        FileDescription file = Files.Get(oldFd);
        if (file == null)
            return -Errno.EBADF;
        int result = Files.Replace(newFd, file, (flags & FileDescription.O_CLOEXEC) != 0);
        if (result < 0)
            file.Release();
        return result;
    }

    // flock(fd, operation) (flock(2); Kernel/FileSystem/FileLocks.cs).
    private static long Flock(InterruptContext* c)
    {
        FileDescription file = Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long result = FileLocks.Flock(file, (int)c->Rsi);
        file.Release();
        return result;
    }

    private static long Fcntl(InterruptContext* c)
    {
        const int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
            F_SETLKW = 7, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
        int fd = (int)c->Rdi;
        int command = (int)c->Rsi;
        FileDescription file = Files.Get(fd);
        if (file == null)
            return -Errno.EBADF;
        long result;
        switch (command)
        {
            case F_DUPFD:
            case F_DUPFD_CLOEXEC:
                if ((long)c->Rdx < 0 || (long)c->Rdx >= Files.Limit)
                {
                    result = -Errno.EINVAL;
                    break;
                }
                file.AddReference();
                result = Files.Add(file, command == F_DUPFD_CLOEXEC, (int)c->Rdx);
                if (result < 0)
                    file.Release();
                break;
            case F_GETFD:
                result = Files.GetCloseOnExec(fd) ? FD_CLOEXEC : 0;
                break;
            case F_SETFD:
                result = Files.SetCloseOnExec(fd, (c->Rdx & FD_CLOEXEC) != 0);
                break;
            case F_GETFL:
                result = file.StatusFlags;
                break;
            case F_SETFL:
                // Only O_APPEND and O_NONBLOCK can change (fcntl(2)); the access mode stays.
                const int Changeable = FileDescription.O_APPEND | FileDescription.O_NONBLOCK;
                file.StatusFlags = (file.StatusFlags & ~Changeable) | ((int)c->Rdx & Changeable);
                result = 0;
                break;
            case F_GETLK:
            case F_SETLK:
            case F_SETLKW:
                // Advisory locks always succeed: nothing else on the node competes for them.
                result = 0;
                break;
            default:
                result = -Errno.EINVAL;
                break;
        }
        file.Release();
        return result;
    }

    private static long Ioctl(InterruptContext* c)
    {
        FileDescription file = Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long result = file.Ioctl((uint)c->Rsi, c->Rdx);
        file.Release();
        return result;
    }

    private static long Lseek(InterruptContext* c)
    {
        FileDescription file = Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long result = (int)c->Rdx > 4 ? -Errno.EINVAL : file.Seek((long)c->Rsi, (int)c->Rdx);
        file.Release();
        return result;
    }

    private static long Pipe(InterruptContext* c) => MakePipe(c->Rdi, 0);

    private static long Pipe2(InterruptContext* c) => MakePipe(c->Rdi, (int)c->Rsi);

    private static long MakePipe(ulong user, int flags)
    {
        const int O_DIRECT = 0x4000;
        if ((flags & ~(FileDescription.O_CLOEXEC | FileDescription.O_NONBLOCK | O_DIRECT)) != 0)
            return -Errno.EINVAL;
        var pipe = new FileSystem.Pipe();
        if (!pipe.IsValid)
            return -Errno.ENOMEM;
        var reader = new PipeEnd(pipe, writeEnd: false, flags);
        var writer = new PipeEnd(pipe, writeEnd: true, flags);
        bool closeOnExec = (flags & FileDescription.O_CLOEXEC) != 0;
        int* fds = stackalloc int[2];
        fds[0] = Files.Add(reader, closeOnExec);
        fds[1] = fds[0] < 0 ? -1 : Files.Add(writer, closeOnExec);
        if (fds[1] < 0 || UserMemory.CopyOut(user, fds, 8) != 0)
        {
            int error = fds[0] < 0 || fds[1] < 0 ? -Errno.EMFILE : -Errno.EFAULT;
            if (fds[0] >= 0) Files.Close(fds[0]); else reader.Release();
            if (fds[1] >= 0) Files.Close(fds[1]); else writer.Release();
            return error;
        }
        return 0;
    }

    private static long Fstat(InterruptContext* c)
    {
        FileDescription file = Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        byte* stat = stackalloc byte[LinuxStat.Size];
        long result = file.Stat(stat);
        file.Release();
        if (result == 0)
            result = UserMemory.CopyOut(c->Rsi, stat, LinuxStat.Size);
        return result;
    }

    // For mmap of a file: how fd is open (1 read, 2 write; -1 not open), and copying its contents into a
    // new mapping.
    public static int AccessOf(int fd)
    {
        FileDescription file = Files.Get(fd);
        if (file == null)
            return -1;
        int access = (file.CanRead ? 1 : 0) | (file.CanWrite ? 2 : 0);
        file.Release();
        return access;
    }

    public static long ReadIntoMapping(int fd, ProcessMemory memory, ulong address, ulong length, ulong offset)
    {
        FileDescription file = Files.Get(fd);
        if (file == null)
            return -Errno.EBADF;
        byte* buffer = (byte*)KernelHeap.Allocate(Chunk); // filled by each read before use
        long total = 0;
        while ((ulong)total < length)
        {
            ulong piece = length - (ulong)total < Chunk ? length - (ulong)total : Chunk;
            long n = file.ReadAt(buffer, piece, offset + (ulong)total);
            if (n < 0)
            {
                total = n == -Errno.ESPIPE || n == -Errno.EISDIR ? -Errno.ENODEV : n;
                break;
            }
            if (n == 0)
                break;
            memory.Write(address + (ulong)total, buffer, (ulong)n);
            total += n;
        }
        KernelHeap.Free(buffer);
        file.Release();
        return total;
    }
}
