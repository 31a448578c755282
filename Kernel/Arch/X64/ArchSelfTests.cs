// The CPU set-up: segments, the exception path and its interrupt stacks, fault fix-ups, SSE state.
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class ArchSelfTests
{
    private const uint EferMsr = 0xC0000080;
    private const ulong EferNxe = 1 << 11;

    public static void Register(SelfTestList tests)
    {
        tests.Add("arch.segments_loaded", &SegmentsLoaded);
        tests.Add("arch.breakpoint_on_exception_stack", &BreakpointOnExceptionStack);
        tests.Add("arch.invalid_opcode_recovered", &InvalidOpcodeRecovered);
        tests.Add("arch.page_fault_fixup", &PageFaultFixup);
        tests.Add("arch.non_canonical_fixup", &NonCanonicalFixup);
        tests.Add("arch.xmm_preserved_across_interrupt", &XmmPreserved);
        tests.Add("arch.no_execute_enabled", &NoExecuteEnabled);
        tests.Add("arch.null_page_unmapped", &NullPageUnmapped);
    }

    private static void SegmentsLoaded(ref TestContext t)
    {
        t.Equal(Selectors.KernelCode, CpuTestHooks.ReadCodeSegment(), "CS");
        t.Equal(Selectors.Tss, CpuTestHooks.ReadTaskRegister(), "TR");
    }

    private static int s_hookHits;
    private static ulong s_hookVector;
    private static int s_hookStack;

    private static bool RecordBreakpoint(InterruptContext* context)
    {
        if (context->Vector != ExceptionNames.Breakpoint)
            return false;
        s_hookHits++;
        s_hookVector = context->Vector;
        s_hookStack = CpuLocal.Current->Tables->IstContaining((ulong)context);
        return true; // #BP is a trap: RIP already points past INT3
    }

    private static void BreakpointOnExceptionStack(ref TestContext t)
    {
        s_hookHits = 0;
        InterruptDispatcher.SetExceptionHook(&RecordBreakpoint);
        CpuTestHooks.Breakpoint();
        InterruptDispatcher.SetExceptionHook(null);
        t.Equal(1, s_hookHits, "breakpoint exceptions seen");
        t.Equal(ExceptionNames.Breakpoint, s_hookVector, "vector");
        t.Equal(InterruptStacks.Exception, s_hookStack, "IST slot the exception ran on");
    }

    private static bool SkipInvalidOpcode(InterruptContext* context)
    {
        if (context->Vector != ExceptionNames.InvalidOpcode)
            return false;
        s_hookHits++;
        context->Rip += 2; // UD2 is two bytes
        return true;
    }

    private static void InvalidOpcodeRecovered(ref TestContext t)
    {
        s_hookHits = 0;
        InterruptDispatcher.SetExceptionHook(&SkipInvalidOpcode);
        Cpu.RaiseInvalidOpcode();
        InterruptDispatcher.SetExceptionHook(null);
        t.Equal(1, s_hookHits, "#UD exceptions seen");
    }

    private static void PageFaultFixup(ref TestContext t)
    {
        ulong fixupsBefore = ExceptionFixups.FixupsApplied;
        ulong local = 0x1234;
        t.Check(SafeMemory.TryRead64((ulong)&local, out ulong value) && value == 0x1234, "checked read of mapped memory");
        t.Check(!SafeMemory.TryRead64(0xDEAD0000, out _), "checked read of an unmapped address succeeded");
        byte buffer = 0;
        t.Equal(1, SafeMemory.Copy((void*)0xDEAD0000, &buffer, 1), "bytes left after a faulting write");
        t.Equal(fixupsBefore + 2, ExceptionFixups.FixupsApplied, "fix-ups applied");
    }

    private static void NonCanonicalFixup(ref TestContext t)
    {
        // Bits 63:48 must copy bit 47; this address does not, so the access raises #GP, not #PF.
        t.Check(!SafeMemory.TryRead64(0x0000800000000000, out _), "read of a non-canonical address succeeded");
    }

    private static InterruptContext* ClobberXmm(InterruptContext* context)
    {
        CpuTestHooks.ClobberXmm();
        s_hookHits++;
        return context;
    }

    private static void XmmPreserved(ref TestContext t)
    {
        s_hookHits = 0;
        InterruptDispatcher.Register(InterruptVectors.SelfTestXmm, &ClobberXmm);
        int preserved = CpuTestHooks.TestXmmPreserved();
        InterruptDispatcher.Unregister(InterruptVectors.SelfTestXmm);
        t.Equal(1, s_hookHits, "interrupt handler runs");
        t.Equal(1, preserved, "XMM0-15 preserved");
    }

    private static void NoExecuteEnabled(ref TestContext t)
    {
        bool supported = (Cpu.Cpuid(0x80000001).Edx & (1 << 20)) != 0;
        t.Check(supported, "CPU lacks NX");
        t.Check((Cpu.ReadMsr(EferMsr) & EferNxe) != 0, "EFER.NXE is clear");
    }

    private static void NullPageUnmapped(ref TestContext t)
    {
        t.Check(!SafeMemory.TryRead64(0, out _), "address 0 is readable in ring 0");
        t.Check(!SafeMemory.TryRead64(0x100000, out _), "the identity map of the kernel image is still present");
    }
}
