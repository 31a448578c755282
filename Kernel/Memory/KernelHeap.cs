// The kernel heap: one HeapAllocator over a block of RAM chosen at boot, under a spinlock. The runtime's
// object allocation (RhpNewFast and friends) ends here too.
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Runtime;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Memory;

internal static unsafe class KernelHeap
{
    private static HeapAllocator s_allocator;
    private static SpinLock s_lock;

    public static ulong PhysicalBase { get; private set; }

    public static void Initialize(ulong physicalBase, ulong length)
    {
        PhysicalBase = physicalBase;
        s_allocator.Initialize(PhysicalMemory.ToVirtual(physicalBase), length);
    }

    public static void* AllocateZeroed(ulong size, ulong alignment = 16)
    {
        if (!s_allocator.IsInitialized)
            Panic.Fail("allocation before the kernel heap exists");
        bool interrupts = s_lock.Acquire();
        void* memory = s_allocator.Allocate(size, alignment);
        s_lock.Release(interrupts);
        if (memory != null)
            MemoryOps.Zero(memory, (nuint)size);
        return memory;
    }

    // As AllocateZeroed, for callers that write every byte themselves before reading any.
    public static void* Allocate(ulong size, ulong alignment = 16)
    {
        if (!s_allocator.IsInitialized)
            Panic.Fail("allocation before the kernel heap exists");
        bool interrupts = s_lock.Acquire();
        void* memory = s_allocator.Allocate(size, alignment);
        s_lock.Release(interrupts);
        return memory;
    }

    public static void Free(void* memory)
    {
        if (memory == null)
            return;
        bool interrupts = s_lock.Acquire();
        bool ok = s_allocator.Free(memory);
        s_lock.Release(interrupts);
        if (!ok)
            Panic.Fail("kernel heap: free of a pointer that is not allocated");
    }

    public static ulong TotalBytes => s_allocator.TotalBytes;
    public static ulong FreeBytes => s_allocator.FreeBytes;
    public static ulong AllocationCount => s_allocator.AllocationCount;

    public static string Validate()
    {
        bool interrupts = s_lock.Acquire();
        string problem = s_allocator.Validate();
        s_lock.Release(interrupts);
        return problem;
    }
}
