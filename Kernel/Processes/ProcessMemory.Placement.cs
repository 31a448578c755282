// An address space built to a placement (Placement.cs, PlacedExec.cs): exactly the planned physical frames
// back the planned virtual ranges, in pages no larger than each region's page size.
//  - BeginPlacement claims the planned physical runs from pmem at their exact addresses. They are this
//    space's own from then on, recorded like the pool's chunks (a claim is a pmem region of its own).
//  - While the program is loaded, Back maps a piece of [start, end) that lies in a planned region from that
//    region's frames instead of taking from the pool; pieces outside every region (gaps between segments)
//    come from the pool as always. A planned frame is only ever mapped at its planned virtual address, and
//    until EndPlacement none is given to the pool, so none can be used twice.
//  - EndPlacement drops the table: planned frames not mapped (a region nothing was loaded into) go to the
//    pool, and from then on the space is like any other. Memory it unmaps goes to the pool; a claimed run
//    that is wholly free in the pool goes back to pmem (ReturnFreeChunks), and every claim goes back to
//    pmem when the space is destroyed (never to SpareChunks, which keeps chunks of the pool's own making).
//    Later growth (brk beyond the planned heap, mmap, the stack below its planned part) comes from the pool.
//  - fork of such a space is an ordinary copy: the child's memory comes from its own pool (Duplicate).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    // The placement being installed while the program is loaded; null otherwise.
    private Placement* _placement;
    // The runs claimed for a placement (null for a space made without one).
    private PhysicalRun* _claims;
    private int _claimCount;
    private ulong _stackTop;

    // Bytes of the address space installed from the placement's frames when the program was loaded (VmPlaced).
    public ulong PlacedBytes { get; private set; }

    // The end of a preallocated brk heap (a placement's), 0 if there is none: brk inside it maps nothing.
    public ulong HeapEnd;

    // Where the main stack ends: DefaultStackTop unless a placement put it elsewhere.
    public ulong StackTop
    {
        get => _stackTop != 0 ? _stackTop : DefaultStackTop;
        set => _stackTop = value;
    }

    // Claims every run of the placement; from now until EndPlacement, Back maps planned regions from them.
    // 0, or -EBUSY (some frame is not free: nothing is claimed then), -EINVAL (some frame is not memory),
    // -ENOMEM (no bookkeeping).
    public int BeginPlacement(Placement* placement)
    {
        _claims = (PhysicalRun*)KernelHeap.Allocate((ulong)placement->RunCount * (ulong)sizeof(PhysicalRun));
        if (_claims == null)
            return -Errno.ENOMEM;
        for (int i = 0; i < placement->RunCount; i++)
        {
            PhysicalRun run = placement->Runs[i];
            ClaimResult result = PhysicalMemoryManager.TryClaim(run.Start, run.Length, RegionType.UserMemory, "placed memory");
            if (result == ClaimResult.Claimed)
            {
                _claims[_claimCount++] = run;
                continue;
            }
            FreeClaims();
            if (result == ClaimResult.InUse)
                return -Errno.EBUSY;    // the launcher plans again: not worth a console line
            Console.WriteLine($"kitten: kitten_exec_placed: physical [0x{run.Start:x}, 0x{run.Start + run.Length:x}) {(result == ClaimResult.NotMemory ? "is not memory" : "cannot be recorded (pmem is full)")}");
            return result == ClaimResult.NotMemory ? -Errno.EINVAL : -Errno.ENOMEM;
        }
        _placement = placement;
        return 0;
    }

    // The program is loaded: planned frames that were not mapped go to the pool, and the table is dropped.
    public void EndPlacement()
    {
        Placement* placement = _placement;
        if (placement == null)
            return;
        _placement = null;
        for (int i = 0; i < placement->RegionCount; i++)
        {
            PlacedRegion region = placement->Regions[i];
            ulong used = placement->Used[i];
            if (used == region.Length)
                continue;
            if (used == 0)
            {
                _pool.Give(region.Physical, region.Length);
                continue;
            }
            // Mapped in part (a region wider than what was loaded into it): the pages not mapped at their
            // planned place are free.
            for (ulong at = region.Virtual; at < region.VirtualEnd;)
            {
                ulong run = Tables.ContiguousRun(at, region.VirtualEnd - at, out ulong physical);
                if (run != 0 && physical == region.PhysicalAt(at))
                {
                    at += run;
                    continue;
                }
                _pool.Give(region.PhysicalAt(at), PageSize);
                at += PageSize;
            }
        }
    }

    // Back() while a placement is installed: planned pieces from their frames, the rest from the pool.
    private bool BackPlaced(ulong start, ulong end, PageFlags flags, bool zero)
    {
        Placement* placement = _placement;
        for (ulong at = start, pieceEnd; at < end; at = pieceEnd)
        {
            int i = placement->FirstEndingAfter(at);
            if (i == placement->RegionCount || placement->Regions[i].Virtual > at)
            {
                pieceEnd = i == placement->RegionCount || placement->Regions[i].Virtual > end ? end : placement->Regions[i].Virtual;
                if (BackFromPool(at, pieceEnd, flags, zero))
                    continue;
                return FailBacking(start, at);
            }
            PlacedRegion region = placement->Regions[i];
            pieceEnd = region.VirtualEnd < end ? region.VirtualEnd : end;
            ulong physical = region.PhysicalAt(at), length = pieceEnd - at;
            if (zero)
                Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(physical), (nuint)length);
            if (Tables.Map(at, physical, length, zero ? flags | PageFlags.Zeroed : flags, PagesUpTo(region.PageSize)) != PageTableResult.Ok)
                return FailBacking(start, at);
            placement->Used[i] += length;
            CommittedBytes += length;
            PlacedBytes += length;
        }
        return true;
    }

    private bool FailBacking(ulong start, ulong at)
    {
        Release(start, at);
        FlushTlb();
        ReturnFreeChunks();
        return false;
    }

    // The page sizes a region of `pageSize` pages may be mapped with: none larger.
    private static PageSizes PagesUpTo(uint pageSize)
        => pageSize == Placement.Page1G ? KernelPageTables.LargestPages
            : pageSize == Placement.Page2M ? PageSizes.Size4K | PageSizes.Size2M : PageSizes.Size4K;

    // Release() of [at, at + length) (within one page) while a placement is installed: if these are the
    // planned frames of that place, they stay out of the pool (EndPlacement gives them to it if they are
    // not mapped again); true then.
    private bool KeepPlannedFrames(ulong at, ulong physical, ulong length)
    {
        int i = _placement->RegionAt(at);
        if (i < 0 || _placement->Regions[i].PhysicalAt(at) != physical)
            return false;
        _placement->Used[i] -= length;
        PlacedBytes -= length;
        return true;
    }

    // Zeroes what of [start, end) may have been written since it was mapped zeroed (brk growing again inside
    // a preallocated heap): pages still untouched since (PageTable.ContiguousRun) are skipped.
    public void ZeroWritten(ulong start, ulong end)
    {
        for (ulong at = start; at < end;)
        {
            ulong run = Tables.ContiguousRun(at, end - at, out ulong physical, out bool untouchedZero);
            if (run == 0)
            {
                at = (at & ~(PageSize - 1)) + PageSize;     // unmapped (the program unmapped part of its heap)
                continue;
            }
            if (!untouchedZero)
                Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(physical), (nuint)run);
            at += run;
        }
    }

    // Claimed runs wholly free in the pool go back to pmem (ReturnFreeChunks).
    private void ReturnFreeClaims()
    {
        for (int i = _claimCount - 1; i >= 0; i--)
        {
            ulong start = _claims[i].Start, end = start + _claims[i].Length;
            if (!_pool.IsFree(start, end) || !_pool.Withdraw(start, end))
                continue;
            PhysicalMemoryManager.Free(start);
            _claims[i] = _claims[--_claimCount];
        }
    }

    // Every claimed run back to pmem, and the list with them (Destroy; a failed BeginPlacement).
    private void FreeClaims()
    {
        for (int i = 0; i < _claimCount; i++)
            PhysicalMemoryManager.Free(_claims[i].Start);
        _claimCount = 0;
        KernelHeap.Free(_claims);
        _claims = null;
    }
}
