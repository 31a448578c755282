// The kernel heap on the real machine: allocation, alignment, and a churn that checks every invariant.
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Memory;

internal static unsafe class MemorySelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("memory.heap_alloc_free", &HeapAllocFree);
        tests.Add("memory.heap_aligned_allocations", &HeapAlignedAllocations);
        tests.Add("memory.heap_churn_keeps_invariants", &HeapChurn);
    }

    private static void HeapAllocFree(ref TestContext t)
    {
        ulong freeBefore = KernelHeap.FreeBytes;
        ulong countBefore = KernelHeap.AllocationCount;
        var blocks = stackalloc byte*[100];
        for (int i = 0; i < 100; i++)
        {
            blocks[i] = (byte*)KernelHeap.AllocateZeroed((ulong)(i * 37 + 1));
            if (blocks[i] != null)
                blocks[i][i * 37] = 0xAB; // last byte of the request is writable
        }
        bool allGranted = true;
        for (int i = 0; i < 100; i++)
            allGranted &= blocks[i] != null;
        t.Check(allGranted, "an allocation failed");
        t.Equal(countBefore + 100, KernelHeap.AllocationCount, "allocations counted");
        for (int i = 0; i < 100; i += 2)
            KernelHeap.Free(blocks[i]);
        for (int i = 1; i < 100; i += 2)
            KernelHeap.Free(blocks[i]);
        t.Equal(freeBefore, KernelHeap.FreeBytes, "free bytes after freeing everything");
        t.Check(KernelHeap.Validate() == null, "heap invariants broken");
    }

    private static void HeapAlignedAllocations(ref TestContext t)
    {
        ulong freeBefore = KernelHeap.FreeBytes;
        for (int shift = 5; shift <= 12; shift++)
        {
            ulong alignment = 1UL << shift;
            void* p = KernelHeap.AllocateZeroed(100, alignment);
            t.Check(p != null && ((ulong)p & (alignment - 1)) == 0, "allocation not aligned as asked");
            KernelHeap.Free(p);
        }
        t.Equal(freeBefore, KernelHeap.FreeBytes, "free bytes after aligned allocations");
        t.Check(KernelHeap.Validate() == null, "heap invariants broken");
    }

    private static void HeapChurn(ref TestContext t)
    {
        const int Slots = 64;
        ulong freeBefore = KernelHeap.FreeBytes;
        var live = stackalloc byte*[Slots];
        for (int i = 0; i < Slots; i++)
            live[i] = null;
        ulong state = 0x9E3779B97F4A7C15;
        for (int step = 0; step < 4000; step++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            int slot = (int)(state % Slots);
            if (live[slot] != null)
            {
                KernelHeap.Free(live[slot]);
                live[slot] = null;
            }
            else
            {
                ulong size = (state >> 20) % 8192 + 1;
                live[slot] = (byte*)KernelHeap.AllocateZeroed(size);
                if (live[slot] == null)
                {
                    t.Fail("allocation failed during churn");
                    break;
                }
            }
        }
        string problem = KernelHeap.Validate();
        t.Check(problem == null, problem ?? "");
        for (int i = 0; i < Slots; i++)
            KernelHeap.Free(live[i]);
        t.Equal(freeBefore, KernelHeap.FreeBytes, "free bytes after churn");
    }
}
