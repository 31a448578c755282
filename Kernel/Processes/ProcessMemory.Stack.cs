// The main thread's stack: the one place where a fault commits memory. execve reserves RLIMIT_STACK below
// StackTop (8 MiB by default, as Linux) but commits only the top InitialStackCommit bytes; an access below
// the committed part, inside the reservation, commits more, at least doubling it, from the process's pool.
// So a program that uses a few kilobytes of stack (nearly all) costs 128 KiB to create and to fork, not
// megabytes, and one that recurses deeply takes a handful of growth faults, at most
// log2(8 MiB / 128 KiB) = 6 over its life, each at a point the program itself decides: no faults happen
// behind its back, and memory once committed stays (Linux grows its stack the same way, a page at a time).
namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    public const ulong InitialStackCommit = 128 * 1024;
    private const ulong StackGrowthMinimum = 64 * 1024;

    // Reserves [top - reserve, top) for the stack and commits its top `commit` bytes (zeroed).
    public bool AddStack(ulong top, ulong reserve, ulong commit, int prot)
    {
        if (commit > reserve)
            commit = reserve;
        if (!AddArea(top - commit, top, prot, VmaKind.Stack))
            return false;
        if (reserve > commit && !AddArea(top - reserve, top - commit, 0, VmaKind.Stack))
        {
            RemoveRange(top - commit, top);
            return false;
        }
        return true;
    }

    // Commits enough of the stack's reservation that `address` is backed. False if the address is not in
    // a stack reservation right below the committed stack, or memory is short. Caller holds the memory lock.
    public bool GrowStack(ulong address)
    {
        int index = Areas.Find(address);
        if (index < 0 || index + 1 >= Areas.Count)
            return false;
        Vma reservation = Areas.At(index), stack = Areas.At(index + 1);
        if (reservation.Kind != VmaKind.Stack || reservation.Committed || reservation.Prot != 0
            || stack.Kind != VmaKind.Stack || !stack.Committed || stack.Start != reservation.End)
            return false;
        ulong committed = StackTop > stack.Start ? StackTop - stack.Start : stack.Length;
        ulong low = stack.Start - committed;                                   // doubled
        ulong needed = (address & ~(PageSize - 1)) - StackGrowthMinimum;       // and some room below the fault
        if (needed < low)
            low = needed;
        if (low < reservation.Start || low > stack.Start)
            low = reservation.Start;
        return Protect(low, stack.Start, stack.Prot);
    }
}
