// Futex wait queues (futex(2), futex(7)): threads sleeping until another thread wakes the 32-bit word
// they wait on. A word is named by a key: for a private futex (FUTEX_PRIVATE_FLAG, what glibc and .NET use
// for their locks) the address space and the virtual address; for a shared one the physical address,
// which here names the same word in every process that maps it, and never moves (no swapping, no
// migration: memory stays where it was committed).
//
// Waiters hang off a fixed array of hashed buckets, each with its own lock; the value check and the
// enqueue happen under the bucket lock, and a waker takes the same lock, so no wake-up is lost between
// "the word still holds val" and "asleep".
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Sync;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal unsafe struct FutexKey
{
    public ulong Space;     // the ProcessMemory for a private futex; 0 for a shared one (Address is physical)
    public ulong Address;

    public readonly bool Matches(Thread* thread) => thread->FutexSpace == Space && thread->FutexKey == Address;
}

internal static unsafe class Futex
{
    private const int BucketCount = 256;

    private struct Bucket
    {
        public SpinLock Lock;
        public Thread* First;
    }

    private static Bucket* s_buckets;

    public static void Initialize()
    {
        s_buckets = (Bucket*)KernelHeap.AllocateZeroed((ulong)(BucketCount * sizeof(Bucket)), 64);
    }

    // The key of the word at a user address; false if it is not mapped (EFAULT).
    public static bool KeyOf(ulong address, bool isPrivate, out FutexKey key)
    {
        Process process = Process.Current;
        key = default;
        if (isPrivate)
        {
            key.Space = (ulong)process.Handle;
            key.Address = address;
            return true;
        }
        process.MemoryLock.Acquire();
        bool mapped = process.Memory.Tables.Translate(address, out ulong physical, out PageFlags flags, out _)
            && (flags & PageFlags.User) != 0;
        process.MemoryLock.Release();
        key.Address = physical;
        return mapped;
    }

    private static Bucket* BucketOf(in FutexKey key)
    {
        ulong hash = (key.Address >> 2) * 0x9E3779B97F4A7C15UL ^ key.Space * 0xC2B2AE3D27D4EB4FUL;
        return &s_buckets[(int)(hash >> 56) & (BucketCount - 1)];
    }

    // FUTEX_WAIT(_BITSET): sleeps if the word at `address` still holds `expected`, until a wake that
    // matches `bitset`, the TSC deadline (0: none) or a signal. 0 when woken; -EAGAIN if the word differed,
    // -ETIMEDOUT, -EFAULT, or -EINTR (-ERESTARTSYS without a deadline, as Linux restarts those).
    public static long Wait(ulong address, in FutexKey key, uint expected, uint bitset, ulong deadlineTsc)
    {
        Thread* self = Scheduler.CurrentThread;
        Bucket* bucket = BucketOf(in key);
        bool interrupts = bucket->Lock.Acquire();
        // Read under the bucket lock: a waker that changed the word after this read takes the lock after us
        // and finds us queued.
        uint value;
        if (UserMemory.CopyIn(&value, address, 4) != 0)
        {
            bucket->Lock.Release(interrupts);
            return -Errno.EFAULT;
        }
        if (value != expected)
        {
            bucket->Lock.Release(interrupts);
            return -Errno.EAGAIN;
        }
        if (Signaling.InterruptPending())
        {
            bucket->Lock.Release(interrupts);
            return deadlineTsc == 0 ? -Signals.RestartErrno.RestartSys : -Errno.EINTR;
        }
        self->FutexSpace = key.Space;
        self->FutexKey = key.Address;
        self->FutexBitset = bitset;
        self->FutexQueued = true;
        self->FutexNext = bucket->First;
        bucket->First = self;
        Scheduler.BlockCurrent(&bucket->Lock, deadlineTsc);
        // A requeue may have moved us to another key, and bucket, meanwhile: lock the bucket of the key
        // we hold now, and make sure it did not change again before we had the lock.
        for (; ; )
        {
            ulong space = self->FutexSpace, word = self->FutexKey;
            bucket = BucketOf(new FutexKey { Space = space, Address = word });
            bucket->Lock.Acquire();
            if (self->FutexSpace == space && self->FutexKey == word)
                break;
            bucket->Lock.Release(false);
        }
        bool woken = !self->FutexQueued;
        if (!woken)
            Unlink(bucket, self);
        bucket->Lock.Release(interrupts);
        if (woken)
            return 0;
        if (Signaling.InterruptPending())
            return deadlineTsc == 0 ? -Signals.RestartErrno.RestartSys : -Errno.EINTR;
        if (deadlineTsc != 0 && Cpu.ReadTsc() >= deadlineTsc)
            return -Errno.ETIMEDOUT;
        return 0; // a spurious wake-up, which futex(2) allows: callers re-check their word
    }

    private static void Unlink(Bucket* bucket, Thread* thread)
    {
        Thread** link = &bucket->First;
        while (*link != null && *link != thread)
            link = &(*link)->FutexNext;
        if (*link == thread)
            *link = thread->FutexNext;
        thread->FutexNext = null;
        thread->FutexQueued = false;
    }

    // FUTEX_WAKE(_BITSET): wakes up to `count` waiters on the key whose bitset overlaps; returns how many.
    public static int Wake(in FutexKey key, int count, uint bitset)
    {
        Bucket* bucket = BucketOf(in key);
        bool interrupts = bucket->Lock.Acquire();
        int woken = WakeLocked(bucket, in key, count, bitset);
        bucket->Lock.Release(interrupts);
        return woken;
    }

    // Under the bucket lock, so that a waiter that gave up (deadline, signal) cannot have left and freed
    // itself before it is woken.
    private static int WakeLocked(Bucket* bucket, in FutexKey key, int count, uint bitset)
    {
        int woken = 0;
        Thread** link = &bucket->First;
        while (*link != null && woken < count)
        {
            Thread* thread = *link;
            if (!key.Matches(thread) || (thread->FutexBitset & bitset) == 0)
            {
                link = &thread->FutexNext;
                continue;
            }
            *link = thread->FutexNext;
            thread->FutexNext = null;
            thread->FutexQueued = false;
            Scheduler.Wake(thread);
            woken++;
        }
        return woken;
    }

    // FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: wakes up to wakeCount waiters of `from`, moves up to
    // requeueCount others to wait on `to`. With compare, the word at `address` must still hold `expected`
    // (-EAGAIN otherwise). Returns the number woken plus, for CMP_REQUEUE, the number moved.
    public static long Requeue(ulong address, in FutexKey from, in FutexKey to, int wakeCount, int requeueCount,
        bool compare, uint expected)
    {
        Bucket* source = BucketOf(in from), target = BucketOf(in to);
        // Both bucket locks, in address order so that two requeues in opposite directions cannot deadlock.
        Bucket* first = source < target ? source : target, second = source < target ? target : source;
        bool interrupts = first->Lock.Acquire();
        if (second != first)
            second->Lock.Acquire();
        long result;
        uint value = 0;
        if (compare && UserMemory.CopyIn(&value, address, 4) != 0)
            result = -Errno.EFAULT;
        else if (compare && value != expected)
            result = -Errno.EAGAIN;
        else
        {
            int woken = WakeLocked(source, in from, wakeCount, uint.MaxValue);
            int moved = 0;
            Thread** link = &source->First;
            while (*link != null && moved < requeueCount)
            {
                Thread* thread = *link;
                if (!from.Matches(thread))
                {
                    link = &thread->FutexNext;
                    continue;
                }
                *link = thread->FutexNext;
                thread->FutexSpace = to.Space;
                thread->FutexKey = to.Address;
                thread->FutexNext = target->First;
                target->First = thread;
                moved++;
                // The thread re-locks the bucket of its new key when it wakes: it reads the key under the
                // lock of the bucket it is in, which is this one now.
            }
            result = compare ? woken + moved : woken;
        }
        if (second != first)
            second->Lock.Release(false);
        first->Lock.Release(interrupts);
        return result;
    }
}
