using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// End to end against the host's Linux: linux_signal_probe.c takes a real SIGSEGV and a real SIGUSR1 (on an
// alternate stack) and prints the frames Linux built, the registers its handler started with and those the
// interrupted code resumed with. The same inputs go through SignalDelivery here and every field is compared.
// Known, deliberate differences: uc_flags lacks UC_FP_XSTATE and the FPU image is FXSAVE-only (512 bytes, so
// the frame sits higher), and trapno/err/cr2 are zero for signals that are not faults (Linux leaves the
// last fault's values there).
public unsafe class LinuxSignalTests
{
    private static Dictionary<string, string> _facts;

    private static Dictionary<string, string> Facts
    {
        get
        {
            if (_facts != null)
                return _facts;
            string source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Signals", "linux_signal_probe.c"));
            _facts = CProbe.RunKeyed(CProbe.Build("linux-signal-probe", source, "-O1 -mno-red-zone"));
            return _facts;
        }
    }

    private static ulong U(string key) => (ulong)Facts.Number(key);

    // Linux's frame, reassembled from what the handler saw: the return address, the ucontext, the siginfo.
    private static RtSignalFrame LinuxFrame(string scenario)
    {
        byte[] bytes = new byte[RtSignalFrame.SizeInBytes];
        BitConverter.GetBytes(U(scenario + "_pretcode")).CopyTo(bytes, 0);
        CProbe.Hex(Facts[scenario + "_uc"]).CopyTo(bytes, RtSignalFrame.UContextOffset);
        CProbe.Hex(Facts[scenario + "_si"]).CopyTo(bytes, RtSignalFrame.InfoOffset);
        return MemoryMarshal.Read<RtSignalFrame>(bytes);
    }

    private static byte[] FrameBytes(in RtSignalFrame frame)
    {
        byte[] bytes = new byte[RtSignalFrame.SizeInBytes];
        MemoryMarshal.Write(bytes, frame);
        return bytes;
    }

    private static SignalAction ActionFor(string scenario) => new()
    {
        Handler = U("handler"),
        Flags = SignalActionFlags.SigInfo | SignalActionFlags.Restorer
            | (scenario == "usr1" ? SignalActionFlags.OnStack : 0),
        Restorer = U(scenario + "_pretcode"),
        Mask = SignalSet.Of(Signal.SIGHUP),
    };

    private static SignalInfo InfoFor(string scenario) => scenario == "segv"
        ? SignalInfo.FromFault(Signal.SIGSEGV, SignalCode.SegvMapError, 0x1234)     // movq (%rax),%rax with RAX 0x1234
        : SignalInfo.FromThreadKill(Signal.SIGUSR1, (int)U("pid"), (uint)U("uid")); // raise(3) is tgkill(2)

    // A user-mode read of an unmapped page: #PF (14), error code U=1 W=0 P=0, CR2 the address.
    private static TrapInfo TrapFor(string scenario)
        => scenario == "segv" ? new TrapInfo { TrapNumber = 14, ErrorCode = 4, FaultAddress = 0x1234 } : default;

    [TestCase("segv")]
    [TestCase("usr1")]
    public void LinuxPlacesTheFrameAsPlaceComputes(string scenario)
    {
        RtSignalFrame linux = LinuxFrame(scenario);
        byte[] fp = CProbe.Hex(Facts[scenario + "_fp"]);
        ulong frame = U(scenario + "_uc_addr") - 8;
        Assert.That(U(scenario + "_entry_rsp"), Is.EqualTo(frame), "RSP at handler entry = the frame");
        Assert.That((frame + 8) % 16, Is.EqualTo(0UL));
        Assert.That(U(scenario + "_info_addr"), Is.EqualTo(frame + RtSignalFrame.InfoOffset));
        // Linux's FPU area is an XSAVE image of extended_size bytes; with that size, Place finds Linux's spot.
        Assert.That(BitConverter.ToUInt32(fp, FxSaveImage.SoftwareBytesOffset), Is.EqualTo(FxSaveImage.Magic1));
        ulong mathSize = BitConverter.ToUInt32(fp, FxSaveImage.SoftwareBytesOffset + 4);
        var altStack = new SignalStack { Base = linux.Stack.Pointer, Size = linux.Stack.Size, Flags = linux.Stack.Flags };
        bool onStack = (ActionFor(scenario).Flags & SignalActionFlags.OnStack) != 0;
        Assert.That(SignalDelivery.Place(linux.Context.Rsp, altStack, onStack, mathSize, out ulong placed, out ulong fpState),
            Is.True);
        Assert.That(placed, Is.EqualTo(frame), "frame address");
        Assert.That(fpState, Is.EqualTo(U(scenario + "_fp_ptr")), "fpstate address");
        Assert.That(linux.Context.FpState, Is.EqualTo(fpState));
        if (scenario == "usr1")
            Assert.That(frame, Is.InRange(U("altstack"), U("altstack") + U("altstack_size")), "on the alternate stack");
    }

    [TestCase("segv")]
    [TestCase("usr1")]
    public void DeliverBuildsTheFrameLinuxBuilt(string scenario)
    {
        RtSignalFrame linux = LinuxFrame(scenario);
        byte[] fp = CProbe.Hex(Facts[scenario + "_fp"]);
        using var memory = new FakeUserMemory();
        ulong top = scenario == "usr1" ? U("altstack") + U("altstack_size") : (linux.Context.Rsp + 0xFFF) & ~0xFFFUL;
        memory.Map(top - 0x10000, 0x10000);

        using var context = new NativeContext();
        InterruptContext* c = context.Pointer;
        SignalContext s = linux.Context;
        (c->R8, c->R9, c->R10, c->R11, c->R12, c->R13, c->R14, c->R15) = (s.R8, s.R9, s.R10, s.R11, s.R12, s.R13, s.R14, s.R15);
        (c->Rdi, c->Rsi, c->Rbp, c->Rbx, c->Rdx, c->Rax, c->Rcx) = (s.Rdi, s.Rsi, s.Rbp, s.Rbx, s.Rdx, s.Rax, s.Rcx);
        (c->Rsp, c->Rip, c->Rflags, c->Cs, c->Ss) = (s.Rsp, s.Rip, s.Rflags, s.Cs, s.Ss);
        fp.CopyTo(context.FxSave);
        ThreadSignals thread = default;
        thread.SetBlocked(linux.Mask);
        thread.AltStack = new SignalStack { Base = linux.Stack.Pointer, Size = linux.Stack.Size, Flags = linux.Stack.Flags };

        Assert.That(SignalDelivery.Deliver(c, ref thread, InfoFor(scenario), ActionFor(scenario), TrapFor(scenario),
            memory.Memory), Is.EqualTo(DeliveryResult.Delivered));
        ulong frame = c->Rsp;
        RtSignalFrame mine = memory.Read<RtSignalFrame>(frame);

        Assert.Multiple(() =>
        {
            Assert.That(mine.ReturnAddress, Is.EqualTo(linux.ReturnAddress), "pretcode");
            Assert.That(mine.Flags, Is.EqualTo(linux.Flags & ~UContextFlags.FpXState), "uc_flags (no XSAVE here)");
            Assert.That(mine.Link, Is.EqualTo(linux.Link), "uc_link");
            Assert.That((mine.Stack.Pointer, mine.Stack.Flags, mine.Stack.Size),
                Is.EqualTo((linux.Stack.Pointer, linux.Stack.Flags, linux.Stack.Size)), "uc_stack");
            Assert.That(mine.Mask, Is.EqualTo(linux.Mask), "uc_sigmask");
            // gregs[0..22], one by one: the sigcontext up to cr2, fpstate aside.
            byte[] mineContext = FrameBytes(mine)[48..(48 + 184)];
            byte[] linuxContext = FrameBytes(linux)[48..(48 + 184)];
            string[] names = { "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "RDI", "RSI", "RBP", "RBX", "RDX",
                "RAX", "RCX", "RSP", "RIP", "EFL", "CSGSFS", "ERR", "TRAPNO", "OLDMASK", "CR2" };
            for (int i = 0; i < names.Length; i++)
            {
                bool staleTrap = scenario != "segv" && names[i] is "ERR" or "TRAPNO" or "CR2";
                if (!staleTrap)
                    Assert.That(BitConverter.ToUInt64(mineContext, i * 8), Is.EqualTo(BitConverter.ToUInt64(linuxContext, i * 8)),
                        $"gregs[REG_{names[i]}]");
            }
            Assert.That(FrameBytes(mine)[312..], Is.EqualTo(FrameBytes(linux)[312..]), "siginfo, all 128 bytes");
            Assert.That(memory.Bytes(mine.Context.FpState, 464).ToArray(), Is.EqualTo(fp[..464]), "FXSAVE legacy area");

            // The handler starts as Linux's did.
            Assert.That(c->Rflags, Is.EqualTo(U(scenario + "_entry_rflags")), "RFLAGS at entry");
            Assert.That(c->Rax, Is.EqualTo(U(scenario + "_entry_rax")), "RAX at entry");
            Assert.That((ulong)MemoryMarshal.Read<uint>(context.FxSave[24..]), Is.EqualTo(U(scenario + "_entry_mxcsr")));
            Assert.That((ulong)MemoryMarshal.Read<ushort>(context.FxSave), Is.EqualTo(U(scenario + "_entry_fcw")));
            Assert.That(c->Rip, Is.EqualTo(U("handler")));
            Assert.That(c->Rdi, Is.EqualTo((ulong)InfoFor(scenario).Signal));
            Assert.That((c->Rdx - frame, c->Rsi - frame),
                Is.EqualTo((U(scenario + "_uc_addr") - U(scenario + "_entry_rsp"), U(scenario + "_info_addr") - U(scenario + "_entry_rsp"))));
            Assert.That(frame % 16, Is.EqualTo(U(scenario + "_entry_rsp") % 16));
        });
    }

    [Test]
    public void SigreturnOfLinuxsFrameResumesAsLinuxDid()
    {
        // The SIGSEGV handler moved RIP past the 3-byte faulting instruction; the code then recorded its registers.
        RtSignalFrame linux = LinuxFrame("segv");
        linux.Context.Rip += 3;
        byte[] fp = CProbe.Hex(Facts["segv_fp"]);
        ulong frame = U("segv_uc_addr") - 8;
        using var memory = new FakeUserMemory();
        ulong top = (linux.Context.Rsp + 0xFFF) & ~0xFFFUL;
        memory.Map(top - 0x10000, 0x10000);
        memory.Write(frame, linux);
        fp.CopyTo(memory.Bytes(U("segv_fp_ptr"), 512));

        using var context = NativeContext.User(U("segv_pretcode") + 9, frame + 8);
        context.Pointer->Rflags = 0x246;
        ThreadSignals thread = default;
        uint mask;
        fixed (byte* image = fp)
            mask = FxSaveImage.MxcsrFeatureMask(image);
        Assert.That(SignalDelivery.Return(context.Pointer, ref thread, memory.Memory, mask), Is.EqualTo(SigreturnResult.Restored));

        InterruptContext* c = context.Pointer;
        byte[] after = CProbe.Hex(Facts["after"]);
        ulong[] resumed = new ulong[16];
        for (int i = 0; i < 16; i++)
            resumed[i] = BitConverter.ToUInt64(after, i * 8);
        Assert.Multiple(() =>
        {
            Assert.That(new[] { c->R8, c->R9, c->R10, c->R11, c->R12, c->R13, c->R14, c->R15, c->Rdi, c->Rsi, c->Rbp,
                c->Rbx, c->Rdx, c->Rax, c->Rcx, c->Rsp }, Is.EqualTo(resumed), "R8..R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP");
            Assert.That(c->Rip, Is.EqualTo(linux.Context.Rip));
            const ulong ResumeFlag = 1UL << 16;  // PUSHFQ never shows RF
            Assert.That(c->Rflags & ~ResumeFlag, Is.EqualTo(U("after_rflags")), "RFLAGS: CF and DF back");
            Assert.That((ulong)MemoryMarshal.Read<uint>(context.FxSave[24..]), Is.EqualTo(U("after_mxcsr")), "MXCSR back");
            Assert.That(thread.Blocked, Is.EqualTo(linux.Mask));
        });
    }

    [Test]
    public void TheKernelSigactionLayoutAndGlibcsRestorer()
    {
        // glibc's sigaction(2) adds SA_RESTORER and its __restore_rt: what the frame's pretcode holds.
        Assert.That(U("ksa_segv_handler"), Is.EqualTo(U("handler")));
        Assert.That(U("ksa_segv_flags"), Is.EqualTo(SignalActionFlags.SigInfo | SignalActionFlags.Restorer));
        Assert.That(U("ksa_segv_restorer"), Is.EqualTo(U("segv_pretcode")));
        Assert.That(U("ksa_segv_mask"), Is.EqualTo(SignalSet.Of(Signal.SIGHUP)));
    }

    [Test]
    public void SyscallAnswersMatchLinux()
    {
        ProcessSignals p = default;
        var caught = new SignalAction { Handler = 0x401000, Flags = SignalActionFlags.SigInfo | SignalActionFlags.Restorer };
        Assert.Multiple(() =>
        {
            Assert.That(p.SetAction(Signal.SIGKILL, true, caught, 8, out _, out _), Is.EqualTo(Facts.Number("sem_kill_set")));
            Assert.That(p.SetAction(Signal.SIGSTOP, true, new SignalAction { Handler = 1 }, 8, out _, out _),
                Is.EqualTo(Facts.Number("sem_stop_ign")));
            Assert.That(p.SetAction(Signal.SIGKILL, false, default, 8, out _, out _), Is.EqualTo(Facts.Number("sem_kill_get")));
            Assert.That(p.SetAction(Signal.SIGUSR2, false, default, 16, out _, out _), Is.EqualTo(Facts.Number("sem_action_size16")));
            Assert.That(p.SetAction(0, false, default, 8, out _, out _), Is.EqualTo(Facts.Number("sem_action_sig0")));
            Assert.That(p.SetAction(65, false, default, 8, out _, out _), Is.EqualTo(Facts.Number("sem_action_sig65")));
            var weird = caught;
            weird.Flags |= 0x400 | 0x100 | 0x2000_0000;
            weird.Mask = ulong.MaxValue;
            p.SetAction(Signal.SIGUSR2, true, weird, 8, out _, out _);
            p.SetAction(Signal.SIGUSR2, false, default, 8, out SignalAction old, out _);
            Assert.That(old.Flags, Is.EqualTo(U("sem_weird_flags")), "unknown sa_flags dropped");
            Assert.That(old.Mask, Is.EqualTo(U("sem_weird_mask")), "SIGKILL/SIGSTOP dropped from sa_mask");

            ThreadSignals t = default;
            Assert.That(t.SigProcMask(3, true, ulong.MaxValue, 8, out _), Is.EqualTo(Facts.Number("sem_how3_set")));
            Assert.That(t.SigProcMask(3, false, 0, 8, out _), Is.EqualTo(Facts.Number("sem_how3_noset")));
            Assert.That(t.SigProcMask(SignalMaskHow.Block, false, 0, 16, out _), Is.EqualTo(Facts.Number("sem_mask_size16")));
            t.SigProcMask(SignalMaskHow.SetMask, true, ulong.MaxValue, 8, out _);
            Assert.That(t.Blocked, Is.EqualTo(U("sem_full_mask")));

            SignalStack s = default;
            ulong sp = 0x7FFF_0000_0000, altstack = U("altstack");
            Assert.That(s.Change(new UserSignalStack { Pointer = altstack, Size = 2047 }, sp),
                Is.EqualTo(Facts.Number("sem_altstack_small")));
            Assert.That(s.Change(new UserSignalStack { Pointer = altstack, Size = 4096, Flags = 4 }, sp),
                Is.EqualTo(Facts.Number("sem_altstack_badflags")));
            Assert.That(s.Change(new UserSignalStack { Pointer = altstack, Size = 4096, Flags = SignalStackFlags.OnStack }, sp),
                Is.EqualTo(Facts.Number("sem_altstack_ssonstack")));
            Assert.That(s.Query(sp).Flags, Is.EqualTo(Facts.Number("sem_altstack_query_flags")));
            Assert.That(s.Query(altstack + 100).Flags, Is.EqualTo(Facts.Number("sem_onstack_query_flags")), "on it");
            Assert.That(s.Change(new UserSignalStack { Flags = SignalStackFlags.Disable }, altstack + 100),
                Is.EqualTo(Facts.Number("sem_onstack_change")), "EPERM while on it");
            s.Change(new UserSignalStack { Pointer = altstack, Size = 4096, Flags = SignalStackFlags.Disable }, sp);
            UserSignalStack q = s.Query(sp);
            Assert.That($"0x{q.Pointer:x} {q.Flags} 0x{q.Size:x}", Is.EqualTo(Facts["sem_altstack_disabled"]));
        });
    }
}
