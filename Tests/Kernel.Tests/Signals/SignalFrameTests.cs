using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// Delivering a handler and rt_sigreturn, with user memory simulated: the frame's contents, its placement
// (alignment, red zone, alternate stack), failures of the copies, and hostile frames on the way back.
public unsafe class SignalFrameTests
{
    private const ulong StackBase = 0x7FFF_F000_0000, StackSize = 0x10000;
    private const ulong StackTop = StackBase + StackSize;
    private const ulong AltBase = 0x7FFF_E000_0000, AltSize = 0x4000;
    private const ulong Handler = 0x401200, Restorer = 0x401800, InterruptedRip = 0x400ABC;

    private static SignalAction Action(ulong flags = SignalActionFlags.SigInfo, ulong mask = 0) => new()
    {
        Handler = Handler,
        Flags = flags | SignalActionFlags.Restorer,
        Restorer = Restorer,
        Mask = mask,
    };

    private static FakeUserMemory NewMemory()
    {
        var memory = new FakeUserMemory();
        memory.Map(StackBase, StackSize);
        memory.Map(AltBase, AltSize);
        return memory;
    }

    private static readonly SignalInfo Fault = SignalInfo.FromFault(Signal.SIGSEGV, SignalCode.SegvMapError, 0xDEAD0);
    private static readonly TrapInfo PageFault = new() { TrapNumber = 14, ErrorCode = 6, FaultAddress = 0xDEAD0 };

    [Test]
    public void DeliverWritesTheLinuxFrameAndEntersTheHandler()
    {
        using var memory = NewMemory();
        ulong rsp = StackTop - 0x1000 + 8;
        using var context = NativeContext.User(InterruptedRip, rsp);
        InterruptContext before = *context.Pointer;
        byte[] fxBefore = context.FxSave.ToArray();
        ThreadSignals thread = default;
        thread.SetBlocked(SignalSet.Of(Signal.SIGUSR2) | SignalSet.Of(40));
        thread.AltStack = new SignalStack { Base = AltBase, Size = AltSize, Flags = 0 };

        var result = SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(mask: SignalSet.Of(Signal.SIGHUP)),
            PageFault, memory.Memory);

        Assert.That(result, Is.EqualTo(DeliveryResult.Delivered));
        InterruptContext* c = context.Pointer;
        ulong frame = c->Rsp;
        var f = memory.Read<RtSignalFrame>(frame);
        Assert.Multiple(() =>
        {
            Assert.That(f.ReturnAddress, Is.EqualTo(Restorer), "pretcode = sa_restorer");
            Assert.That(f.Flags, Is.EqualTo(UContextFlags.SigContextSs | UContextFlags.StrictRestoreSs), "uc_flags");
            Assert.That(f.Link, Is.EqualTo(0UL));
            Assert.That((f.Stack.Pointer, f.Stack.Flags, f.Stack.Size), Is.EqualTo((AltBase, 0, AltSize)), "uc_stack");
            Assert.That(f.Context.R8, Is.EqualTo(before.R8));
            Assert.That(f.Context.R15, Is.EqualTo(before.R15));
            Assert.That(f.Context.Rdi, Is.EqualTo(before.Rdi));
            Assert.That(f.Context.Rsi, Is.EqualTo(before.Rsi));
            Assert.That(f.Context.Rbp, Is.EqualTo(before.Rbp));
            Assert.That(f.Context.Rbx, Is.EqualTo(before.Rbx));
            Assert.That(f.Context.Rdx, Is.EqualTo(before.Rdx));
            Assert.That(f.Context.Rax, Is.EqualTo(before.Rax));
            Assert.That(f.Context.Rcx, Is.EqualTo(before.Rcx));
            Assert.That(f.Context.Rsp, Is.EqualTo(rsp));
            Assert.That(f.Context.Rip, Is.EqualTo(InterruptedRip));
            Assert.That(f.Context.Rflags, Is.EqualTo(before.Rflags));
            Assert.That((ulong)f.Context.Cs, Is.EqualTo(before.Cs));
            Assert.That((ulong)f.Context.Ss, Is.EqualTo(before.Ss));
            Assert.That((f.Context.Gs, f.Context.Fs), Is.EqualTo(((ushort)0, (ushort)0)));
            Assert.That((f.Context.TrapNumber, f.Context.ErrorCode, f.Context.Cr2), Is.EqualTo((14UL, 6UL, 0xDEAD0UL)));
            Assert.That(f.Context.OldMask, Is.EqualTo(SignalSet.Of(Signal.SIGUSR2) | SignalSet.Of(40)));
            Assert.That(f.Mask, Is.EqualTo(SignalSet.Of(Signal.SIGUSR2) | SignalSet.Of(40)), "uc_sigmask");
            Assert.That(f.Info.Signal, Is.EqualTo(Signal.SIGSEGV));
            Assert.That(f.Info.Code, Is.EqualTo(SignalCode.SegvMapError));
            Assert.That(f.Info.Address, Is.EqualTo(0xDEAD0UL));
            Assert.That(memory.Bytes(frame + 312 + 24, 104).ToArray(), Is.All.EqualTo(0), "rest of siginfo zero");

            ulong fp = f.Context.FpState;
            Assert.That(fp % 64, Is.EqualTo(0UL), "fpstate 64-byte aligned");
            Assert.That(fp, Is.GreaterThanOrEqualTo(frame + RtSignalFrame.SizeInBytes), "fpstate above the frame");
            byte[] image = memory.Bytes(fp, 512).ToArray();
            Assert.That(image[..464], Is.EqualTo(fxBefore[..464]), "FXSAVE image copied");
            Assert.That(BitConverter.ToUInt32(image, 464), Is.EqualTo(FxSaveImage.Magic1), "magic1");
            Assert.That(BitConverter.ToUInt32(image, 468), Is.EqualTo(512u), "extended_size");
            Assert.That(BitConverter.ToUInt64(image, 472), Is.EqualTo(3UL), "xfeatures FP|SSE");
            Assert.That(BitConverter.ToUInt32(image, 480), Is.EqualTo(512u), "xstate_size");
            Assert.That(image[484..], Is.All.EqualTo(0), "sw_reserved padding");

            Assert.That(c->Rip, Is.EqualTo(Handler));
            Assert.That(c->Rdi, Is.EqualTo((ulong)Signal.SIGSEGV));
            Assert.That(c->Rsi, Is.EqualTo(frame + 312));
            Assert.That(c->Rdx, Is.EqualTo(frame + 8));
            Assert.That(c->Rax, Is.EqualTo(0UL));
            Assert.That(c->Rbx, Is.EqualTo(before.Rbx), "other registers as they were");
            Assert.That((c->Cs, c->Ss), Is.EqualTo((0x23UL, 0x1BUL)));
            Assert.That(c->Rflags, Is.EqualTo(0x203UL), "DF cleared, CF and IF kept");
            Assert.That(context.FxSave[..2].ToArray(), Is.EqualTo(new byte[] { 0x7F, 0x03 }), "FCW 0x37F");
            Assert.That(MemoryMarshal.Read<uint>(context.FxSave[24..]), Is.EqualTo(0x1F80u), "MXCSR default");
            Assert.That(context.FxSave[32..].ToArray(), Is.All.EqualTo(0), "registers cleared");
            Assert.That(thread.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGUSR2) | SignalSet.Of(40)
                | SignalSet.Of(Signal.SIGHUP) | SignalSet.Of(Signal.SIGSEGV)), "mask | sa_mask | signal");
        });
    }

    [Test]
    public void HandlerEntryIsAlignedAndTheRedZoneAndCallerStackAreUntouched()
    {
        Gen.Int[0, 0x2000].Sample(offset =>
        {
            using var memory = NewMemory();
            ulong rsp = StackTop - 0x4000 + (ulong)offset;
            using var context = NativeContext.User(InterruptedRip, rsp);
            ThreadSignals thread = default;
            var result = SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(), default, memory.Memory);
            Assert.That(result, Is.EqualTo(DeliveryResult.Delivered));
            ulong frame = context.Pointer->Rsp;
            var f = memory.Read<RtSignalFrame>(frame);
            Assert.That((frame + 8) % 16, Is.EqualTo(0UL), "RSP + 8 is a multiple of 16 at handler entry");
            Assert.That(f.Context.FpState % 64, Is.EqualTo(0UL));
            Assert.That(f.Context.FpState + 512, Is.LessThanOrEqualTo(rsp - 128), "below the red zone");
            Assert.That(memory.Bytes(rsp - 128, (int)(StackTop - (rsp - 128))).ToArray(), Is.All.EqualTo(0xCC),
                "red zone and caller's stack untouched");
            Assert.That(frame, Is.GreaterThan(f.Context.FpState - 512), "frame packed right below the image");
        }, iter: 200);
    }

    [Test]
    public void AlternateStackIsUsedOnlyWithSaOnstackWhenEnabledAndNotAlreadyOnIt()
    {
        var stack = new SignalStack { Base = AltBase, Size = AltSize };
        ulong rsp = StackTop - 0x800;
        Assert.That(SignalDelivery.Place(rsp, stack, true, 512, out ulong frame, out ulong fp), Is.True);
        Assert.That(fp, Is.EqualTo((AltBase + AltSize - 512) & ~63UL), "entering: from the top");
        Assert.That(frame, Is.EqualTo(((fp - 440) & ~15UL) - 8));
        Assert.That(SignalDelivery.Place(rsp, stack, false, 512, out frame, out _), Is.True);
        Assert.That(frame, Is.LessThan(rsp - 128).And.GreaterThan(StackBase), "no SA_ONSTACK: the thread's stack");
        Assert.That(SignalDelivery.Place(rsp, SignalStack.Disabled, true, 512, out frame, out _), Is.True);
        Assert.That(frame, Is.GreaterThan(StackBase), "disabled: the thread's stack");

        ulong onAlt = AltBase + 0x3000;
        Assert.That(SignalDelivery.Place(onAlt, stack, true, 512, out frame, out fp), Is.True);
        Assert.That(fp, Is.EqualTo((onAlt - 128 - 512) & ~63UL), "nested: below the current RSP on the alternate stack");
        Assert.That(SignalDelivery.Place(AltBase + 0x300, stack, true, 512, out _, out _), Is.False,
            "nested near the bottom: overflow");
        Assert.That(SignalDelivery.Place(AltBase + 0x300, stack, false, 512, out _, out _), Is.False,
            "on the alternate stack, even without SA_ONSTACK, the frame must fit in it");

        var small = new SignalStack { Base = AltBase, Size = 900 };
        Assert.That(SignalDelivery.Place(rsp, small, true, 512, out _, out _), Is.False, "entering a stack too small");
        var minimal = new SignalStack { Base = AltBase, Size = SignalStackFlags.MinimumSize };
        Assert.That(SignalDelivery.Place(rsp, minimal, true, 512, out _, out _), Is.True, "MINSIGSTKSZ holds a frame");
    }

    [Test]
    public void NestedSignalsOnTheAlternateStackAndAutoDisarm()
    {
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        ThreadSignals thread = default;
        thread.AltStack = new SignalStack { Base = AltBase, Size = AltSize };
        SignalAction onStack = Action(SignalActionFlags.SigInfo | SignalActionFlags.OnStack | SignalActionFlags.NoDefer);

        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, onStack, default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong first = context.Pointer->Rsp;
        Assert.That(first, Is.InRange(AltBase, AltBase + AltSize), "first handler on the alternate stack");
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, onStack, default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong second = context.Pointer->Rsp;
        Assert.That(second, Is.LessThan(first - 128 - 512 - 440 + 64), "second nested below the first");
        Assert.That(memory.Read<RtSignalFrame>(second).Stack.Flags, Is.EqualTo(0), "uc_stack.ss_flags: the stored flags");

        // SS_AUTODISARM: delivery disarms the stack; the frame keeps it, rt_sigreturn re-arms it.
        using var context2 = NativeContext.User(InterruptedRip, StackTop - 0x800);
        thread = default;
        thread.AltStack = new SignalStack { Base = AltBase, Size = AltSize, Flags = SignalStackFlags.AutoDisarm };
        Assert.That(SignalDelivery.Deliver(context2.Pointer, ref thread, Fault, onStack, default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context2.Pointer->Rsp;
        Assert.That(thread.AltStack.Size, Is.EqualTo(0UL), "disarmed while the handler runs");
        Assert.That(thread.AltStack.Flags, Is.EqualTo(SignalStackFlags.Disable));
        var saved = memory.Read<RtSignalFrame>(frame).Stack;
        Assert.That((saved.Pointer, saved.Size, saved.Flags), Is.EqualTo((AltBase, AltSize, SignalStackFlags.AutoDisarm)));
        context2.Pointer->Rsp = frame + 8;
        Assert.That(SignalDelivery.Return(context2.Pointer, ref thread, memory.Memory, 0xFFBF),
            Is.EqualTo(SigreturnResult.Restored));
        Assert.That((thread.AltStack.Base, thread.AltStack.Size, thread.AltStack.Flags),
            Is.EqualTo((AltBase, AltSize, SignalStackFlags.AutoDisarm)), "re-armed from uc_stack");
    }

    [Test]
    public void ReturningToAHandlerOnTheAlternateStackKeepsTheStack()
    {
        // A handler on the alternate stack whose frame says "no alternate stack": Linux's restore_altstack
        // runs with the restored RSP, still on the stack, gets EPERM and ignores it.
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, AltBase + 0x3000);
        ThreadSignals thread = default;
        thread.AltStack = new SignalStack { Base = AltBase, Size = AltSize };
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(SignalActionFlags.OnStack),
            default, memory.Memory), Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context.Pointer->Rsp;
        var f = memory.Read<RtSignalFrame>(frame);
        f.Stack = new UserSignalStack { Flags = SignalStackFlags.Disable };
        memory.Write(frame, f);
        context.Pointer->Rsp = frame + 8;
        Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
            Is.EqualTo(SigreturnResult.Restored));
        Assert.That(thread.AltStack.Size, Is.EqualTo(AltSize));
    }

    [Test]
    public void WithoutSaSiginfoTheSiginfoIsNotWritten()
    {
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        ThreadSignals thread = default;
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(0), default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context.Pointer->Rsp;
        Assert.That(context.Pointer->Rsi, Is.EqualTo(frame + 312), "RSI still points at its place");
        Assert.That(memory.Bytes(frame + 312, 128).ToArray(), Is.All.EqualTo(0xCC));
        Assert.That(memory.Read<ulong>(frame), Is.EqualTo(Restorer));
    }

    [TestCase(true, 0UL, 0UL, (int)DeliveryResult.WriteFailed, TestName = "every write fails")]
    [TestCase(false, 312UL, 440UL, (int)DeliveryResult.WriteFailed, TestName = "the siginfo write fails")]
    [TestCase(false, 440UL, 2000UL, (int)DeliveryResult.WriteFailed, TestName = "the FXSAVE image write fails")]
    public void FailedCopiesAreReportedAndChangeNothing(bool all, ulong from, ulong to, int expectedResult)
    {
        var expected = (DeliveryResult)expectedResult;
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        ThreadSignals thread = default;
        // Where the frame would go, to aim the failure at one of its parts.
        SignalDelivery.Place(StackTop - 0x800, default, false, 512, out ulong frame, out _);
        memory.FailAllWrites = all;
        if (!all)
            memory.FailWritesIn = (frame + from, frame + to);
        AssertNothingChanges(memory, context, ref thread, Action(), expected);
    }

    [TestCase(0x200UL, (int)DeliveryResult.OutsideUserSpace, TestName = "RSP near 0")]
    [TestCase(0xFFFF_8000_0010_0000UL, (int)DeliveryResult.OutsideUserSpace, TestName = "RSP in the kernel half")]
    [TestCase(0x0000_7FFF_FFFF_F100UL, (int)DeliveryResult.OutsideUserSpace, TestName = "RSP above TASK_SIZE_MAX")]
    [TestCase(0x5000_0000UL, (int)DeliveryResult.WriteFailed, TestName = "RSP in unmapped memory")]
    public void HostileStackPointers(ulong rsp, int expectedResult)
    {
        var expected = (DeliveryResult)expectedResult;
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, rsp);
        ThreadSignals thread = default;
        AssertNothingChanges(memory, context, ref thread, Action(), expected);
        if (expected == DeliveryResult.OutsideUserSpace)
            Assert.That(memory.WriteCount, Is.EqualTo(0), "never copied");
    }

    [Test]
    public void SaRestorerIsMandatory()
    {
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        ThreadSignals thread = default;
        SignalAction action = Action();
        action.Flags &= ~SignalActionFlags.Restorer;
        AssertNothingChanges(memory, context, ref thread, action, DeliveryResult.NoRestorer);
    }

    private static void AssertNothingChanges(FakeUserMemory memory, NativeContext context, ref ThreadSignals thread,
        SignalAction action, DeliveryResult expected)
    {
        InterruptContext before = *context.Pointer;
        ulong blocked = thread.Blocked;
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, action, default, memory.Memory),
            Is.EqualTo(expected));
        Assert.That(new ReadOnlySpan<byte>(context.Pointer, sizeof(InterruptContext)).SequenceEqual(
            new ReadOnlySpan<byte>(&before, sizeof(InterruptContext))), Is.True, "context unchanged");
        Assert.That(thread.Blocked, Is.EqualTo(blocked), "mask unchanged");
    }

    [Test]
    public void RoundTripResumesWhereTheHandlerSaid()
    {
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        InterruptContext before = *context.Pointer;
        byte[] fxBefore = context.FxSave.ToArray();
        ThreadSignals thread = default;
        thread.SetBlocked(SignalSet.Of(Signal.SIGUSR2));
        thread.AltStack = new SignalStack { Base = AltBase, Size = AltSize };
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(mask: SignalSet.Of(Signal.SIGINT)),
            PageFault, memory.Memory), Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context.Pointer->Rsp;

        // The handler, as .NET's SIGSEGV handler does: resume elsewhere, on another stack, with new
        // registers; it also changes the mask and an XMM register in the saved image.
        var f = memory.Read<RtSignalFrame>(frame);
        f.Context.Rip = 0x400F00;
        f.Context.Rsp = StackTop - 0x900;
        f.Context.Rax = 0x5A;
        f.Context.R12 = 0x12121212;
        f.Context.Rdi = 0xD1;
        f.Mask = SignalSet.Of(Signal.SIGTERM) | SignalSet.Unblockable;
        memory.Write(frame, f);
        memory.Write(f.Context.FpState + 160, 0xFEEDFACE_CAFEBEEFUL);   // XMM0 low half
        // The handler ran with its own registers and FPU state, then returned into the restorer.
        context.Pointer->Rip = Restorer + 7;
        context.Pointer->Rsp = frame + 8;
        context.Pointer->Rbx = 0xBAD;
        context.FxSave.Fill(0x55);

        Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
            Is.EqualTo(SigreturnResult.Restored));
        InterruptContext* c = context.Pointer;
        Assert.Multiple(() =>
        {
            Assert.That(c->Rip, Is.EqualTo(0x400F00UL));
            Assert.That(c->Rsp, Is.EqualTo(StackTop - 0x900));
            Assert.That(c->Rax, Is.EqualTo(0x5AUL), "the syscall returns the restored RAX");
            Assert.That(c->R12, Is.EqualTo(0x12121212UL));
            Assert.That(c->Rdi, Is.EqualTo(0xD1UL));
            Assert.That(c->Rbx, Is.EqualTo(before.Rbx));
            Assert.That(c->Rcx, Is.EqualTo(before.Rcx));
            Assert.That(c->R11, Is.EqualTo(before.R11));
            Assert.That(c->Rflags, Is.EqualTo(before.Rflags), "DF and CF back");
            Assert.That((c->Cs, c->Ss), Is.EqualTo((0x23UL, 0x1BUL)));
            byte[] fx = context.FxSave.ToArray();
            Assert.That(BitConverter.ToUInt64(fx, 160), Is.EqualTo(0xFEEDFACE_CAFEBEEFUL), "edited XMM0");
            Assert.That(fx[..160], Is.EqualTo(fxBefore[..160]), "x87 state and MXCSR back");
            Assert.That(fx[168..464], Is.EqualTo(fxBefore[168..464]));
            Assert.That(thread.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGTERM)), "edited mask, without SIGKILL/SIGSTOP");
            Assert.That(thread.AltStack.Size, Is.EqualTo(AltSize));
        });
    }

    [Test]
    public void SigsuspendMaskGoesIntoTheFrameAndComesBack()
    {
        using var memory = NewMemory();
        using var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        ThreadSignals thread = default;
        thread.SetBlocked(SignalSet.Of(Signal.SIGUSR1) | SignalSet.Of(Signal.SIGUSR2));
        thread.UseTemporaryMask(SignalSet.Of(Signal.SIGUSR2));
        SignalInfo usr1 = SignalInfo.FromKill(Signal.SIGUSR1, 42, 1000);
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, usr1, Action(), default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context.Pointer->Rsp;
        Assert.That(memory.Read<RtSignalFrame>(frame).Mask, Is.EqualTo(SignalSet.Of(Signal.SIGUSR1) | SignalSet.Of(Signal.SIGUSR2)),
            "the mask from before rt_sigsuspend");
        Assert.That(thread.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGUSR1) | SignalSet.Of(Signal.SIGUSR2)),
            "temporary mask | the signal");
        Assert.That(thread.RestoreSavedMask, Is.False);
        context.Pointer->Rsp = frame + 8;
        SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF);
        Assert.That(thread.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGUSR1) | SignalSet.Of(Signal.SIGUSR2)));
    }

    // A delivered frame whose contents a test then corrupts before rt_sigreturn.
    private static (FakeUserMemory Memory, NativeContext Context, ulong Frame) Delivered(ref ThreadSignals thread)
    {
        var memory = NewMemory();
        var context = NativeContext.User(InterruptedRip, StackTop - 0x800);
        Assert.That(SignalDelivery.Deliver(context.Pointer, ref thread, Fault, Action(), default, memory.Memory),
            Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = context.Pointer->Rsp;
        context.Pointer->Rsp = frame + 8;
        return (memory, context, frame);
    }

    [Test]
    public void HostileFrameIsSanitized()
    {
        ThreadSignals thread = default;
        var (memory, context, frame) = Delivered(ref thread);
        using (memory)
        using (context)
        {
            var f = memory.Read<RtSignalFrame>(frame);
            f.Context.Cs = 0x08;                                // kernel code
            f.Context.Ss = 0x10;                                // kernel data
            f.Context.Rflags = ulong.MaxValue;                  // IOPL 3, NT, VM, VIF, VIP, reserved bits...
            memory.Write(frame, f);
            memory.Write(f.Context.FpState + 24, 0xFFFF_FFFFu); // MXCSR with reserved bits
            context.Pointer->Rflags = 0x202 | (1UL << 21);      // ID set at syscall time
            Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
                Is.EqualTo(SigreturnResult.Restored));
            InterruptContext* c = context.Pointer;
            Assert.That((c->Cs, c->Ss), Is.EqualTo((0x23UL, 0x1BUL)), "never a kernel selector");
            Assert.That(c->Rflags, Is.EqualTo(SignalDelivery.UserModifiableFlags | 0x202 | (1UL << 21)));
            Assert.That(c->Rflags & 0x3000, Is.EqualTo(0UL), "IOPL 0");
            Assert.That(MemoryMarshal.Read<uint>(context.FxSave[24..]), Is.EqualTo(0xFFBFu), "MXCSR & MXCSR_MASK");
        }
    }

    [Test]
    public void MxcsrFeatureMaskFollowsTheMxcsrMaskRule()
    {
        byte[] image = new byte[512];
        fixed (byte* p = image)
        {
            Assert.That(FxSaveImage.MxcsrFeatureMask(p), Is.EqualTo(0xFFBFu), "0 means 0xFFBF");
            MemoryMarshal.Write(image.AsSpan(28), 0x2FFFFu);
            Assert.That(FxSaveImage.MxcsrFeatureMask(p), Is.EqualTo(0x2FFFFu));
        }
    }

    [Test]
    public void NonCanonicalRipIsRefused()
    {
        ThreadSignals thread = default;
        var (memory, context, frame) = Delivered(ref thread);
        using (memory)
        using (context)
        {
            var f = memory.Read<RtSignalFrame>(frame);
            f.Context.Rip = 0x0000_8000_0000_0000;
            memory.Write(frame, f);
            InterruptContext before = *context.Pointer;
            Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
                Is.EqualTo(SigreturnResult.BadInstructionPointer));
            Assert.That(context.Pointer->Rip, Is.EqualTo(before.Rip), "unchanged");
        }
    }

    [TestCase("unreadable frame", TestName = "the frame cannot be read")]
    [TestCase("fpstate unmapped", TestName = "fpstate points at unmapped memory")]
    [TestCase("fpstate kernel", TestName = "fpstate points into the kernel")]
    [TestCase("rsp small", TestName = "RSP below 8")]
    [TestCase("rsp kernel", TestName = "RSP in the kernel half")]
    public void UnreadableFramesAreBadFrames(string how)
    {
        ThreadSignals thread = default;
        var (memory, context, frame) = Delivered(ref thread);
        using (memory)
        using (context)
        {
            var f = memory.Read<RtSignalFrame>(frame);
            switch (how)
            {
                case "unreadable frame": memory.FailAllReads = true; break;
                case "fpstate unmapped": f.Context.FpState = 0x5000_0000; break;
                case "fpstate kernel": f.Context.FpState = 0xFFFF_8000_0000_0000; break;
                case "rsp small": context.Pointer->Rsp = 4; break;
                case "rsp kernel": context.Pointer->Rsp = 0xFFFF_FFFF_FFFF_FFF8; break;
            }
            memory.Write(frame, f);
            thread.SetBlocked(SignalSet.Of(Signal.SIGINT));
            InterruptContext before = *context.Pointer;
            Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
                Is.EqualTo(SigreturnResult.BadFrame));
            Assert.That(new ReadOnlySpan<byte>(context.Pointer, sizeof(InterruptContext)).SequenceEqual(
                new ReadOnlySpan<byte>(&before, sizeof(InterruptContext))), Is.True, "context unchanged");
            Assert.That(thread.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGINT)), "mask unchanged");
        }
    }

    [Test]
    public void NullFpstateResetsTheFpu()
    {
        ThreadSignals thread = default;
        var (memory, context, frame) = Delivered(ref thread);
        using (memory)
        using (context)
        {
            var f = memory.Read<RtSignalFrame>(frame);
            f.Context.FpState = 0;
            memory.Write(frame, f);
            context.FxSave.Fill(0x77);
            Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, 0xFFBF),
                Is.EqualTo(SigreturnResult.Restored));
            Assert.That(MemoryMarshal.Read<ushort>(context.FxSave), Is.EqualTo((ushort)0x37F));
            Assert.That(MemoryMarshal.Read<uint>(context.FxSave[24..]), Is.EqualTo(0x1F80u));
            Assert.That(context.FxSave[160..].ToArray(), Is.All.EqualTo(0));
        }
    }
}
