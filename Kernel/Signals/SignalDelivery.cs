// Running a user signal handler and coming back from it, as x86-64 Linux does (arch/x86/kernel/signal.c
// get_sigframe and handle_signal, signal_64.c x64_setup_rt_frame, restore_sigcontext and rt_sigreturn;
// kernel/signal.c signal_delivered, restore_altstack; sigreturn(2), sigaction(2), the psABI's 3.2.2: RSP+8
// is a multiple of 16 at function entry). The frame layout is in SignalFrame.cs.
//
// User memory is reached only through UserMemory's two copies, which may fail (an unmapped or read-only
// stack): nothing here dereferences a user address. Addresses are also checked against the user half
// before any copy, so that a hostile RSP cannot aim a copy at the kernel.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Signals;

// The caller's fault-tolerant copies to and from the current thread's user memory (the kernel's
// copy_to_user/copy_from_user: kitten_copy_checked over the thread's address space). Each returns true only
// if every byte was copied; false leaves the destination partly written, which is harmless. State is
// passed back unchanged (the address space, or a test's memory).
internal unsafe struct UserMemory
{
    public delegate*<void*, ulong, void*, ulong, bool> CopyOut;    // (state, user destination, source, length)
    public delegate*<void*, void*, ulong, ulong, bool> CopyIn;     // (state, destination, user source, length)
    public void* State;

    public readonly bool Write(ulong user, void* source, ulong length) => CopyOut(State, user, source, length);
    public readonly bool Read(void* destination, ulong user, ulong length) => CopyIn(State, destination, user, length);
}

// What the sigcontext reports about the exception behind the signal (trapno, err, cr2): the vector, its
// error code and, for #PF, CR2. All zero for a signal that is not a fault.
internal struct TrapInfo
{
    public ulong TrapNumber;
    public ulong ErrorCode;
    public ulong FaultAddress;
}

internal enum DeliveryResult
{
    Delivered,          // registers and masks set: return to user space into the handler
    NoRestorer,         // no SA_RESTORER: x86-64 has no default return trampoline
    AltStackOverflow,   // the frame would not fit on the alternate stack the thread is (or goes) on
    OutsideUserSpace,   // the frame would not lie in user space (RSP near 0 or in the kernel half)
    WriteFailed,        // copying the frame out failed
    // For every failure nothing was changed. Linux then calls force_sigsegv(signal): SIGSEGV, fatal
    // (SIG_DFL forced) if the signal being delivered was SIGSEGV itself — SignalQueue.Force.
}

internal enum SigreturnResult
{
    Restored,               // the context is the frame's: return to user space with RAX as restored
    BadFrame,               // the frame or its FXSAVE image could not be read, or lies outside user space
    BadInstructionPointer,  // the frame's RIP is not canonical: IRETQ would fault in ring 0
    // On failure nothing was changed. Linux then sends SIGSEGV (signal_fault: force_sig, not fatal).
}

internal static unsafe class SignalDelivery
{
    public const ulong RedZone = 128;                        // psABI 3.2.2: below RSP, owned by the interrupted code
    public const ulong UserAddressEnd = 0x0000_7FFF_FFFF_F000; // Linux's TASK_SIZE_MAX (4-level paging): access_ok
    public const ulong CanonicalEnd = 1UL << 47;             // RIP must stay below: IRETQ faults otherwise
    public const ulong FpStateAlignment = 64;

    // The user selectors, as Arch/X64/Gdt.cs defines them (Selectors.UserCode/UserData; Gdt.cs is not built
    // on the host, the self-test checks they agree). Linux's are 0x33 and 0x2B; only their RPL 3 matters.
    public const ushort UserCodeSelector = 0x23;
    public const ushort UserDataSelector = 0x1B;

    // RFLAGS bits (Intel SDM vol. 1, 3.4.3).
    private const ulong FlagReserved1 = 1UL << 1, FlagTrap = 1UL << 8, FlagInterrupt = 1UL << 9;
    private const ulong FlagDirection = 1UL << 10, FlagResume = 1UL << 16, FlagId = 1UL << 21;
    // FIX_EFLAGS (arch/x86/include/asm/sighandling.h): the bits rt_sigreturn takes from the frame — CF, PF,
    // AF, ZF, SF, TF, DF, OF, RF, AC. IOPL, NT, VM, VIF, VIP never come from user memory.
    public const ulong UserModifiableFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | FlagTrap | FlagDirection | 0x800
        | FlagResume | (1UL << 18);

    // get_sigframe: where the FXSAVE image and the frame go. sp: the interrupted RSP. The red zone is skipped;
    // with SA_ONSTACK an enabled alternate stack the thread is not on yet is used from its top; the image is
    // 64-byte aligned below, the frame below it so that RSP + 8 (the frame after the return address) is
    // 16-byte aligned. mathFrameSize: 512 here (on an XSAVE CPU Linux uses the XSAVE size + 4). False if the
    // thread is on, or enters, the alternate stack and the frame would leave it (Linux: "overflowed
    // sigaltstack", SIGSEGV).
    public static bool Place(ulong sp, in SignalStack altStack, bool useAltStack, ulong mathFrameSize,
        out ulong frame, out ulong fpState)
    {
        bool nested = altStack.IsOn(sp);
        bool entering = false;
        sp -= RedZone;
        if (useAltStack && altStack.State(sp) == 0)
        {
            sp = altStack.Base + altStack.Size;
            entering = true;
        }
        fpState = (sp - mathFrameSize) & ~(FpStateAlignment - 1);
        frame = ((fpState - RtSignalFrame.SizeInBytes) & ~15UL) - 8;
        return !((nested || entering) && !altStack.Contains(frame));
    }

    // Sets up the handler for info.Signal (Dequeue returned SignalDisposition.Handler with this action).
    // context: the interrupted user registers, FxSave included; the caller has already applied any system
    // call restart (SyscallRestart.BeforeHandler). On success the context enters the handler with RDI =
    // signal, RSI = &siginfo, RDX = &ucontext, RAX = 0, RSP = frame (holding sa_restorer), CS/SS user,
    // DF/RF/TF clear and a fresh FPU state; the thread's blocked mask gains sa_mask and the signal (unless
    // SA_NODEFER); an SS_AUTODISARM alternate stack is disarmed.
    public static DeliveryResult Deliver(InterruptContext* context, ref ThreadSignals thread, in SignalInfo info,
        in SignalAction action, in TrapInfo trap, in UserMemory memory)
    {
        if ((action.Flags & SignalActionFlags.Restorer) == 0)
            return DeliveryResult.NoRestorer;
        bool onStack = (action.Flags & SignalActionFlags.OnStack) != 0;
        if (!Place(context->Rsp, thread.AltStack, onStack, FxSaveImage.Size, out ulong frameAddress, out ulong fpState))
            return DeliveryResult.AltStackOverflow;
        if (frameAddress >= fpState || fpState > UserAddressEnd - FxSaveImage.Size)
            return DeliveryResult.OutsideUserSpace;

        byte* image = stackalloc byte[FxSaveImage.Size];
        for (int i = 0; i < FxSaveImage.Size; i++)
            image[i] = context->FxSave[i];
        FxSaveImage.WriteSoftwareBytes(image);

        ulong savedMask = thread.MaskToSave;
        RtSignalFrame frame = default;
        frame.ReturnAddress = action.Restorer;
        frame.Flags = UContextFlags.Frame;
        frame.Stack.Pointer = thread.AltStack.Base;
        frame.Stack.Flags = thread.AltStack.Flags;
        frame.Stack.Size = thread.AltStack.Size;
        SaveRegisters(context, ref frame.Context);
        frame.Context.TrapNumber = trap.TrapNumber;
        frame.Context.ErrorCode = trap.ErrorCode;
        frame.Context.Cr2 = trap.FaultAddress;
        frame.Context.OldMask = savedMask;
        frame.Context.FpState = fpState;
        frame.Mask = savedMask;
        // Linux copies the siginfo only for SA_SIGINFO handlers; RSI points at its place either way.
        bool withInfo = (action.Flags & SignalActionFlags.SigInfo) != 0;
        if (withInfo)
            info.WriteTo(ref frame.Info);

        if (!memory.Write(fpState, image, FxSaveImage.Size))
            return DeliveryResult.WriteFailed;
        ulong length = (ulong)(withInfo ? RtSignalFrame.SizeInBytes : RtSignalFrame.InfoOffset);
        if (!memory.Write(frameAddress, &frame, length))
            return DeliveryResult.WriteFailed;

        context->Rdi = (ulong)info.Signal;
        context->Rsi = frameAddress + RtSignalFrame.InfoOffset;
        context->Rdx = frameAddress + RtSignalFrame.UContextOffset;
        context->Rax = 0;                   // "in case the signal handler was declared without prototypes"
        context->Rip = action.Handler;
        context->Rsp = frameAddress;
        context->Cs = UserCodeSelector;
        context->Ss = UserDataSelector;
        context->Rflags &= ~(FlagDirection | FlagResume | FlagTrap);
        FxSaveImage.WriteInitial(context->FxSave);

        // signal_delivered.
        ulong blocked = thread.Blocked | action.Mask;
        if ((action.Flags & SignalActionFlags.NoDefer) == 0)
            blocked |= SignalSet.Of(info.Signal);
        thread.SetBlocked(blocked);
        thread.RestoreSavedMask = false;
        if ((thread.AltStack.Flags & SignalStackFlags.AutoDisarm) != 0)
            thread.AltStack = SignalStack.Disabled;
        return DeliveryResult.Delivered;
    }

    // rt_sigreturn(2). The handler returned into sa_restorer with `ret`, which popped the return address,
    // and the restorer ran `mov $15, %eax; syscall`: so RSP = frame + 8 and the frame is at RSP - 8.
    // Restores every general register, RIP and RSP (as the handler may have edited them: the .NET runtime
    // does, to turn a fault into an exception), the RFLAGS bits user code may change, the FXSAVE image (MXCSR
    // bits outside mxcsrFeatureMask cleared, so that FXRSTOR cannot fault), the blocked mask (never SIGKILL
    // or SIGSTOP) and the alternate stack (errors ignored, as Linux does: a handler running on the stack
    // cannot change it). CS and SS become the user selectors whatever the frame says. The system call's
    // result is the restored RAX: the dispatcher must leave context->Rax as it is, and must not restart.
    public static SigreturnResult Return(InterruptContext* context, ref ThreadSignals thread, in UserMemory memory,
        uint mxcsrFeatureMask)
    {
        ulong frameAddress = context->Rsp - 8;
        if (!InUserSpace(frameAddress, RtSignalFrame.SizeInBytes))
            return SigreturnResult.BadFrame;
        RtSignalFrame frame = default;
        if (!memory.Read((byte*)&frame + RtSignalFrame.UContextOffset, frameAddress + RtSignalFrame.UContextOffset,
            RtSignalFrame.UContextSize))
            return SigreturnResult.BadFrame;

        byte* image = stackalloc byte[FxSaveImage.Size];
        ulong fpState = frame.Context.FpState;
        if (fpState == 0)
        {
            // No FPU state in the frame: the FPU starts afresh (fpu__restore_sig with a NULL buffer).
            for (int i = 0; i < FxSaveImage.Size; i++)
                image[i] = context->FxSave[i];
            FxSaveImage.WriteInitial(image);
        }
        else if (!InUserSpace(fpState, FxSaveImage.Size) || !memory.Read(image, fpState, FxSaveImage.Size))
        {
            return SigreturnResult.BadFrame;
        }
        *(uint*)(image + FxSaveImage.MxcsrOffset) &= mxcsrFeatureMask;
        if (frame.Context.Rip >= CanonicalEnd)
            return SigreturnResult.BadInstructionPointer;

        thread.SetBlocked(frame.Mask);
        RestoreRegisters(context, frame.Context);
        for (int i = 0; i < FxSaveImage.Size; i++)
            context->FxSave[i] = image[i];
        thread.AltStack.Change(frame.Stack, context->Rsp);
        return SigreturnResult.Restored;
    }

    private static bool InUserSpace(ulong address, ulong length)
        => address < UserAddressEnd && length <= UserAddressEnd - address;

    private static void SaveRegisters(InterruptContext* context, ref SignalContext saved)
    {
        saved.R8 = context->R8;
        saved.R9 = context->R9;
        saved.R10 = context->R10;
        saved.R11 = context->R11;
        saved.R12 = context->R12;
        saved.R13 = context->R13;
        saved.R14 = context->R14;
        saved.R15 = context->R15;
        saved.Rdi = context->Rdi;
        saved.Rsi = context->Rsi;
        saved.Rbp = context->Rbp;
        saved.Rbx = context->Rbx;
        saved.Rdx = context->Rdx;
        saved.Rax = context->Rax;
        saved.Rcx = context->Rcx;
        saved.Rsp = context->Rsp;
        saved.Rip = context->Rip;
        saved.Rflags = context->Rflags;
        saved.Cs = (ushort)context->Cs;
        saved.Ss = (ushort)context->Ss;
    }

    // restore_sigcontext. RFLAGS: the frame's FIX_EFLAGS bits; IF and the always-one bit 1 set, ID kept
    // from the current value; IOPL, NT, VM, VIF and VIP clear. (Linux keeps every non-FIX bit of the
    // syscall-time RFLAGS, which for a user thread are exactly these.)
    private static void RestoreRegisters(InterruptContext* context, in SignalContext saved)
    {
        context->R8 = saved.R8;
        context->R9 = saved.R9;
        context->R10 = saved.R10;
        context->R11 = saved.R11;
        context->R12 = saved.R12;
        context->R13 = saved.R13;
        context->R14 = saved.R14;
        context->R15 = saved.R15;
        context->Rdi = saved.Rdi;
        context->Rsi = saved.Rsi;
        context->Rbp = saved.Rbp;
        context->Rbx = saved.Rbx;
        context->Rdx = saved.Rdx;
        context->Rax = saved.Rax;
        context->Rcx = saved.Rcx;
        context->Rsp = saved.Rsp;
        context->Rip = saved.Rip;
        context->Rflags = (saved.Rflags & UserModifiableFlags) | (context->Rflags & FlagId)
            | FlagInterrupt | FlagReserved1;
        context->Cs = UserCodeSelector;
        context->Ss = UserDataSelector;
    }
}
