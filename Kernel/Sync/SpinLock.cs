// A test-and-test-and-set spinlock that also masks interrupts on this CPU while held, so that an interrupt
// handler that takes the same lock cannot deadlock against the code it interrupted.
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Runtime;

namespace Kitten.Kernel.Sync;

internal unsafe struct SpinLock
{
    private int _held;

    // Returns whether interrupts were enabled, to pass back to Release. (cpu.asm: reading the interrupt
    // flag, masking interrupts and the test-and-test-and-set loop in one call.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Acquire() => SpinAcquire((int*)Unsafe.AsPointer(ref _held)) != 0;

    [RuntimeImport("kitten_spin_acquire")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern int SpinAcquire(int* held);

    // For code that runs with interrupts off already (the scheduler's switch paths, Kitten's IPC calls):
    // the same lock, without reading and clearing the interrupt flag. Release with Release(false).
    // (No `fixed` in these two, so that they can be inlined: nothing moves in the kernel's heap.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AcquireInterruptsOff()
    {
        int* held = (int*)Unsafe.AsPointer(ref _held);
        while (Atomic.Exchange(held, 1) != 0)
        {
            while (*held != 0)
                Cpu.Pause();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(bool interruptsWereEnabled) => SpinRelease((int*)Unsafe.AsPointer(ref _held), interruptsWereEnabled ? 1 : 0);

    [RuntimeImport("kitten_spin_release")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern void SpinRelease(int* held, int enableInterrupts);

    public readonly bool IsHeld => _held != 0;
}
