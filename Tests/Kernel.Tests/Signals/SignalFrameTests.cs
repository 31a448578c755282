using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Signals.FrameFixture;

namespace Kitten.Kernel.Tests.Signals;

// Delivering a handler, with user memory simulated: the frame's contents, its placement (alignment, red zone,
// alternate stack) and failures of the copies. rt_sigreturn is in SigreturnTests.
public unsafe class SignalFrameTests
{
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
}
