// A pipe (pipe(7)): a 64 KiB ring buffer between a read end and a write end. Reads block while it is empty
// and writers remain, then return 0 (end of file); writes block while it is full, and fail with EPIPE
// (and SIGPIPE) once no reader remains. Writes of up to PIPE_BUF (4096) bytes are atomic.
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.FileSystem;

internal sealed unsafe class Pipe
{
    public const int Capacity = 65536;
    public const int AtomicWrite = 4096;

    private byte* _buffer;
    private int _head;
    private int _count;
    public int Readers;
    public int Writers;
    public WaitQueue Waiters;      // both readers and writers wait here; every change wakes all
    public FifoNode Fifo;          // the named pipe this is, if any (it forgets the pipe when it goes)
    public readonly ulong Inode;
    private static ulong s_nextInode = 1;

    public Pipe()
    {
        _buffer = (byte*)Memory.KernelHeap.AllocateZeroed(Capacity);
        Inode = s_nextInode++;
    }

    public bool IsValid => _buffer != null;
    public int Available => _count;

    public long Read(byte* destination, ulong count, bool nonBlocking)
    {
        if (count == 0)
            return 0;
        bool interrupts = Waiters.Lock.Acquire();
        while (_count == 0)
        {
            if (Writers == 0)
            {
                Waiters.Lock.Release(interrupts);
                return 0;
            }
            if (nonBlocking)
            {
                Waiters.Lock.Release(interrupts);
                return -Errno.EAGAIN;
            }
            Waiters.Wait();
            if (Signaling.InterruptPending())
            {
                Waiters.Lock.Release(interrupts);
                return -Kitten.Kernel.Signals.RestartErrno.RestartSys;
            }
        }
        int n = count < (ulong)_count ? (int)count : _count;
        for (int i = 0; i < n; i++)
            destination[i] = _buffer[(_head + i) % Capacity];
        _head = (_head + n) % Capacity;
        _count -= n;
        Waiters.Lock.Release(interrupts);
        Waiters.WakeAll();
        Readiness.Changed();
        return n;
    }

    public long Write(byte* source, ulong count, bool nonBlocking)
    {
        ulong done = 0;
        bool interrupts = Waiters.Lock.Acquire();
        while (done < count)
        {
            if (Readers == 0)
            {
                Waiters.Lock.Release(interrupts);
                Signaling.Send(Process.Current, Kitten.Kernel.Signals.Signal.SIGPIPE);
                return done > 0 ? (long)done : -Errno.EPIPE;
            }
            int room = Capacity - _count;
            // Small writes go in whole or not at all.
            bool mustWait = room == 0 || (count <= AtomicWrite && (ulong)room < count - done);
            if (mustWait)
            {
                if (nonBlocking)
                {
                    Waiters.Lock.Release(interrupts);
                    return done > 0 ? (long)done : -Errno.EAGAIN;
                }
                Waiters.Wait();
                if (Signaling.InterruptPending())
                {
                    Waiters.Lock.Release(interrupts);
                    return done > 0 ? (long)done : -Kitten.Kernel.Signals.RestartErrno.RestartSys;
                }
                continue;
            }
            int n = count - done < (ulong)room ? (int)(count - done) : room;
            int tail = (_head + _count) % Capacity;
            for (int i = 0; i < n; i++)
                _buffer[(tail + i) % Capacity] = source[done + (ulong)i];
            _count += n;
            done += (ulong)n;
            Waiters.Lock.Release(interrupts);
            Waiters.WakeAll();
            Readiness.Changed();
            interrupts = Waiters.Lock.Acquire();
        }
        Waiters.Lock.Release(interrupts);
        return (long)done;
    }

    public void CloseEnd(bool writeEnd)
    {
        bool interrupts = Waiters.Lock.Acquire();
        if (writeEnd)
            Writers--;
        else
            Readers--;
        bool last = Readers == 0 && Writers == 0;
        Waiters.Lock.Release(interrupts);
        Waiters.WakeAll();
        Readiness.Changed();
        if (last)
        {
            if (Fifo != null)
            {
                bool locked = Vfs.Lock.Acquire();
                Fifo.Pipe = null;
                Vfs.Lock.Release(locked);
            }
            Memory.KernelHeap.Free(_buffer);
            _buffer = null;
            Runtime.ObjectMemory.Release(this);
        }
    }
}

internal sealed unsafe class PipeEnd : FileDescription
{
    private readonly Pipe _pipe;
    private readonly bool _writeEnd;

    public PipeEnd(Pipe pipe, bool writeEnd, int flags)
    {
        _pipe = pipe;
        _writeEnd = writeEnd;
        StatusFlags = (writeEnd ? O_WRONLY : O_RDONLY) | (flags & O_NONBLOCK);
        bool interrupts = pipe.Waiters.Lock.Acquire();
        if (writeEnd)
            pipe.Writers++;
        else
            pipe.Readers++;
        pipe.Waiters.Lock.Release(interrupts);
    }

    public Pipe Pipe => _pipe;

    public override object LockedObject => _pipe;

    public override long Read(byte* buffer, ulong count) => _writeEnd ? -Errno.EBADF : _pipe.Read(buffer, count, NonBlocking);

    public override long Write(byte* buffer, ulong count) => _writeEnd ? _pipe.Write(buffer, count, NonBlocking) : -Errno.EBADF;

    public override bool ReadReady => _pipe.Available > 0 || _pipe.Writers == 0;

    public override bool WriteReady => _pipe.Available < Pipe.Capacity || _pipe.Readers == 0;

    public override bool HungUp => !_writeEnd && _pipe.Writers == 0;

    public override long Ioctl(uint request, ulong argument)
    {
        const uint FIONREAD = 0x541B;
        if (request == FIONREAD)
            return UserMemory.Write32(argument, (uint)_pipe.Available) ? 0 : -Errno.EFAULT;
        return -Errno.ENOTTY;
    }

    public override long Stat(byte* stat)
    {
        LinuxStat.Fill(stat, device: 12, inode: _pipe.Inode, mode: 0x1000 | 0x180, links: 1, size: 0, rdev: 0);
        return 0;
    }

    protected override void Close() => _pipe.CloseEnd(_writeEnd);
}

// Opening a named pipe (fifo(7)): the first opener creates the pipe, later ones share it. (Opening does
// not wait for the other end here; a reader sees end of file until a writer comes.)
internal static class Fifos
{
    public static FileDescription Open(FifoNode fifo, int flags)
    {
        bool interrupts = Vfs.Lock.Acquire();
        var pipe = fifo.Pipe as Pipe;
        if (pipe == null)
        {
            pipe = new Pipe { Fifo = fifo };
            fifo.Pipe = pipe;
        }
        Vfs.Lock.Release(interrupts);
        if (!pipe.IsValid)
            return null;
        bool writer = (flags & FileDescription.O_ACCMODE) != FileDescription.O_RDONLY;
        return new PipeEnd(pipe, writer, flags);
    }
}
