// A thread's alternate signal stack (sigaltstack(2)), with Linux's rules (kernel/signal.c do_sigaltstack,
// include/linux/sched/signal.h on_sig_stack, sas_ss_flags, sas_ss_reset).
//
// The stored flags are the ss_flags user space last gave (0, SS_ONSTACK — accepted as 0 for old programs —
// or SS_DISABLE, plus SS_AUTODISARM); a signal frame's uc_stack.ss_flags is that stored value. Whether the
// thread is on the stack is never stored: it is computed from the stack pointer. With SS_AUTODISARM the
// thread never counts as being on it, and delivering a signal disarms the stack until the handler returns
// (rt_sigreturn restores it from uc_stack).
using System.Runtime.InteropServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Signals;

internal struct SignalStack
{
    public ulong Base;      // sas_ss_sp
    public ulong Size;      // sas_ss_size; 0 = no alternate stack
    public int Flags;       // sas_ss_flags, as last set

    // A fresh process: no stack, flags 0 (what a just-exec'd program sees in uc_stack on Linux 6.18).
    public static SignalStack None => default;

    // sas_ss_reset: what a new thread (clone with CLONE_VM and without CLONE_VFORK) starts with, and what
    // SS_AUTODISARM leaves while a handler runs.
    public static SignalStack Disabled => new SignalStack { Flags = SignalStackFlags.Disable };

    // __on_sig_stack: sp within (Base, Base + Size] — the stack grows down, so its top counts as inside.
    public readonly bool Contains(ulong sp) => sp > Base && sp - Base <= Size;

    // on_sig_stack: SS_AUTODISARM stacks never count as "on", so that a corrupt RSP near the top cannot
    // keep a program from getting a fresh frame.
    public readonly bool IsOn(ulong sp) => (Flags & SignalStackFlags.AutoDisarm) == 0 && Contains(sp);

    // sas_ss_flags: SS_DISABLE without a stack, SS_ONSTACK while on it, else 0.
    public readonly int State(ulong sp)
        => Size == 0 ? SignalStackFlags.Disable : IsOn(sp) ? SignalStackFlags.OnStack : 0;

    // The old stack as sigaltstack(2) reports it (oss): the state at sp plus SS_AUTODISARM if set.
    public readonly UserSignalStack Query(ulong sp) => new UserSignalStack
    {
        Pointer = Base,
        Size = Size,
        Flags = State(sp) | (Flags & SignalStackFlags.AutoDisarm),
    };

    // The new-stack half of do_sigaltstack. sp is the thread's user stack pointer. 0 or -errno:
    // EPERM while on the stack, EINVAL for an unknown mode, ENOMEM below MINSIGSTKSZ (2048).
    // SS_DISABLE clears pointer and size, whatever was given.
    public int Change(in UserSignalStack requested, ulong sp)
    {
        if (IsOn(sp))
            return -Errno.EPERM;
        int mode = requested.Flags & ~SignalStackFlags.AutoDisarm;
        if (mode != SignalStackFlags.Disable && mode != SignalStackFlags.OnStack && mode != 0)
            return -Errno.EINVAL;
        if (Base == requested.Pointer && Size == requested.Size && Flags == requested.Flags)
            return 0;
        ulong pointer = requested.Pointer;
        ulong size = requested.Size;
        if (mode == SignalStackFlags.Disable)
        {
            pointer = 0;
            size = 0;
        }
        else if (size < SignalStackFlags.MinimumSize)
        {
            return -Errno.ENOMEM;
        }
        Base = pointer;
        Size = size;
        Flags = requested.Flags;
        return 0;
    }

    // sigaltstack(2) after the caller copied *uss in (hasNew) — old is what to copy out to *uoss when
    // the call returns 0 and uoss is not NULL (an EFAULT there is the caller's).
    public int SigAltStack(bool hasNew, in UserSignalStack requested, ulong sp, out UserSignalStack old)
    {
        old = Query(sp);
        return hasNew ? Change(requested, sp) : 0;
    }
}

// stack_t as user space sees it (sigaltstack(2), uc_stack): 24 bytes.
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
internal struct UserSignalStack
{
    public const int SizeInBytes = 24;

    [FieldOffset(0)] public ulong Pointer;      // ss_sp
    [FieldOffset(8)] public int Flags;          // ss_flags
    [FieldOffset(16)] public ulong Size;        // ss_size
}
