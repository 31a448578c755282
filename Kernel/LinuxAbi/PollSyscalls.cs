// poll, ppoll, select, pselect6: wait until one of several descriptors is ready, or a timeout.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class PollSyscalls
{
    private const short POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
        POLLRDNORM = 0x40, POLLWRNORM = 0x100;
    private const int MaxDescriptors = 4096;

    public static void Register()
    {
        SyscallTable.Register(Sys.Poll, &Poll);
        SyscallTable.Register(Sys.Ppoll, &Ppoll);
        SyscallTable.Register(23, &Select);           // select
        SyscallTable.Register(270, &Pselect6);        // pselect6
    }

    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    // poll(fds, nfds, timeout_ms): a negative timeout waits for ever.
    private static long Poll(InterruptContext* c)
    {
        int timeout = (int)c->Rdx;
        ulong deadline = timeout < 0 ? 0 : Deadline((ulong)timeout * 1_000_000);
        return PollOn(c->Rdi, c->Rsi, timeout == 0, deadline);
    }

    // ppoll(fds, nfds, tmo_p, sigmask, sigsetsize): the signal mask is not changed here.
    private static long Ppoll(InterruptContext* c)
    {
        ulong deadline = 0;
        bool immediate = false;
        if (c->Rdx != 0)
        {
            long status = ReadTimespec(c->Rdx, out ulong nanoseconds);
            if (status != 0)
                return status;
            immediate = nanoseconds == 0;
            deadline = Deadline(nanoseconds);
        }
        return PollOn(c->Rdi, c->Rsi, immediate, deadline);
    }

    private static long PollOn(ulong user, ulong count, bool immediate, ulong deadline)
    {
        if (count > MaxDescriptors)
            return -Errno.EINVAL;
        ulong bytes = count * (ulong)sizeof(PollFd);
        var fds = (PollFd*)KernelHeap.AllocateZeroed(bytes == 0 ? 8 : bytes);
        if (UserMemory.CopyIn(fds, user, bytes) != 0)
        {
            KernelHeap.Free(fds);
            return -Errno.EFAULT;
        }
        long result;
        for (; ; )
        {
            int ready = 0;
            for (ulong i = 0; i < count; i++)
            {
                fds[i].Revents = Check(fds[i].Fd, fds[i].Events);
                if (fds[i].Revents != 0)
                    ready++;
            }
            if (ready > 0 || immediate)
            {
                result = UserMemory.CopyOut(user, fds, bytes) != 0 ? -Errno.EFAULT : ready;
                break;
            }
            if (!WaitForChange(deadline))
            {
                result = UserMemory.CopyOut(user, fds, bytes) != 0 ? -Errno.EFAULT : 0;
                break;
            }
            if (Signaling.InterruptPending())
            {
                result = -Kitten.Kernel.Signals.RestartErrno.RestartNoHand;
                break;
            }
        }
        KernelHeap.Free(fds);
        return result;
    }

    private static short Check(int fd, short events)
    {
        if (fd < 0)
            return 0;
        FileDescription file = Process.Current.Files.Get(fd);
        if (file == null)
            return POLLNVAL;
        short revents = 0;
        if ((events & (POLLIN | POLLRDNORM)) != 0 && file.CanRead && file.ReadReady)
            revents |= (short)(events & (POLLIN | POLLRDNORM));
        if ((events & (POLLOUT | POLLWRNORM)) != 0 && file.CanWrite && file.WriteReady)
            revents |= (short)(events & (POLLOUT | POLLWRNORM));
        if (file.HungUp)
            revents |= POLLHUP;
        file.Release();
        return revents;
    }

    // Blocks until something's readiness may have changed or the deadline (TSC; 0 = none) passes.
    // Returns false at the deadline.
    private static bool WaitForChange(ulong deadline)
    {
        if (deadline != 0 && Cpu.ReadTsc() >= deadline)
            return false;
        ref Tasks.WaitQueue waiters = ref Readiness.Waiters;
        bool interrupts = waiters.Lock.Acquire();
        bool woken = waiters.WaitUntil(deadline);
        waiters.Lock.Release(interrupts);
        return woken || deadline == 0 || Cpu.ReadTsc() < deadline;
    }

    private static ulong Deadline(ulong nanoseconds)
        => Cpu.ReadTsc() + nanoseconds / 1000 * (TimeBase.TscHz / 1_000_000) + 1;

    private static long ReadTimespec(ulong user, out ulong nanoseconds)
    {
        long* timespec = stackalloc long[2];
        nanoseconds = 0;
        if (UserMemory.CopyIn(timespec, user, 16) != 0)
            return -Errno.EFAULT;
        if (timespec[0] < 0 || timespec[1] < 0 || timespec[1] >= 1_000_000_000)
            return -Errno.EINVAL;
        nanoseconds = (ulong)timespec[0] * 1_000_000_000 + (ulong)timespec[1];
        return 0;
    }

    // select(nfds, readfds, writefds, exceptfds, timeout) with struct timeval.
    private static long Select(InterruptContext* c)
    {
        ulong deadline = 0;
        bool immediate = false;
        if (c->R8 != 0)
        {
            long* timeval = stackalloc long[2];
            if (UserMemory.CopyIn(timeval, c->R8, 16) != 0)
                return -Errno.EFAULT;
            if (timeval[0] < 0 || timeval[1] < 0 || timeval[1] >= 1_000_000)
                return -Errno.EINVAL;
            ulong nanoseconds = (ulong)timeval[0] * 1_000_000_000 + (ulong)timeval[1] * 1000;
            immediate = nanoseconds == 0;
            deadline = Deadline(nanoseconds);
        }
        return SelectOn((int)c->Rdi, c->Rsi, c->Rdx, c->R10, immediate, deadline);
    }

    private static long Pselect6(InterruptContext* c)
    {
        ulong deadline = 0;
        bool immediate = false;
        if (c->R8 != 0)
        {
            long status = ReadTimespec(c->R8, out ulong nanoseconds);
            if (status != 0)
                return status;
            immediate = nanoseconds == 0;
            deadline = Deadline(nanoseconds);
        }
        return SelectOn((int)c->Rdi, c->Rsi, c->Rdx, c->R10, immediate, deadline);
    }

    private static long SelectOn(int count, ulong readUser, ulong writeUser, ulong exceptUser, bool immediate, ulong deadline)
    {
        if (count < 0 || count > 1024)
            return -Errno.EINVAL;
        ulong words = ((ulong)count + 63) / 64;
        ulong* sets = stackalloc ulong[6 * 16];
        ulong* readIn = sets, writeIn = sets + 16, exceptIn = sets + 32;
        ulong* readOut = sets + 48, writeOut = sets + 64, exceptOut = sets + 80;
        for (int i = 0; i < 96; i++)
            sets[i] = 0;
        if ((readUser != 0 && UserMemory.CopyIn(readIn, readUser, words * 8) != 0)
            || (writeUser != 0 && UserMemory.CopyIn(writeIn, writeUser, words * 8) != 0)
            || (exceptUser != 0 && UserMemory.CopyIn(exceptIn, exceptUser, words * 8) != 0))
            return -Errno.EFAULT;
        for (; ; )
        {
            int ready = 0;
            for (int fd = 0; fd < count; fd++)
            {
                ulong bit = 1UL << (fd % 64);
                int word = fd / 64;
                bool wantRead = (readIn[word] & bit) != 0, wantWrite = (writeIn[word] & bit) != 0;
                if (!wantRead && !wantWrite && (exceptIn[word] & bit) == 0)
                    continue;
                short revents = Check(fd, (short)((wantRead ? POLLIN : 0) | (wantWrite ? POLLOUT : 0)));
                if ((revents & POLLNVAL) != 0)
                    return -Errno.EBADF;
                if (wantRead && (revents & (POLLIN | POLLHUP)) != 0)
                {
                    readOut[word] |= bit;
                    ready++;
                }
                if (wantWrite && (revents & POLLOUT) != 0)
                {
                    writeOut[word] |= bit;
                    ready++;
                }
            }
            if (ready > 0 || immediate || !WaitForChange(deadline) || Signaling.InterruptPending())
            {
                if (ready == 0 && Signaling.InterruptPending())
                    return -Kitten.Kernel.Signals.RestartErrno.RestartNoHand;
                if ((readUser != 0 && UserMemory.CopyOut(readUser, readOut, words * 8) != 0)
                    || (writeUser != 0 && UserMemory.CopyOut(writeUser, writeOut, words * 8) != 0)
                    || (exceptUser != 0 && UserMemory.CopyOut(exceptUser, exceptOut, words * 8) != 0))
                    return -Errno.EFAULT;
                return ready;
            }
        }
    }
}
