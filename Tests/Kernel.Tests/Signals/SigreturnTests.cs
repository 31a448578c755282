using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Signals.FrameFixture;

namespace Kitten.Kernel.Tests.Signals;

// rt_sigreturn after a simulated delivery: the round trip with a handler that edits the frame, the sigsuspend
// mask, and hostile or unreadable frames.
public unsafe class SigreturnTests
{
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
