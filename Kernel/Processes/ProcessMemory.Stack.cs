// Stacks: the one place where a fault commits memory. A stack is a committed top and, below it, a
// reservation that remembers the protection it was given (Vma.GrowProt); an access below the committed
// part, inside the reservation, commits more, at least doubling it, from the process's pool.
//  - The main thread's: execve reserves RLIMIT_STACK below StackTop (8 MiB by default, as Linux) and
//    commits the top InitialStackCommit bytes.
//  - A thread's: a MAP_STACK mapping (glibc's pthread stacks, so every .NET thread: 1.5 to 8 MiB each) is
//    committed the same way when it is made accessible, by mmap or by mprotect of its PROT_NONE
//    reservation; the guard page glibc leaves PROT_NONE at its bottom stays a guard.
// So a thread that uses a few kilobytes of stack (nearly all) costs 32 KiB to create and to fork, not
// megabytes, and one that recurses deeply takes a handful of growth faults, at most
// log2(8 MiB / 32 KiB) = 8 over its life, each at a point the program itself decides: no faults happen
// behind its back, and memory once committed stays (Linux grows its stack the same way, a page at a time).
namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    public const ulong InitialStackCommit = 32 * 1024;
    private const ulong StackGrowthMinimum = 32 * 1024;

    // Reserves [top - reserve, top) for a stack and commits its top `commit` bytes (zeroed).
    public bool AddStack(ulong top, ulong reserve, ulong commit, int prot)
    {
        if (commit > reserve)
            commit = reserve;
        if (!AddArea(top - commit, top, prot, VmaKind.Stack))
            return false;
        if (reserve > commit && !AddReservation(top - reserve, top - commit, prot))
        {
            RemoveRange(top - commit, top);
            return false;
        }
        return true;
    }

    private bool AddReservation(ulong start, ulong end, int growProt)
        => !InGrantWindow(start, end)
            && Areas.Insert(new Vma { Start = start, End = end, Kind = VmaKind.Stack, GrowProt = growProt });

    // mprotect(prot != 0) of [start, end), already split out of the areas around it: if it is one stack
    // reservation (a MAP_STACK mapping made PROT_NONE), commits only its top and leaves the rest to grow.
    // False if the range is anything else, for Protect to handle.
    private bool TryProtectStackTop(ulong start, ulong end, int prot)
    {
        Areas.Range(start, end, out int first, out int last);
        if (last - first != 1)
            return false;
        Vma vma = Areas.At(first);
        if (vma.Kind != VmaKind.Stack || vma.Committed || vma.Length <= InitialStackCommit)
            return false;
        ulong top = vma.End - InitialStackCommit;
        if (!Areas.SplitAt(top))
            return false;
        vma.End = top;
        vma.Prot = 0;
        vma.GrowProt = prot;
        Areas.Set(first, vma);
        if (!Commit(first + 1, prot))
            return false;
        Areas.Coalesce();
        return true;
    }

    // Backs the uncommitted area at `index` (zeroed) and gives it `prot`.
    private bool Commit(int index, int prot)
    {
        Vma vma = Areas.At(index);
        if (!Back(vma.Start, vma.End, FlagsFor(prot), zero: true))
            return false;
        vma.Committed = true;
        vma.Prot = prot;
        vma.GrowProt = 0;
        Areas.Set(index, vma);
        return true;
    }

    // Commits enough of a stack's reservation that `address` is backed. False if the address is not in
    // a stack reservation right below a committed stack, or memory is short. Caller holds the memory lock.
    public bool GrowStack(ulong address)
    {
        int index = Areas.Find(address);
        if (index < 0 || index + 1 >= Areas.Count)
            return false;
        Vma reservation = Areas.At(index), stack = Areas.At(index + 1);
        if (reservation.Kind != VmaKind.Stack || reservation.Committed || reservation.Prot != 0
            || reservation.GrowProt == 0
            || stack.Kind != VmaKind.Stack || !stack.Committed || stack.Start != reservation.End)
            return false;
        // The main stack's committed area may reach above StackTop (the arguments and environment).
        ulong committed = stack.Contains(StackTop - 1) ? StackTop - stack.Start : stack.Length;
        ulong low = stack.Start - committed;                                   // doubled
        ulong needed = (address & ~(PageSize - 1)) - StackGrowthMinimum;       // and some room below the fault
        if (needed < low)
            low = needed;
        if (low < reservation.Start || low > stack.Start)
            low = reservation.Start;
        if (!Areas.SplitAt(low))
            return false;
        if (!Commit(Areas.Find(low), reservation.GrowProt))
            return false;
        Areas.Coalesce();
        // No TLB flush: the pages were not present, and no CPU caches a translation for a not-present
        // page (Intel SDM vol. 3, 4.10.2.3).
        return true;
    }
}
