using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// The frame, siginfo, stack_t and sigaction layouts and every ABI constant, against what gcc says about
// glibc's headers (what programs compile against) and the kernel's uapi headers (what Linux writes).
public unsafe class SignalLayoutTests
{
    private const string GlibcProbe = """
        #define _GNU_SOURCE
        #include <signal.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <sys/ucontext.h>
        #define P(name, v) printf("%s %ld\n", name, (long)(v))
        #define G(reg) P("greg_" #reg, offsetof(ucontext_t, uc_mcontext.gregs[REG_##reg]))
        int main(void) {
          P("sizeof_siginfo", sizeof(siginfo_t));
          P("si_signo", offsetof(siginfo_t, si_signo)); P("si_errno", offsetof(siginfo_t, si_errno));
          P("si_code", offsetof(siginfo_t, si_code)); P("si_pid", offsetof(siginfo_t, si_pid));
          P("si_uid", offsetof(siginfo_t, si_uid)); P("si_status", offsetof(siginfo_t, si_status));
          P("si_utime", offsetof(siginfo_t, si_utime)); P("si_stime", offsetof(siginfo_t, si_stime));
          P("si_addr", offsetof(siginfo_t, si_addr)); P("si_value", offsetof(siginfo_t, si_value));
          P("sizeof_stack", sizeof(stack_t)); P("ss_sp", offsetof(stack_t, ss_sp));
          P("ss_flags", offsetof(stack_t, ss_flags)); P("ss_size", offsetof(stack_t, ss_size));
          P("uc_flags", offsetof(ucontext_t, uc_flags)); P("uc_link", offsetof(ucontext_t, uc_link));
          P("uc_stack", offsetof(ucontext_t, uc_stack)); P("uc_mcontext", offsetof(ucontext_t, uc_mcontext));
          P("uc_fpregs", offsetof(ucontext_t, uc_mcontext.fpregs)); P("uc_sigmask", offsetof(ucontext_t, uc_sigmask));
          G(R8); G(R9); G(R10); G(R11); G(R12); G(R13); G(R14); G(R15); G(RDI); G(RSI); G(RBP); G(RBX);
          G(RDX); G(RAX); G(RCX); G(RSP); G(RIP); G(EFL); G(CSGSFS); G(ERR); G(TRAPNO); G(OLDMASK); G(CR2);
          P("sizeof_sigcontext", sizeof(struct sigcontext));
          P("sc_cs", offsetof(struct sigcontext, cs)); P("sc_gs", offsetof(struct sigcontext, gs));
          P("sc_fs", offsetof(struct sigcontext, fs));
          P("fp_mxcsr", offsetof(struct _libc_fpstate, mxcsr)); P("fp_mxcr_mask", offsetof(struct _libc_fpstate, mxcr_mask));
          P("sizeof_fpstate", sizeof(struct _libc_fpstate));
          P("SIGHUP", SIGHUP); P("SIGINT", SIGINT); P("SIGQUIT", SIGQUIT); P("SIGILL", SIGILL); P("SIGTRAP", SIGTRAP);
          P("SIGABRT", SIGABRT); P("SIGBUS", SIGBUS); P("SIGFPE", SIGFPE); P("SIGKILL", SIGKILL); P("SIGUSR1", SIGUSR1);
          P("SIGSEGV", SIGSEGV); P("SIGUSR2", SIGUSR2); P("SIGPIPE", SIGPIPE); P("SIGALRM", SIGALRM);
          P("SIGTERM", SIGTERM); P("SIGSTKFLT", SIGSTKFLT); P("SIGCHLD", SIGCHLD); P("SIGCONT", SIGCONT);
          P("SIGSTOP", SIGSTOP); P("SIGTSTP", SIGTSTP); P("SIGTTIN", SIGTTIN); P("SIGTTOU", SIGTTOU); P("SIGURG", SIGURG);
          P("SIGXCPU", SIGXCPU); P("SIGXFSZ", SIGXFSZ); P("SIGVTALRM", SIGVTALRM); P("SIGPROF", SIGPROF);
          P("SIGWINCH", SIGWINCH); P("SIGIO", SIGIO); P("SIGPWR", SIGPWR); P("SIGSYS", SIGSYS);
          P("SA_NOCLDSTOP", SA_NOCLDSTOP); P("SA_NOCLDWAIT", SA_NOCLDWAIT); P("SA_SIGINFO", SA_SIGINFO);
          P("SA_ONSTACK", SA_ONSTACK); P("SA_RESTART", SA_RESTART); P("SA_NODEFER", SA_NODEFER);
          P("SA_RESETHAND", SA_RESETHAND);
          P("SIG_BLOCK", SIG_BLOCK); P("SIG_UNBLOCK", SIG_UNBLOCK); P("SIG_SETMASK", SIG_SETMASK);
          P("SIG_DFL", SIG_DFL); P("SIG_IGN", SIG_IGN);
          P("SI_USER", SI_USER); P("SI_KERNEL", SI_KERNEL); P("SI_QUEUE", SI_QUEUE); P("SI_TIMER", SI_TIMER);
          P("SI_TKILL", SI_TKILL); P("SEGV_MAPERR", SEGV_MAPERR); P("SEGV_ACCERR", SEGV_ACCERR);
          P("FPE_INTDIV", FPE_INTDIV); P("ILL_ILLOPN", ILL_ILLOPN);
          P("CLD_EXITED", CLD_EXITED); P("CLD_KILLED", CLD_KILLED); P("CLD_DUMPED", CLD_DUMPED);
          P("CLD_TRAPPED", CLD_TRAPPED); P("CLD_STOPPED", CLD_STOPPED); P("CLD_CONTINUED", CLD_CONTINUED);
          P("SS_ONSTACK", SS_ONSTACK); P("SS_DISABLE", SS_DISABLE);
          return 0;
        }
        """;

    private const string UapiProbe = """
        #include <stddef.h>
        #include <stdio.h>
        #include <asm/sigcontext.h>
        #include <asm/signal.h>
        #include <asm/siginfo.h>
        #include <asm-generic/ucontext.h>
        #include <linux/signal.h>
        #include <asm/ucontext.h>
        #include <asm/unistd.h>
        #define P(name, v) printf("%s %ld\n", name, (long)(v))
        /* arch/x86/include/asm/sigframe.h, not in uapi: */
        struct rt_sigframe { char *pretcode; struct ucontext uc; siginfo_t info; };
        int main(void) {
          P("sigframe_size", sizeof(struct rt_sigframe)); P("sigframe_uc", offsetof(struct rt_sigframe, uc));
          P("sigframe_info", offsetof(struct rt_sigframe, info));
          P("uc_size", sizeof(struct ucontext)); P("uc_sigmask", offsetof(struct ucontext, uc_sigmask));
          P("uc_mcontext", offsetof(struct ucontext, uc_mcontext)); P("uc_stack", offsetof(struct ucontext, uc_stack));
          P("sc_ss", offsetof(struct sigcontext, ss)); P("sc_fpstate", offsetof(struct sigcontext, fpstate));
          P("sc_flags", offsetof(struct sigcontext, eflags)); P("sc_err", offsetof(struct sigcontext, err));
          P("sc_trapno", offsetof(struct sigcontext, trapno)); P("sc_oldmask", offsetof(struct sigcontext, oldmask));
          P("sc_cr2", offsetof(struct sigcontext, cr2));
          P("fp_sw_reserved", offsetof(struct _fpstate_64, sw_reserved)); P("sizeof_fpstate", sizeof(struct _fpstate_64));
          P("sw_magic1", offsetof(struct _fpx_sw_bytes, magic1));
          P("sw_extended_size", offsetof(struct _fpx_sw_bytes, extended_size));
          P("sw_xfeatures", offsetof(struct _fpx_sw_bytes, xfeatures));
          P("sw_xstate_size", offsetof(struct _fpx_sw_bytes, xstate_size));
          P("FP_XSTATE_MAGIC1", FP_XSTATE_MAGIC1);
          P("ksa_handler", offsetof(struct sigaction, sa_handler)); P("ksa_flags", offsetof(struct sigaction, sa_flags));
          P("ksa_restorer", offsetof(struct sigaction, sa_restorer)); P("ksa_mask", offsetof(struct sigaction, sa_mask));
          P("ksa_size", sizeof(struct sigaction)); P("sigset_size", sizeof(sigset_t));
          P("SA_RESTORER", SA_RESTORER); P("SA_UNSUPPORTED", SA_UNSUPPORTED); P("SA_EXPOSE_TAGBITS", SA_EXPOSE_TAGBITS);
          P("MINSIGSTKSZ", MINSIGSTKSZ); P("SS_AUTODISARM", SS_AUTODISARM); P("SIGRTMIN", SIGRTMIN);
          P("NR_restart_syscall", __NR_restart_syscall); P("NR_rt_sigreturn", __NR_rt_sigreturn);
          P("UC_FP_XSTATE", UC_FP_XSTATE); P("UC_SIGCONTEXT_SS", UC_SIGCONTEXT_SS);
          P("UC_STRICT_RESTORE_SS", UC_STRICT_RESTORE_SS);
          return 0;
        }
        """;

    private static Dictionary<string, string> _glibc, _uapi;
    private static Dictionary<string, string> Glibc => _glibc ??= CProbe.RunKeyed(CProbe.Build("layout-glibc", GlibcProbe));
    private static Dictionary<string, string> Uapi => _uapi ??= CProbe.RunKeyed(CProbe.Build("layout-uapi", UapiProbe));

    private static long Offset<T>(ref T structure, void* field) where T : unmanaged
    {
        fixed (T* start = &structure)
            return (byte*)field - (byte*)start;
    }

    [Test]
    public void SiginfoMatchesGlibc()
    {
        UserSignalInfo s = default;
        Assert.That(sizeof(UserSignalInfo), Is.EqualTo(Glibc.Number("sizeof_siginfo")));
        Assert.That(Offset(ref s, &s.Signal), Is.EqualTo(Glibc.Number("si_signo")));
        Assert.That(Offset(ref s, &s.Errno), Is.EqualTo(Glibc.Number("si_errno")));
        Assert.That(Offset(ref s, &s.Code), Is.EqualTo(Glibc.Number("si_code")));
        Assert.That(Offset(ref s, &s.Pid), Is.EqualTo(Glibc.Number("si_pid")));
        Assert.That(Offset(ref s, &s.Uid), Is.EqualTo(Glibc.Number("si_uid")));
        Assert.That(Offset(ref s, &s.Status), Is.EqualTo(Glibc.Number("si_status")));
        Assert.That(Offset(ref s, &s.UserTime), Is.EqualTo(Glibc.Number("si_utime")));
        Assert.That(Offset(ref s, &s.SystemTime), Is.EqualTo(Glibc.Number("si_stime")));
        Assert.That(Offset(ref s, &s.Address), Is.EqualTo(Glibc.Number("si_addr")));
        Assert.That(Offset(ref s, &s.Value), Is.EqualTo(Glibc.Number("si_value")));
    }

    [Test]
    public void StackTMatchesGlibc()
    {
        UserSignalStack s = default;
        Assert.That(sizeof(UserSignalStack), Is.EqualTo(Glibc.Number("sizeof_stack")));
        Assert.That(Offset(ref s, &s.Pointer), Is.EqualTo(Glibc.Number("ss_sp")));
        Assert.That(Offset(ref s, &s.Flags), Is.EqualTo(Glibc.Number("ss_flags")));
        Assert.That(Offset(ref s, &s.Size), Is.EqualTo(Glibc.Number("ss_size")));
    }

    // glibc's ucontext_t starts where the kernel's does: 8 bytes into the frame, after the return address.
    [Test]
    public void UcontextAndGregsMatchGlibc()
    {
        RtSignalFrame f = default;
        long uc = RtSignalFrame.UContextOffset;
        Assert.That(Offset(ref f, &f.Flags) - uc, Is.EqualTo(Glibc.Number("uc_flags")));
        Assert.That(Offset(ref f, &f.Link) - uc, Is.EqualTo(Glibc.Number("uc_link")));
        Assert.That(Offset(ref f, &f.Stack) - uc, Is.EqualTo(Glibc.Number("uc_stack")));
        Assert.That(Offset(ref f, &f.Context) - uc, Is.EqualTo(Glibc.Number("uc_mcontext")));
        Assert.That(Offset(ref f, &f.Context.FpState) - uc, Is.EqualTo(Glibc.Number("uc_fpregs")));
        Assert.That(Offset(ref f, &f.Mask) - uc, Is.EqualTo(Glibc.Number("uc_sigmask")));
        var gregs = new (string Name, long Offset)[]
        {
            ("R8", Offset(ref f, &f.Context.R8)), ("R9", Offset(ref f, &f.Context.R9)),
            ("R10", Offset(ref f, &f.Context.R10)), ("R11", Offset(ref f, &f.Context.R11)),
            ("R12", Offset(ref f, &f.Context.R12)), ("R13", Offset(ref f, &f.Context.R13)),
            ("R14", Offset(ref f, &f.Context.R14)), ("R15", Offset(ref f, &f.Context.R15)),
            ("RDI", Offset(ref f, &f.Context.Rdi)), ("RSI", Offset(ref f, &f.Context.Rsi)),
            ("RBP", Offset(ref f, &f.Context.Rbp)), ("RBX", Offset(ref f, &f.Context.Rbx)),
            ("RDX", Offset(ref f, &f.Context.Rdx)), ("RAX", Offset(ref f, &f.Context.Rax)),
            ("RCX", Offset(ref f, &f.Context.Rcx)), ("RSP", Offset(ref f, &f.Context.Rsp)),
            ("RIP", Offset(ref f, &f.Context.Rip)), ("EFL", Offset(ref f, &f.Context.Rflags)),
            ("CSGSFS", Offset(ref f, &f.Context.Cs)), ("ERR", Offset(ref f, &f.Context.ErrorCode)),
            ("TRAPNO", Offset(ref f, &f.Context.TrapNumber)), ("OLDMASK", Offset(ref f, &f.Context.OldMask)),
            ("CR2", Offset(ref f, &f.Context.Cr2)),
        };
        foreach (var (name, offset) in gregs)
            Assert.That(offset - uc, Is.EqualTo(Glibc.Number("greg_" + name)), $"gregs[REG_{name}]");
        long context = Offset(ref f, &f.Context);
        Assert.That(sizeof(SignalContext), Is.EqualTo(Glibc.Number("sizeof_sigcontext")));
        Assert.That(Offset(ref f, &f.Context.Cs) - context, Is.EqualTo(Glibc.Number("sc_cs")));
        Assert.That(Offset(ref f, &f.Context.Gs) - context, Is.EqualTo(Glibc.Number("sc_gs")));
        Assert.That(Offset(ref f, &f.Context.Fs) - context, Is.EqualTo(Glibc.Number("sc_fs")));
        Assert.That(FxSaveImage.MxcsrOffset, Is.EqualTo(Glibc.Number("fp_mxcsr")));
        Assert.That(FxSaveImage.MxcsrMaskOffset, Is.EqualTo(Glibc.Number("fp_mxcr_mask")));
        Assert.That(FxSaveImage.Size, Is.EqualTo(Glibc.Number("sizeof_fpstate")));
    }

    [Test]
    public void FrameMatchesKernelUapi()
    {
        RtSignalFrame f = default;
        Assert.That(sizeof(RtSignalFrame), Is.EqualTo(Uapi.Number("sigframe_size")));
        Assert.That(RtSignalFrame.UContextOffset, Is.EqualTo(Uapi.Number("sigframe_uc")));
        Assert.That(RtSignalFrame.InfoOffset, Is.EqualTo(Uapi.Number("sigframe_info")));
        Assert.That(Offset(ref f, &f.Info), Is.EqualTo(Uapi.Number("sigframe_info")));
        Assert.That(RtSignalFrame.UContextSize, Is.EqualTo(Uapi.Number("uc_size")));
        long uc = RtSignalFrame.UContextOffset;
        Assert.That(Offset(ref f, &f.Mask) - uc, Is.EqualTo(Uapi.Number("uc_sigmask")));
        Assert.That(Offset(ref f, &f.Context) - uc, Is.EqualTo(Uapi.Number("uc_mcontext")));
        Assert.That(Offset(ref f, &f.Stack) - uc, Is.EqualTo(Uapi.Number("uc_stack")));
        long context = Offset(ref f, &f.Context);
        Assert.That(Offset(ref f, &f.Context.Ss) - context, Is.EqualTo(Uapi.Number("sc_ss")));
        Assert.That(Offset(ref f, &f.Context.FpState) - context, Is.EqualTo(Uapi.Number("sc_fpstate")));
        Assert.That(Offset(ref f, &f.Context.Rflags) - context, Is.EqualTo(Uapi.Number("sc_flags")));
        Assert.That(Offset(ref f, &f.Context.ErrorCode) - context, Is.EqualTo(Uapi.Number("sc_err")));
        Assert.That(Offset(ref f, &f.Context.TrapNumber) - context, Is.EqualTo(Uapi.Number("sc_trapno")));
        Assert.That(Offset(ref f, &f.Context.OldMask) - context, Is.EqualTo(Uapi.Number("sc_oldmask")));
        Assert.That(Offset(ref f, &f.Context.Cr2) - context, Is.EqualTo(Uapi.Number("sc_cr2")));
        Assert.That(FxSaveImage.SoftwareBytesOffset, Is.EqualTo(Uapi.Number("fp_sw_reserved")));
        Assert.That(FxSaveImage.Size, Is.EqualTo(Uapi.Number("sizeof_fpstate")));
        Assert.That(Uapi.Number("sw_magic1"), Is.EqualTo(0));
        Assert.That(Uapi.Number("sw_extended_size"), Is.EqualTo(4));
        Assert.That(Uapi.Number("sw_xfeatures"), Is.EqualTo(8));
        Assert.That(Uapi.Number("sw_xstate_size"), Is.EqualTo(16));
        Assert.That(FxSaveImage.Magic1, Is.EqualTo(Uapi.Number("FP_XSTATE_MAGIC1")));
        Assert.That(UContextFlags.FpXState, Is.EqualTo(Uapi.Number("UC_FP_XSTATE")));
        Assert.That(UContextFlags.SigContextSs, Is.EqualTo(Uapi.Number("UC_SIGCONTEXT_SS")));
        Assert.That(UContextFlags.StrictRestoreSs, Is.EqualTo(Uapi.Number("UC_STRICT_RESTORE_SS")));
    }

    [Test]
    public void SigactionMatchesKernelUapi()
    {
        SignalAction a = default;
        Assert.That(sizeof(SignalAction), Is.EqualTo(Uapi.Number("ksa_size")));
        Assert.That(Offset(ref a, &a.Handler), Is.EqualTo(Uapi.Number("ksa_handler")));
        Assert.That(Offset(ref a, &a.Flags), Is.EqualTo(Uapi.Number("ksa_flags")));
        Assert.That(Offset(ref a, &a.Restorer), Is.EqualTo(Uapi.Number("ksa_restorer")));
        Assert.That(Offset(ref a, &a.Mask), Is.EqualTo(Uapi.Number("ksa_mask")));
        Assert.That(Signal.SetSize, Is.EqualTo(Uapi.Number("sigset_size")));
        Assert.That(Signal.Count, Is.EqualTo(8 * Uapi.Number("sigset_size")), "one bit per signal");
        Assert.That(Signal.SIGRTMIN, Is.EqualTo(Uapi.Number("SIGRTMIN")));
        Assert.That(SignalActionFlags.Restorer, Is.EqualTo(Uapi.Number("SA_RESTORER")));
        Assert.That(SignalActionFlags.Unsupported, Is.EqualTo(Uapi.Number("SA_UNSUPPORTED")));
        Assert.That(SignalActionFlags.ExposeTagBits, Is.EqualTo(Uapi.Number("SA_EXPOSE_TAGBITS")));
        Assert.That(SignalStackFlags.MinimumSize, Is.EqualTo(Uapi.Number("MINSIGSTKSZ")));
        Assert.That(unchecked((uint)SignalStackFlags.AutoDisarm), Is.EqualTo(Uapi.Number("SS_AUTODISARM")));
        Assert.That(SyscallRestart.RestartSyscall, Is.EqualTo(Uapi.Number("NR_restart_syscall")));
    }

    [Test]
    public void ConstantsMatchGlibc()
    {
        var expected = new (string Name, long Value)[]
        {
            ("SIGHUP", Signal.SIGHUP), ("SIGINT", Signal.SIGINT), ("SIGQUIT", Signal.SIGQUIT), ("SIGILL", Signal.SIGILL),
            ("SIGTRAP", Signal.SIGTRAP), ("SIGABRT", Signal.SIGABRT), ("SIGBUS", Signal.SIGBUS), ("SIGFPE", Signal.SIGFPE),
            ("SIGKILL", Signal.SIGKILL), ("SIGUSR1", Signal.SIGUSR1), ("SIGSEGV", Signal.SIGSEGV),
            ("SIGUSR2", Signal.SIGUSR2), ("SIGPIPE", Signal.SIGPIPE), ("SIGALRM", Signal.SIGALRM),
            ("SIGTERM", Signal.SIGTERM), ("SIGSTKFLT", Signal.SIGSTKFLT), ("SIGCHLD", Signal.SIGCHLD),
            ("SIGCONT", Signal.SIGCONT), ("SIGSTOP", Signal.SIGSTOP), ("SIGTSTP", Signal.SIGTSTP),
            ("SIGTTIN", Signal.SIGTTIN), ("SIGTTOU", Signal.SIGTTOU), ("SIGURG", Signal.SIGURG),
            ("SIGXCPU", Signal.SIGXCPU), ("SIGXFSZ", Signal.SIGXFSZ), ("SIGVTALRM", Signal.SIGVTALRM),
            ("SIGPROF", Signal.SIGPROF), ("SIGWINCH", Signal.SIGWINCH), ("SIGIO", Signal.SIGIO), ("SIGPWR", Signal.SIGPWR),
            ("SIGSYS", Signal.SIGSYS),
            ("SA_NOCLDSTOP", (long)SignalActionFlags.NoChildStop), ("SA_NOCLDWAIT", (long)SignalActionFlags.NoChildWait),
            ("SA_SIGINFO", (long)SignalActionFlags.SigInfo), ("SA_ONSTACK", (long)SignalActionFlags.OnStack),
            ("SA_RESTART", (long)SignalActionFlags.Restart), ("SA_NODEFER", (long)SignalActionFlags.NoDefer),
            ("SA_RESETHAND", (long)SignalActionFlags.ResetHandler),
            ("SIG_BLOCK", SignalMaskHow.Block), ("SIG_UNBLOCK", SignalMaskHow.Unblock), ("SIG_SETMASK", SignalMaskHow.SetMask),
            ("SIG_DFL", (long)SignalHandler.Default), ("SIG_IGN", (long)SignalHandler.Ignore),
            ("SI_USER", SignalCode.User), ("SI_KERNEL", SignalCode.Kernel), ("SI_QUEUE", SignalCode.Queue),
            ("SI_TIMER", SignalCode.Timer), ("SI_TKILL", SignalCode.ThreadKill),
            ("SEGV_MAPERR", SignalCode.SegvMapError), ("SEGV_ACCERR", SignalCode.SegvAccessError),
            ("FPE_INTDIV", SignalCode.FpeIntDivide), ("ILL_ILLOPN", SignalCode.IllOperand),
            ("CLD_EXITED", SignalCode.ChildExited), ("CLD_KILLED", SignalCode.ChildKilled),
            ("CLD_DUMPED", SignalCode.ChildDumped), ("CLD_TRAPPED", SignalCode.ChildTrapped),
            ("CLD_STOPPED", SignalCode.ChildStopped), ("CLD_CONTINUED", SignalCode.ChildContinued),
            ("SS_ONSTACK", SignalStackFlags.OnStack), ("SS_DISABLE", SignalStackFlags.Disable),
        };
        foreach (var (name, value) in expected)
            Assert.That(value, Is.EqualTo(Glibc.Number(name)), name);
    }
}
