// Memory: brk, mmap (anonymous, and private file mappings by copy), munmap, mprotect, madvise, mremap.
// Everything is served from the process's physically contiguous pool and committed when mapped; a
// PROT_NONE mapping is a reservation that costs nothing until mprotect commits it (ProcessMemory).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class MemorySyscalls
{
    private const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    private const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
        MAP_NORESERVE = 0x4000, MAP_FIXED_NOREPLACE = 0x100000, MAP_STACK = 0x20000, MAP_GROWSDOWN = 0x100,
        MAP_POPULATE = 0x8000, MAP_32BIT = 0x40;
    private const int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
        MADV_FREE = 8, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17;
    private const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;
    private const ulong PageMask = 4095;

    public static void Register()
    {
        SyscallTable.Register(Sys.Brk, &LockedBrk);
        SyscallTable.Register(Sys.Mmap, &LockedMmap);
        SyscallTable.Register(Sys.Munmap, &LockedMunmap);
        SyscallTable.Register(Sys.Mprotect, &LockedMprotect);
        SyscallTable.Register(Sys.Madvise, &LockedMadvise);
        SyscallTable.Register(Sys.Mremap, &LockedMremap);
    }

    // Each call runs with the process's memory lock held: its other threads may map and unmap at the
    // same time, and an address space changes one call at a time.
    private static long Locked(delegate*<InterruptContext*, long> call, InterruptContext* c)
    {
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        long result = call(c);
        process.MemoryLock.Release();
        return result;
    }

    private static long LockedBrk(InterruptContext* c) => Locked(&Brk, c);

    private static long LockedMmap(InterruptContext* c) => Locked(&Mmap, c);

    private static long LockedMunmap(InterruptContext* c) => Locked(&Munmap, c);

    private static long LockedMprotect(InterruptContext* c) => Locked(&Mprotect, c);

    private static long LockedMadvise(InterruptContext* c) => Locked(&Madvise, c);

    private static long LockedMremap(InterruptContext* c) => Locked(&Mremap, c);

    private static ulong PageUp(ulong value) => (value + PageMask) & ~PageMask;

    // brk(addr): moves the break; a refused request returns the current break (never an error code).
    private static long Brk(InterruptContext* c)
    {
        ProcessMemory memory = Process.Current.Memory;
        ulong wanted = c->Rdi;
        if (memory.HeapEnd != 0)
            return BrkInPreallocatedHeap(memory, wanted);
        if (wanted < memory.BrkStart || wanted >= ProcessMemory.BrkLimit)
            return (long)memory.Brk;
        ulong oldEnd = PageUp(memory.Brk), newEnd = PageUp(wanted);
        if (newEnd > oldEnd)
        {
            if (!memory.Areas.IsFree(oldEnd, newEnd) || !memory.AddArea(oldEnd, newEnd, PROT_READ | PROT_WRITE, VmaKind.Anonymous))
                return (long)memory.Brk;
            memory.Areas.Coalesce();
        }
        else if (newEnd < oldEnd)
        {
            memory.RemoveRange(newEnd, oldEnd);
        }
        else if (wanted < memory.Brk)
        {
            // Shrinking within the last page: the freed bytes must read as zero if the break grows back.
            UserMemory.Zero(wanted, memory.Brk - wanted);
        }
        memory.Brk = wanted;
        return (long)wanted;
    }

    // brk with a preallocated heap [BrkStart, HeapEnd) (a placement's, Kitten's model: the launcher sizes
    // the heap, the kernel commits it at exec): inside it the break moves without mapping or unmapping
    // anything. Memory that comes under the break must read as zero (brk(2) gives zeroed memory, also
    // after a shrink and a regrow): growing zeroes what it covers, except pages never written since they
    // were zeroed (PageTable's untouched-zero state, the MMU's Dirty bit), which are most of a fresh heap.
    // Beyond HeapEnd the break grows from the pool as in Brk; the limit is the mmap area's top, since a
    // placed heap may lie above BrkLimit (after a static-PIE program).
    private static long BrkInPreallocatedHeap(ProcessMemory memory, ulong wanted)
    {
        ulong heapEnd = memory.HeapEnd, old = memory.Brk;
        if (wanted < memory.BrkStart || wanted >= ProcessMemory.MmapTop)
            return (long)old;
        ulong oldEnd = PageUp(old), newEnd = PageUp(wanted);
        oldEnd = oldEnd > heapEnd ? oldEnd : heapEnd;
        newEnd = newEnd > heapEnd ? newEnd : heapEnd;
        if (newEnd > oldEnd)
        {
            if (!memory.Areas.IsFree(oldEnd, newEnd) || !memory.AddArea(oldEnd, newEnd, PROT_READ | PROT_WRITE, VmaKind.Anonymous))
                return (long)old;
            memory.Areas.Coalesce();
        }
        else if (newEnd < oldEnd)
        {
            memory.RemoveRange(newEnd, oldEnd);
        }
        else if (wanted < old && wanted >= heapEnd)
        {
            UserMemory.Zero(wanted, old - wanted);  // within the last page beyond the heap, as Brk does
        }
        if (wanted > old && old < heapEnd)
            memory.ZeroWritten(old, wanted < heapEnd ? wanted : heapEnd);
        memory.Brk = wanted;
        return (long)wanted;
    }

    // mmap(addr, length, prot, flags, fd, offset)
    private static long Mmap(InterruptContext* c)
    {
        ulong hint = c->Rdi, length = c->Rsi, offset = c->R9;
        int prot = (int)c->Rdx, flags = (int)c->R10, fd = (int)c->R8;
        if (length == 0 || (offset & PageMask) != 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0)
            return -Errno.EINVAL;
        int sharing = flags & (MAP_SHARED | MAP_PRIVATE);
        if (sharing == 0 || sharing == (MAP_SHARED | MAP_PRIVATE))
            return -Errno.EINVAL;
        length = PageUp(length);
        if (length == 0 || length > UserMemory.End)
            return -Errno.ENOMEM;
        bool anonymous = (flags & MAP_ANONYMOUS) != 0;
        if (!anonymous)
        {
            int access = FileSyscalls.AccessOf(fd);
            if (access < 0)
                return -Errno.EBADF;
            // A file mapping needs read access; a shared writable one needs write access too (mmap(2)).
            if ((access & 1) == 0 || (sharing == MAP_SHARED && (prot & PROT_WRITE) != 0 && (access & 2) == 0))
                return -Errno.EACCES;
        }

        ProcessMemory memory = Process.Current.Memory;
        ulong address;
        bool fixedAddress = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
        if (fixedAddress)
        {
            if ((hint & PageMask) != 0)
                return -Errno.EINVAL;
            if (!UserMemory.IsUserRange(hint, length))
                return -Errno.ENOMEM;
            if (!memory.Areas.IsFree(hint, hint + length))
            {
                if ((flags & MAP_FIXED_NOREPLACE) != 0)
                    return -Errno.EEXIST;
                memory.RemoveRange(hint, hint + length);
            }
            address = hint;
        }
        else
        {
            // A free hint is honoured, as on Linux; otherwise the highest free gap below MmapTop, aligned so
            // that large mappings can use 2 MiB pages.
            hint &= ~PageMask;
            if (hint != 0 && UserMemory.IsUserRange(hint, length) && memory.Areas.IsFree(hint, hint + length))
                address = hint;
            else
                address = memory.FindFree(length, length >= (2UL << 20) ? 2UL << 20 : 4096);
            if (address == 0)
                return -Errno.ENOMEM;
        }
        if (anonymous && sharing == MAP_PRIVATE && (flags & MAP_STACK) != 0)
        {
            // A thread's stack: committed from the top as it is used (ProcessMemory.Stack.cs).
            bool added = prot == 0
                ? memory.AddArea(address, address + length, 0, VmaKind.Stack)
                : memory.AddStack(address + length, length, ProcessMemory.InitialStackCommit, prot);
            if (!added)
                return -Errno.ENOMEM;
            memory.Areas.Coalesce();
            return (long)address;
        }
        int areaProt = prot;
        if (!anonymous && prot == 0)
            areaProt = PROT_READ; // a file mapping must be filled, even if nobody may read it yet
        if (!memory.AddArea(address, address + length, areaProt, VmaKind.Anonymous))
            return -Errno.ENOMEM;
        if (!anonymous)
        {
            long copied = FileSyscalls.ReadIntoMapping(fd, memory, address, length, offset);
            if (copied < 0)
            {
                memory.RemoveRange(address, address + length);
                return copied;
            }
            if (areaProt != prot)
                memory.Protect(address, address + length, prot);
        }
        memory.Areas.Coalesce();
        return (long)address;
    }

    private static long Munmap(InterruptContext* c)
    {
        ulong address = c->Rdi, length = PageUp(c->Rsi);
        if ((address & PageMask) != 0 || length == 0 || !UserMemory.IsUserRange(address, length))
            return -Errno.EINVAL;
        return Process.Current.Memory.RemoveRange(address, address + length) ? 0 : -Errno.ENOMEM;
    }

    private static long Mprotect(InterruptContext* c)
    {
        ulong address = c->Rdi, length = PageUp(c->Rsi);
        int prot = (int)c->Rdx;
        const int PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
        if ((address & PageMask) != 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) != 0)
            return -Errno.EINVAL;
        if (length == 0)
            return 0;
        if (!UserMemory.IsUserRange(address, length))
            return -Errno.ENOMEM;
        ProcessMemory memory = Process.Current.Memory;
        if (!memory.Covered(address, address + length))
            return -Errno.ENOMEM;
        if (memory.WidensGrant(address, address + length, prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
            return -Errno.EACCES;
        return memory.Protect(address, address + length, prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ? 0 : -Errno.ENOMEM;
    }

    private static long Madvise(InterruptContext* c)
    {
        ulong address = c->Rdi, length = PageUp(c->Rsi);
        int advice = (int)c->Rdx;
        if ((address & PageMask) != 0)
            return -Errno.EINVAL;
        switch (advice)
        {
            case MADV_NORMAL:
            case MADV_RANDOM:
            case MADV_SEQUENTIAL:
            case MADV_WILLNEED:
            case MADV_DONTFORK:
            case MADV_DOFORK:
            case MADV_HUGEPAGE:
            case MADV_NOHUGEPAGE:
            case MADV_DONTDUMP:
            case MADV_DODUMP:
            case MADV_DONTNEED:
            case MADV_FREE:
                break;
            default:
                return -Errno.EINVAL;
        }
        if (length == 0)
            return 0;
        ProcessMemory memory = Process.Current.Memory;
        if (!UserMemory.IsUserRange(address, length) || !memory.Covered(address, address + length))
            return -Errno.ENOMEM;
        // Memory is committed up front here, so only "throw the contents away" has an effect.
        if (advice == MADV_DONTNEED || advice == MADV_FREE)
            return memory.Discard(address, address + length) ? 0 : -Errno.ENOMEM;
        return 0;
    }

    // mremap(old, old_size, new_size, flags, new_address): shrink in place, grow in place if the pages after
    // are free, else move (MREMAP_MAYMOVE) by copying.
    private static long Mremap(InterruptContext* c)
    {
        ulong oldAddress = c->Rdi, oldSize = PageUp(c->Rsi), newSize = PageUp(c->Rdx), target = c->R8;
        int flags = (int)c->R10;
        if ((oldAddress & PageMask) != 0 || newSize == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | 4)) != 0)
            return -Errno.EINVAL;
        if ((flags & MREMAP_FIXED) != 0 && ((flags & MREMAP_MAYMOVE) == 0 || (target & PageMask) != 0))
            return -Errno.EINVAL;
        ProcessMemory memory = Process.Current.Memory;
        if (oldSize == 0 || !UserMemory.IsUserRange(oldAddress, oldSize) || !memory.Covered(oldAddress, oldAddress + oldSize))
            return -Errno.EFAULT;
        int index = memory.Areas.Find(oldAddress);
        Vma area = memory.Areas.At(index);
        if ((flags & MREMAP_FIXED) == 0)
        {
            if (newSize <= oldSize)
            {
                if (newSize < oldSize)
                    memory.RemoveRange(oldAddress + newSize, oldAddress + oldSize);
                return (long)oldAddress;
            }
            if (UserMemory.IsUserRange(oldAddress, newSize) && memory.Areas.IsFree(oldAddress + oldSize, oldAddress + newSize)
                && memory.AddArea(oldAddress + oldSize, oldAddress + newSize, area.Prot, area.Kind))
            {
                memory.Areas.Coalesce();
                return (long)oldAddress;
            }
            if ((flags & MREMAP_MAYMOVE) == 0)
                return -Errno.ENOMEM;
            target = memory.FindFree(newSize, newSize >= (2UL << 20) ? 2UL << 20 : 4096);
            if (target == 0)
                return -Errno.ENOMEM;
        }
        else
        {
            if (!UserMemory.IsUserRange(target, newSize) || (target < oldAddress + oldSize && oldAddress < target + newSize))
                return -Errno.EINVAL;
            memory.RemoveRange(target, target + newSize);
        }
        if (!memory.AddArea(target, target + newSize, area.Prot == 0 ? PROT_READ : area.Prot, area.Kind))
            return -Errno.ENOMEM;
        ulong copy = oldSize < newSize ? oldSize : newSize;
        if (!memory.CopyWithin(oldAddress, target, copy))
            return -Errno.EFAULT;
        if (area.Prot == 0)
            memory.Protect(target, target + newSize, 0);
        memory.RemoveRange(oldAddress, oldAddress + oldSize);
        memory.Areas.Coalesce();
        return (long)target;
    }
}
