// flock(2) locks: advisory, whole-file, shared or exclusive, held by an open file description (so shared by
// its dup()s and across fork) on the file it opened, and let go by LOCK_UN or when the description's last
// descriptor closes. A description converting its lock gives the old one up first, as Linux does (the
// conversion is not atomic; flock(2), NOTES). Locks are rare and short-lived, so one table and one wait
// queue serve the whole system: every release wakes every waiter to look again.
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.FileSystem;

internal static class FileLocks
{
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    private const int Capacity = 256;

    private struct Record
    {
        public object File;                 // what is locked: the node (or the pipe) both openers share
        public FileDescription Holder;
        public int Kind;                    // LOCK_SH or LOCK_EX
    }

    private static Record[] s_records;
    private static WaitQueue s_changed;

    // 0 or -errno: EINVAL for an unknown operation, EWOULDBLOCK (EAGAIN) under LOCK_NB, ENOLCK when the
    // table is full, a restart code when a signal interrupts the wait.
    public static long Flock(FileDescription holder, int operation)
    {
        int kind = operation & ~LOCK_NB;
        if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
            return -Errno.EINVAL;
        object file = holder.LockedObject;
        bool interrupts = s_changed.Lock.Acquire();
        s_records ??= new Record[Capacity];
        int own = Find(holder);
        if (own >= 0 && s_records[own].Kind == kind)
        {
            s_changed.Lock.Release(interrupts);
            return 0;
        }
        bool released = own >= 0;
        if (released)
            s_records[own] = default;
        long result = 0;
        if (kind != LOCK_UN)
        {
            while (Conflicts(file, holder, kind))
            {
                if ((operation & LOCK_NB) != 0)
                {
                    result = -Errno.EAGAIN;
                    break;
                }
                if (Signaling.InterruptPending())
                {
                    result = -Signals.RestartErrno.RestartSys;
                    break;
                }
                s_changed.Wait();
            }
            if (result == 0)
            {
                int free = Find(null);
                if (free < 0)
                {
                    result = -Errno.ENOLCK;
                }
                else
                {
                    s_records[free] = new Record { File = file, Holder = holder, Kind = kind };
                    holder.HoldsFileLock = true;
                }
            }
        }
        s_changed.Lock.Release(interrupts);
        if (released)
            s_changed.WakeAll();
        return result;
    }

    // The description's last descriptor closed: its lock goes.
    public static void ReleaseAll(FileDescription holder)
    {
        bool interrupts = s_changed.Lock.Acquire();
        int own = s_records == null ? -1 : Find(holder);
        if (own >= 0)
            s_records[own] = default;
        s_changed.Lock.Release(interrupts);
        if (own >= 0)
            s_changed.WakeAll();
    }

    // Under the lock. A description holds at most one lock (on the one file it opened).
    private static int Find(FileDescription holder)
    {
        for (int i = 0; i < Capacity; i++)
            if (s_records[i].Holder == holder && (holder != null || s_records[i].File == null))
                return i;
        return -1;
    }

    private static bool Conflicts(object file, FileDescription holder, int kind)
    {
        for (int i = 0; i < Capacity; i++)
        {
            ref Record record = ref s_records[i];
            if (record.File == file && record.Holder != holder && (kind == LOCK_EX || record.Kind == LOCK_EX))
                return true;
        }
        return false;
    }
}
