// A process's address space, the LWK way: page tables plus a list of areas, backed by a pool of a few
// physically contiguous chunks from pmem, mapped with the largest pages the alignment allows, and fully
// committed when mapped (no demand paging). A PROT_NONE reservation costs no physical memory until it is
// committed with mprotect.
//
// Layout of the user half [0, 512 GiB): the program where its ELF headers put it (static-PIE at
// PieBase), the brk heap after it, mmap areas handed out top-down below MmapTop, IPC grant mappings in
// the grant window above it (ProcessMemory.Grants.cs), the stack below DefaultStackTop (or where a
// placement puts it: ProcessMemory.Placement.cs).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    public const ulong PageSize = 4096;
    public const ulong PieBase = 0x0000_0040_0000_0000;     // 256 GiB
    public const ulong MmapTop = GrantWindowStart;
    public const ulong MmapBottom = 0x0000_0001_0000_0000;  // 4 GiB
    public const ulong DefaultStackTop = 0x0000_007F_FFFF_E000;   // ProcessMemory.Placement.cs: a placement may move it
    public const ulong BrkLimit = 0x0000_0040_0000_0000;

    private const int VmaCapacity = 1024;
    private const int PoolNodeCapacity = 512;
    private const int MaxChunks = 256;
    // The smallest piece of pmem a process's pool grows by: one large page. Bigger requests take a chunk of
    // their own size, so a process holds roughly what it maps, not chunk multiples.
    private const ulong ChunkSize = 2UL << 20;

    public PageTable Tables;
    public VmaList Areas;
    private PhysicalPool _pool;
    private ulong* _chunks;
    private ulong* _chunkSizes;
    private int _chunkCount;
    private Vma* _areaStorage;
    private PmemNode* _poolNodes;

    public ulong BrkStart;
    public ulong Brk;
    // Where execve put the program's argument and environment strings and its initial stack pointer, and
    // which file it ran (mm's arg_start, env_start, start_stack and exe_file in Linux): for /proc.
    public ulong ArgumentsStart, EnvironmentStart, EnvironmentEnd, StartStack;
    public byte[] ExecutablePath;       // absolute, every symbolic link followed; owned by this object
    public ulong ExecutableDevice, ExecutableInode;
    public ulong CommittedBytes { get; private set; }
    public ulong ChunkBytes { get; private set; }

    public static ProcessMemory Create()
    {
        var memory = new ProcessMemory();
        // Not zeroed: each structure reads only the entries it has written (the node pool sets nodes up
        // as it hands them out), and zeroing them would be most of what creating an address space costs.
        // One heap block for the four arrays (each a multiple of 16 bytes): one allocation and one free
        // per address space instead of four of each.
        ulong areaBytes = (ulong)(VmaCapacity * sizeof(Vma)), nodeBytes = (ulong)(PoolNodeCapacity * Pmem.NodeSize);
        ulong chunkBytes = MaxChunks * sizeof(ulong);
        byte* block = (byte*)KernelHeap.Allocate(areaBytes + nodeBytes + 2 * chunkBytes);
        if (block == null)
        {
            Runtime.ObjectMemory.Release(memory);
            return null;
        }
        memory._areaStorage = (Vma*)block;
        memory._poolNodes = (PmemNode*)(block + areaBytes);
        memory._chunks = (ulong*)(block + areaBytes + nodeBytes);
        memory._chunkSizes = (ulong*)(block + areaBytes + nodeBytes + chunkBytes);
        memory.Areas.Initialize(memory._areaStorage, VmaCapacity);
        memory._pool.Initialize(memory._poolNodes, PoolNodeCapacity);
        if (memory.Tables.Create(PhysicalMemoryManager.PageTableAllocator, KernelPageTables.HasNoExecute) != PageTableResult.Ok
            || memory.Tables.ShareKernelHalf(KernelPageTables.Table) != PageTableResult.Ok)
        {
            memory.Destroy();
            return null;
        }
        return memory;
    }

    public ulong Cr3 => Tables.RootPhysical;

    // Bytes of the page tables below the PML4 (VmPTE): Linux's mm_pgtables_bytes counts the PUD, PMD and
    // PTE tables a process allocated, not its PGD.
    public ulong PageTableBytes => Tables.PageTableBytes - PageTableEntry.TableSize;

    // Everything goes back to pmem. The caller has switched away from these page tables on every CPU.
    public void Destroy()
    {
        ForgetGrants();
        if (Tables.IsCreated)
            Tables.Destroy();
        for (int i = 0; i < _chunkCount; i++)
        {
            if (_chunkSizes[i] != SpareChunks.Size || !SpareChunks.Keep(_chunks[i]))
                PhysicalMemoryManager.Free(_chunks[i]);
        }
        _chunkCount = 0;
        if (_claims != null)
            FreeClaims();
        if (_image != null)
            ImageCache.Release(_image);
        _image = null;
        FreeBookkeeping();
        if (ExecutablePath != null)
            Runtime.ObjectMemory.Release(ExecutablePath);
        Runtime.ObjectMemory.Release(this);
    }

    private void FreeBookkeeping()
    {
        KernelHeap.Free(_areaStorage); // the block that holds all four arrays
        _areaStorage = null;
        _poolNodes = null;
        _chunks = null;
        _chunkSizes = null;
    }

    // ---- areas ----

    // PROT_NONE memory that is committed stays mapped, but for the kernel only (U/S clear), so that user
    // accesses fault while the data and the physical pages stay where they are for a later mprotect.
    public static PageFlags FlagsFor(int prot)
    {
        if (prot == 0)
            return 0;
        PageFlags flags = PageFlags.User;
        if ((prot & Vma.ProtWrite) != 0)
            flags |= PageFlags.Writable;
        if ((prot & Vma.ProtExec) != 0)
            flags |= PageFlags.Executable;
        return flags;
    }

    // Adds an area; commits it (allocates, zeroes and maps its memory) unless prot is PROT_NONE.
    // Returns false if the range is taken or memory is short (then nothing changed). zero: false only for
    // callers that overwrite every byte themselves (program loading fills or zeroes the image itself).
    public bool AddArea(ulong start, ulong end, int prot, VmaKind kind, bool zero = true)
    {
        if (InGrantWindow(start, end))
            return false;
        bool commit = prot != 0;
        var vma = new Vma { Start = start, End = end, Prot = prot, Kind = kind, Committed = commit };
        if (!Areas.Insert(vma))
            return false;
        if (commit && !Back(start, end, FlagsFor(prot), zero))
        {
            Areas.RemoveAt(Areas.Find(start));
            return false;
        }
        return true;
    }

    // Removes [start, end): unmaps and gives back the memory of every area in it (munmap).
    public bool RemoveRange(ulong start, ulong end)
    {
        if (!Areas.SplitAt(start) || !Areas.SplitAt(end))
            return false;
        Areas.Range(start, end, out int first, out int last);
        for (int i = last - 1; i >= first; i--)
        {
            Vma vma = Areas.At(i);
            if (vma.Kind == VmaKind.Grant)
                UnmapGrantArea(vma.Start, vma.End);
            else if (vma.Committed)
                Unback(in vma);
            Areas.RemoveAt(i);
        }
        FlushTlb();
        ReturnFreeChunks();
        return true;
    }

    // Chunks the process no longer uses at all go back to pmem, so that memory a program unmapped is
    // available to others (fork of a process that once mapped a lot, say).
    private void ReturnFreeChunks()
    {
        for (int i = _chunkCount - 1; i >= 0; i--)
        {
            ulong start = _chunks[i], end = start + _chunkSizes[i];
            if (!_pool.IsFree(start, end) || !_pool.Withdraw(start, end))
                continue;
            PhysicalMemoryManager.Free(start);
            ChunkBytes -= _chunkSizes[i];
            _chunkCount--;
            _chunks[i] = _chunks[_chunkCount];
            _chunkSizes[i] = _chunkSizes[_chunkCount];
        }
        if (_claimCount != 0)
            ReturnFreeClaims();
    }

    // After mappings were removed or weakened, CPUs may still hold the old translations (Intel SDM vol. 3,
    // 4.10.4 "Invalidation of TLBs and Paging-Structure Caches"): reloading CR3 drops every non-global
    // entry, and user mappings are never global. Other CPUs running threads of this process do the same
    // (TlbShootdown) before the memory can be used again.
    private void FlushTlb() => TlbShootdown.FlushEverywhere(Tables.RootPhysical);

    // Changes protection of [start, end), committing what was PROT_NONE-reserved (mprotect). The whole
    // range must be areas (no holes).
    public bool Protect(ulong start, ulong end, int prot)
    {
        if (!Covered(start, end) || !Areas.SplitAt(start) || !Areas.SplitAt(end))
            return false;
        if (prot != 0 && TryProtectStackTop(start, end, prot))
            return true;
        Areas.Range(start, end, out int first, out int last);
        for (int i = first; i < last; i++)
        {
            Vma vma = Areas.At(i);
            vma.GrowProt = 0; // given a protection of its own: committed now, or a guard
            if (vma.Kind == VmaKind.Grant)
            {
                if (!ProtectGrantArea(vma.Start, vma.End, prot))
                    return false;
            }
            else if (!vma.Committed && prot != 0)
            {
                if (!Back(vma.Start, vma.End, FlagsFor(prot), zero: true))
                    return false;
                vma.Committed = true;
            }
            else if (vma.Committed && vma.SharedImage && (prot & Vma.ProtWrite) != 0)
            {
                if (!TakePrivateCopy(ref vma, FlagsFor(prot)))
                    return false;
            }
            else if (vma.Committed)
            {
                Tables.Protect(vma.Start, vma.Length, FlagsFor(prot));
            }
            vma.Prot = prot;
            Areas.Set(i, vma);
        }
        Areas.Coalesce();
        FlushTlb();
        return true;
    }

    // Gives back the memory of committed PROT_NONE pages and zeroes the rest (madvise(MADV_DONTNEED):
    // private anonymous memory reads as zero afterwards).
    public bool Discard(ulong start, ulong end)
    {
        if (!Covered(start, end) || !Areas.SplitAt(start) || !Areas.SplitAt(end))
            return false;
        Areas.Range(start, end, out int first, out int last);
        for (int i = first; i < last; i++)
        {
            Vma vma = Areas.At(i);
            if (!vma.Committed || vma.Kind == VmaKind.Grant)
                continue; // a grant is shared memory: its contents stay (MADV_DONTNEED on MAP_SHARED)
            if (vma.Prot == 0)
            {
                Unback(in vma);
                vma.Committed = false;
                vma.SharedImage = false;
                Areas.Set(i, vma);
            }
            else if (!vma.SharedImage)
            {
                ZeroMapped(vma.Start, vma.End);
            }
            // A program's shared pages already hold what a private file mapping reads after
            // MADV_DONTNEED: the file's bytes (madvise(2)).
        }
        Areas.Coalesce();
        FlushTlb();
        ReturnFreeChunks();
        return true;
    }

    public bool Covered(ulong start, ulong end)
    {
        ulong at = start;
        int i = Areas.FirstEndingAfter(start);
        while (at < end)
        {
            if (i >= Areas.Count || Areas.At(i).Start > at)
                return false;
            at = Areas.At(i).End;
            i++;
        }
        return true;
    }

    // A free range of length bytes for mmap without MAP_FIXED; 0 if none.
    public ulong FindFree(ulong length, ulong alignment) => Areas.FindGapBelow(MmapTop, MmapBottom, length, alignment);

    // ---- physical backing ----

    // Allocates, zeroes and maps memory for [start, end), in as few contiguous pieces as the pool allows,
    // each aligned like its virtual address up to 1 GiB so that the largest pages fit; while a placement
    // is installed, its planned frames where it has planned them (ProcessMemory.Placement.cs).
    private bool Back(ulong start, ulong end, PageFlags flags, bool zero)
        => _placement == null ? BackFromPool(start, end, flags, zero) : BackPlaced(start, end, flags, zero);

    private bool BackFromPool(ulong start, ulong end, PageFlags flags, bool zero)
    {
        ulong at = start;
        while (at < end)
        {
            ulong remaining = end - at;
            ulong alignment = LargestAlignment(at, remaining);
            ulong length = remaining;
            ulong physical;
            while (!_pool.TryTake(length, alignment, out physical))
            {
                if (GrowPool(length, alignment))
                    continue;
                // No room for it in one piece: try a smaller piece.
                if (length > alignment)
                    length = (length / 2 + alignment - 1) & ~(alignment - 1);
                else if (alignment > PageSize)
                    alignment = length = alignment >> 9 >= PageSize ? alignment >> 9 : PageSize;
                else
                {
                    // A failed request keeps nothing: chunks grown for it go back to pmem.
                    Release(start, at);
                    FlushTlb();
                    ReturnFreeChunks();
                    return false;
                }
            }
            if (zero)
                Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(physical), (nuint)length);
            if (Tables.Map(at, physical, length, zero ? flags | PageFlags.Zeroed : flags, KernelPageTables.LargestPages) != PageTableResult.Ok)
            {
                _pool.Give(physical, length);
                Release(start, at);
                FlushTlb();
                ReturnFreeChunks();
                return false;
            }
            CommittedBytes += length;
            at += length;
        }
        return true;
    }

    private static ulong LargestAlignment(ulong address, ulong length)
    {
        const ulong Giant = 1UL << 30, Large = 1UL << 21;
        if ((address & (Giant - 1)) == 0 && length >= Giant && KernelPageTables.HasGigabytePages)
            return Giant;
        if ((address & (Large - 1)) == 0 && length >= Large)
            return Large;
        return PageSize;
    }

    private bool GrowPool(ulong length, ulong alignment)
    {
        if (_chunkCount == MaxChunks)
            return false;
        ulong size = length > ChunkSize ? length : ChunkSize;
        size = (size + alignment - 1) & ~(alignment - 1);
        ulong chunk = size == SpareChunks.Size && alignment <= SpareChunks.Size ? SpareChunks.Take() : 0;
        if (chunk == 0)
            chunk = PhysicalMemoryManager.Allocate(size, alignment, RegionType.UserMemory, "process memory", zero: false);
        if (chunk == 0 && size > length)
        {
            size = (length + alignment - 1) & ~(alignment - 1);
            chunk = PhysicalMemoryManager.Allocate(size, alignment, RegionType.UserMemory, "process memory", zero: false);
        }
        if (chunk == 0 && ImageCache.ReleaseKeptMemory() > 0)
            chunk = PhysicalMemoryManager.Allocate(size, alignment, RegionType.UserMemory, "process memory", zero: false);
        if (chunk == 0)
            return false;
        if (!_pool.Give(chunk, size))
        {
            PhysicalMemoryManager.Free(chunk);
            return false;
        }
        _chunks[_chunkCount] = chunk;
        _chunkSizes[_chunkCount] = size;
        _chunkCount++;
        ChunkBytes += size;
        return true;
    }

    // Unmaps [start, end) and gives its pages back to the pool.
    private void Release(ulong start, ulong end)
    {
        RevokeGrantsIn(start, end);
        ulong at = start;
        while (at < end)
        {
            if (!Tables.Translate(at, out ulong physical, out _, out ulong pageSize))
            {
                at = (at & ~(PageSize - 1)) + PageSize;
                continue;
            }
            ulong pageEnd = (at & ~(pageSize - 1)) + pageSize;
            ulong pieceEnd = pageEnd < end ? pageEnd : end;
            if (_placement == null || !KeepPlannedFrames(at, physical, pieceEnd - at))
                _pool.Give(physical, pieceEnd - at);
            CommittedBytes -= pieceEnd - at;
            at = pieceEnd;
        }
        Tables.Unmap(start, end - start);
    }

    public void ZeroMapped(ulong start, ulong end)
    {
        for (ulong at = start; at < end;)
        {
            if (!Tables.Translate(at, out ulong physical, out _, out ulong pageSize))
            {
                at += PageSize;
                continue;
            }
            ulong pageEnd = (at & ~(pageSize - 1)) + pageSize;
            ulong pieceEnd = pageEnd < end ? pageEnd : end;
            Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(physical), (nuint)(pieceEnd - at));
            at = pieceEnd;
        }
    }

    // Copies kernel bytes into this address space through its page tables (it need not be the one
    // loaded). False if some page is not mapped.
    public bool Write(ulong address, byte* source, ulong length)
    {
        ulong done = 0;
        while (done < length)
        {
            ulong at = address + done;
            if (!Tables.Translate(at, out ulong physical, out _, out ulong pageSize))
                return false;
            ulong pageEnd = (at & ~(pageSize - 1)) + pageSize;
            ulong chunk = pageEnd - at < length - done ? pageEnd - at : length - done;
            Tables.ForgetZeroed(at);
            Runtime.MemoryOps.Move((byte*)PhysicalMemory.ToVirtual(physical), source + done, (nuint)chunk);
            done += chunk;
        }
        return true;
    }

    // Copies bytes out of this address space through its page tables (it need not be the one loaded), for
    // /proc/<pid>/cmdline. False if some page is not mapped.
    public bool Read(ulong address, byte* destination, ulong length)
    {
        ulong done = 0;
        while (done < length)
        {
            ulong at = address + done;
            if (!Tables.Translate(at, out ulong physical, out _, out ulong pageSize))
                return false;
            ulong pageEnd = (at & ~(pageSize - 1)) + pageSize;
            ulong chunk = pageEnd - at < length - done ? pageEnd - at : length - done;
            Runtime.MemoryOps.Move(destination + done, (byte*)PhysicalMemory.ToVirtual(physical), (nuint)chunk);
            done += chunk;
        }
        return true;
    }

    // Copies bytes from one place in this address space to another (mremap's move).
    public bool CopyWithin(ulong from, ulong to, ulong length)
    {
        for (ulong done = 0; done < length;)
        {
            if (!Tables.Translate(from + done, out ulong source, out _, out ulong sourcePage)
                || !Tables.Translate(to + done, out ulong target, out _, out ulong targetPage))
                return false;
            ulong sourceLeft = sourcePage - ((from + done) & (sourcePage - 1));
            ulong targetLeft = targetPage - ((to + done) & (targetPage - 1));
            ulong chunk = sourceLeft < targetLeft ? sourceLeft : targetLeft;
            if (chunk > length - done)
                chunk = length - done;
            Tables.ForgetZeroed(to + done);
            Runtime.MemoryOps.Move((byte*)PhysicalMemory.ToVirtual(target), (byte*)PhysicalMemory.ToVirtual(source), (nuint)chunk);
            done += chunk;
        }
        return true;
    }

    // ---- fork ----

    // A copy of this address space with its own memory (fork with an eager copy).
    public ProcessMemory Duplicate()
    {
        ProcessMemory child = Create();
        if (child == null)
            return null;
        child.BrkStart = BrkStart;
        child.Brk = Brk;
        child.HeapEnd = HeapEnd;
        child._stackTop = _stackTop;
        child.ArgumentsStart = ArgumentsStart;
        child.EnvironmentStart = EnvironmentStart;
        child.EnvironmentEnd = EnvironmentEnd;
        child.StartStack = StartStack;
        child.ExecutableDevice = ExecutableDevice;
        child.ExecutableInode = ExecutableInode;
        child.ExecutablePath = ExecutablePath == null ? null : FileSystem.Bytes.ToArray(ExecutablePath);
        // One contiguous block for all of it up front (the LWK way, and few chunks however many areas
        // the parent has); pieces are carved from it below.
        // A small process's copy fits one chunk of the smallest size exactly (its pieces need 4 KiB
        // alignment only); a large one gets a chunk more, room for the alignment of its large pages.
        if (CommittedBytes > 0)
            child.GrowPool(CommittedBytes > ChunkSize ? CommittedBytes + ChunkSize : CommittedBytes, ChunkSize);
        if (_image != null)
        {
            ImageCache.AddUser(_image);
            child._image = _image;
        }
        for (int i = 0; i < Areas.Count; i++)
        {
            Vma vma = Areas.At(i);
            if (vma.Kind == VmaKind.Grant)
                continue; // the child does not inherit grant mappings (Kernel/Ipc/README.md)
            if (!child.Areas.Insert(vma))
                return FailDuplicate(child, "no room for another area", vma);
            if (!vma.Committed)
                continue;
            if (vma.SharedImage)
            {
                // The same read-only pages, no copy.
                if (!child.MapSharedImage(vma.Start, vma.End, vma.Prot))
                    return FailDuplicate(child, "no memory for page tables", vma);
                continue;
            }
            if (!child.Back(vma.Start, vma.End, FlagsFor(vma.Prot), zero: false))
                return FailDuplicate(child, "no memory to back", vma);
            CopyInto(child, vma.Start, vma.End);
        }
        return child;
    }

    // fork's ENOMEM says little; the console line says which area could not be copied and why.
    private ProcessMemory FailDuplicate(ProcessMemory child, string reason, Vma vma)
    {
        Console.WriteLine($"kitten: fork: cannot copy the address space: {reason} [0x{vma.Start:x}, 0x{vma.End:x}) ({Areas.Count} areas, {CommittedBytes} bytes committed; child has {child._chunkCount} chunks, {child._pool.FreeBytes} bytes free in its pool, {child._pool.LargestFree} largest; pmem has {PhysicalMemoryManager.FreeBytes} bytes free)");
        child.Destroy();
        return null;
    }

    // Copies run by run: both sides are a few physically contiguous pieces. Pages the parent has not
    // written since they were mapped zeroed (most of a fresh brk heap, the unused part of a stack) are
    // zeroed rather than copied: the same result, with stores only.
    private void CopyInto(ProcessMemory child, ulong start, ulong end)
    {
        for (ulong at = start; at < end;)
        {
            ulong sourceRun = Tables.ContiguousRun(at, end - at, out ulong source, out bool untouchedZero);
            ulong targetRun = child.Tables.ContiguousRun(at, sourceRun, out ulong target);
            if (targetRun == 0)
                return; // cannot happen: the child's copy of the area was just backed
            if (untouchedZero)
                Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(target), (nuint)targetRun);
            else
                Runtime.MemoryOps.Move((byte*)PhysicalMemory.ToVirtual(target), (byte*)PhysicalMemory.ToVirtual(source), (nuint)targetRun);
            at += targetRun;
        }
    }
}
