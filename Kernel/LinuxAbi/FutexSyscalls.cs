// futex(2) and the calls threaded runtimes make beside it: membarrier(2) (the .NET runtime's
// FlushProcessWriteBuffers) and getcpu(2).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class FutexSyscalls
{
    private const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
        FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
    private const int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
    private const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

    public static void Register()
    {
        Futex.Initialize();
        SyscallTable.Register(Sys.Futex, &FutexCall);
        SyscallTable.Register(Sys.Membarrier, &Membarrier);
        SyscallTable.Register(Sys.Getcpu, &Getcpu);
    }

    // futex(uaddr, futex_op, val, timeout or val2, uaddr2, val3)
    private static long FutexCall(InterruptContext* c)
    {
        ulong address = c->Rdi;
        int op = (int)c->Rsi;
        uint value = (uint)c->Rdx;
        ulong timeout = c->R10;
        ulong address2 = c->R8;
        uint value3 = (uint)c->R9;
        bool isPrivate = (op & FUTEX_PRIVATE_FLAG) != 0;
        bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
        int command = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        // "FUTEX_CLOCK_REALTIME ... can be employed only with FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI and
        // (since Linux 4.5) FUTEX_WAIT"; otherwise ENOSYS.
        if (realtime && command != FUTEX_WAIT && command != FUTEX_WAIT_BITSET)
            return -Errno.ENOSYS;
        if ((address & 3) != 0)
            return -Errno.EINVAL;
        switch (command)
        {
            case FUTEX_WAIT:
                return Wait(address, isPrivate, value, timeout, absolute: false, realtime, uint.MaxValue);
            case FUTEX_WAIT_BITSET:
                return value3 == 0 ? -Errno.EINVAL : Wait(address, isPrivate, value, timeout, absolute: true, realtime, value3);
            case FUTEX_WAKE:
            case FUTEX_WAKE_BITSET:
                {
                    uint bitset = command == FUTEX_WAKE ? uint.MaxValue : value3;
                    if (bitset == 0)
                        return -Errno.EINVAL;
                    if (!Futex.KeyOf(address, isPrivate, out FutexKey key))
                        return -Errno.EFAULT;
                    return Futex.Wake(in key, ClampCount(value), bitset);
                }
            case FUTEX_REQUEUE:
            case FUTEX_CMP_REQUEUE:
                {
                    if ((int)value < 0 || (int)(uint)timeout < 0)
                        return -Errno.EINVAL;
                    if ((address2 & 3) != 0)
                        return -Errno.EINVAL;
                    if (!Futex.KeyOf(address, isPrivate, out FutexKey from) || !Futex.KeyOf(address2, isPrivate, out FutexKey to))
                        return -Errno.EFAULT;
                    return Futex.Requeue(address, in from, in to, (int)value, (int)(uint)timeout,
                        compare: command == FUTEX_CMP_REQUEUE, value3);
                }
            case FUTEX_WAKE_OP:
                return WakeOp(address, address2, isPrivate, ClampCount(value), ClampCount((uint)timeout), value3);
            default:
                // The priority-inheritance operations (LOCK_PI, UNLOCK_PI, ...) are not provided; glibc uses
                // them only for PTHREAD_PRIO_INHERIT mutexes.
                return -Errno.ENOSYS;
        }
    }

    private static int ClampCount(uint count) => count > int.MaxValue ? int.MaxValue : (int)count;

    private static long Wait(ulong address, bool isPrivate, uint expected, ulong timeout, bool absolute, bool realtime, uint bitset)
    {
        ulong deadline = 0;
        if (timeout != 0)
        {
            long status = TimeSyscalls.ReadTimespecArgument(timeout, out ulong nanoseconds);
            if (status != 0)
                return status;
            ulong wait = nanoseconds;
            if (absolute)
            {
                ulong now = realtime ? TimeSyscalls.RealtimeNanoseconds : TimeSyscalls.MonotonicNanoseconds;
                wait = nanoseconds > now ? nanoseconds - now : 0;
            }
            deadline = TimeSyscalls.TscDeadlineAfter(wait);
        }
        if (!Futex.KeyOf(address, isPrivate, out FutexKey key))
            return -Errno.EFAULT;
        return Futex.Wait(address, in key, expected, bitset, deadline);
    }

    // FUTEX_WAKE_OP: atomically "oldval = *uaddr2; *uaddr2 = oldval OP oparg", wake up to count waiters
    // on uaddr and, if "oldval CMP cmparg", up to count2 on uaddr2 (futex(2): the encoding of val3 is
    // op:4 cmp:4 oparg:12 cmparg:12, with FUTEX_OP_OPARG_SHIFT (8) in op meaning oparg is 1 << oparg).
    private static long WakeOp(ulong address, ulong address2, bool isPrivate, int count, int count2, uint encoded)
    {
        if ((address2 & 3) != 0)
            return -Errno.EINVAL;
        int op = (int)(encoded >> 28) & 0xF, cmp = (int)(encoded >> 24) & 0xF;
        int oparg = (int)(encoded << 8) >> 20, cmparg = (int)(encoded << 20) >> 20;
        if ((op & 8) != 0)
        {
            op &= 7;
            if (oparg < 0 || oparg > 31)
                return -Errno.EINVAL;
            oparg = 1 << oparg;
        }
        if (op > 4 || cmp > 5)
            return -Errno.ENOSYS;
        if (!Futex.KeyOf(address, isPrivate, out FutexKey key) || !Futex.KeyOf(address2, isPrivate, out FutexKey key2))
            return -Errno.EFAULT;
        if (!AtomicUpdate(address2, op, (uint)oparg, out uint old))
            return -Errno.EFAULT;
        long woken = Futex.Wake(in key, count, uint.MaxValue);
        bool condition = cmp switch
        {
            0 => (int)old == cmparg,
            1 => (int)old != cmparg,
            2 => (int)old < cmparg,
            3 => (int)old <= cmparg,
            4 => (int)old > cmparg,
            _ => (int)old >= cmparg,
        };
        if (condition)
            woken += Futex.Wake(in key2, count2, uint.MaxValue);
        return woken;
    }

    // The read-modify-write on the user word, through the kernel's direct map of its page (so it cannot
    // fault, and is atomic against the process's other threads on other CPUs).
    private static bool AtomicUpdate(ulong address, int op, uint oparg, out uint old)
    {
        old = 0;
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        bool ok = process.Memory.Tables.Translate(address, out ulong physical, out PageFlags flags, out _)
            && (flags & (PageFlags.User | PageFlags.Writable)) == (PageFlags.User | PageFlags.Writable);
        if (ok)
        {
            process.Memory.Tables.ForgetZeroed(address);
            int* word = (int*)PhysicalMemory.ToVirtual(physical);
            for (; ; )
            {
                int current = *word;
                uint updated = op switch
                {
                    0 => oparg,                         // FUTEX_OP_SET
                    1 => (uint)current + oparg,         // FUTEX_OP_ADD
                    2 => (uint)current | oparg,         // FUTEX_OP_OR
                    3 => (uint)current & ~oparg,        // FUTEX_OP_ANDN
                    _ => (uint)current ^ oparg,         // FUTEX_OP_XOR
                };
                if (Runtime.Atomic.CompareExchange(word, (int)updated, current) == current)
                {
                    old = (uint)current;
                    break;
                }
            }
        }
        process.MemoryLock.Release();
        return ok;
    }

    // membarrier(cmd, flags, cpu_id): every thread of the process (or of every process, for the global
    // commands) passes a full memory barrier before this returns. Other CPUs running such threads take an
    // IPI, which serialises them (TlbShootdown's round trip).
    private static long Membarrier(InterruptContext* c)
    {
        const int QUERY = 0, GLOBAL = 1, GLOBAL_EXPEDITED = 2, REGISTER_GLOBAL_EXPEDITED = 4, PRIVATE_EXPEDITED = 8,
            REGISTER_PRIVATE_EXPEDITED = 16;
        int command = (int)c->Rdi;
        if (c->Rsi != 0)
            return -Errno.EINVAL;
        Process process = Process.Current;
        switch (command)
        {
            case QUERY:
                return GLOBAL | GLOBAL_EXPEDITED | REGISTER_GLOBAL_EXPEDITED | PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED;
            case REGISTER_GLOBAL_EXPEDITED:
            case REGISTER_PRIVATE_EXPEDITED:
                if (command == REGISTER_PRIVATE_EXPEDITED)
                    process.MembarrierRegistered = true;
                return 0;
            case PRIVATE_EXPEDITED:
                // "EPERM: The current process was not registered prior to using private expedited
                // commands" (membarrier(2)).
                if (!process.MembarrierRegistered)
                    return -Errno.EPERM;
                Runtime.Atomic.FullFence();
                TlbShootdown.FlushOthers(process.Memory.Cr3);
                return 0;
            case GLOBAL:
            case GLOBAL_EXPEDITED:
                Runtime.Atomic.FullFence();
                TlbShootdown.FlushOthers(0);
                return 0;
            default:
                return -Errno.EINVAL;
        }
    }

    // getcpu(cpu, node, tcache): the CPU the caller runs on, node 0.
    private static long Getcpu(InterruptContext* c)
    {
        uint cpu = (uint)CpuLocal.Current->Index;
        if (c->Rdi != 0 && !UserMemory.Write32(c->Rdi, cpu))
            return -Errno.EFAULT;
        if (c->Rsi != 0 && !UserMemory.Write32(c->Rsi, 0))
            return -Errno.EFAULT;
        return 0;
    }
}
