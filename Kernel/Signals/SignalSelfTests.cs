// Signal frames and signal state in ring 0, compiled by ILC: a frame is built into a kernel buffer standing
// for a user stack, edited the way the .NET runtime's SIGSEGV handler edits it, and restored. The host
// tests cover the rules against gcc and real Linux; these show the same code runs here.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Signals;

internal static unsafe class SignalSelfTests
{
    private const ulong StackSize = 16384;
    private const ulong StackBase = 0x7FFF_F000_0000;   // the user addresses the buffer stands for
    private const ulong Restorer = 0x401000, Handler = 0x402000;

    public static void Register(SelfTestList tests)
    {
        tests.Add("signals.selectors_match_gdt", &SelectorsMatchGdt);
        tests.Add("signals.frame_round_trip", &FrameRoundTrip);
        tests.Add("signals.hostile_frame_sanitized", &HostileFrame);
        tests.Add("signals.copy_failure_reported", &CopyFailure);
        tests.Add("signals.masks_actions_queue", &MasksActionsQueue);
    }

    // The buffer, as user memory: addresses inside [StackBase, StackBase + StackSize) only.
    private struct FakeStack
    {
        public byte* Buffer;
        public bool FailWrites;
    }

    private static bool CopyOut(void* state, ulong user, void* source, ulong length)
    {
        var stack = (FakeStack*)state;
        if (stack->FailWrites || user < StackBase || length > StackSize || user - StackBase > StackSize - length)
            return false;
        byte* to = stack->Buffer + (user - StackBase);
        for (ulong i = 0; i < length; i++)
            to[i] = ((byte*)source)[i];
        return true;
    }

    private static bool CopyIn(void* state, void* destination, ulong user, ulong length)
    {
        var stack = (FakeStack*)state;
        if (user < StackBase || length > StackSize || user - StackBase > StackSize - length)
            return false;
        byte* from = stack->Buffer + (user - StackBase);
        for (ulong i = 0; i < length; i++)
            ((byte*)destination)[i] = from[i];
        return true;
    }

    private static UserMemory Memory(FakeStack* stack)
        => new UserMemory { CopyOut = &CopyOut, CopyIn = &CopyIn, State = stack };

    private static InterruptContext* NewContext()
    {
        var context = (InterruptContext*)KernelHeap.AllocateZeroed((ulong)sizeof(InterruptContext));
        if (context == null)
            return null;
        ulong* registers = &context->R15;
        for (int i = 0; i < 15; i++)
            registers[i] = 0x1000UL + (ulong)i;
        context->Rip = 0x400123;
        context->Rsp = StackBase + StackSize - 0x100 + 3;   // deliberately misaligned
        context->Rflags = 0x202 | 0x400;                     // IF, DF
        context->Cs = SignalDelivery.UserCodeSelector;
        context->Ss = SignalDelivery.UserDataSelector;
        for (int i = 0; i < InterruptContext.FxSaveSize; i++)
            context->FxSave[i] = (byte)(i * 3);
        *(uint*)(context->FxSave + FxSaveImage.MxcsrOffset) = 0x1F80;
        return context;
    }

    private static SignalAction SegvAction() => new SignalAction
    {
        Handler = Handler,
        Flags = SignalActionFlags.SigInfo | SignalActionFlags.Restorer,
        Restorer = Restorer,
        Mask = SignalSet.Of(Signal.SIGUSR1),
    };

    private static void SelectorsMatchGdt(ref TestContext t)
    {
        t.Equal(Selectors.UserCode, SignalDelivery.UserCodeSelector, "user CS");
        t.Equal(Selectors.UserData, SignalDelivery.UserDataSelector, "user SS");
        t.Equal(440UL, (ulong)sizeof(RtSignalFrame), "rt_sigframe size");
        t.Equal(256UL, (ulong)sizeof(SignalContext), "sigcontext size");
        t.Equal(128UL, (ulong)sizeof(UserSignalInfo), "siginfo size");
    }

    private static void FrameRoundTrip(ref TestContext t)
    {
        FakeStack stack = default;
        stack.Buffer = (byte*)KernelHeap.AllocateZeroed(StackSize);
        InterruptContext* context = NewContext();
        if (t.Check(stack.Buffer != null && context != null, "no memory"))
        {
            ThreadSignals thread = default;
            thread.SetBlocked(SignalSet.Of(Signal.SIGUSR2));
            UserMemory memory = Memory(&stack);
            ulong interruptedRsp = context->Rsp;
            SignalInfo info = SignalInfo.FromFault(Signal.SIGSEGV, SignalCode.SegvMapError, 0x1234);
            var trap = new TrapInfo { TrapNumber = 14, ErrorCode = 4, FaultAddress = 0x1234 };
            DeliveryResult delivered = SignalDelivery.Deliver(context, ref thread, info, SegvAction(), trap, memory);
            if (t.Check(delivered == DeliveryResult.Delivered, "not delivered"))
            {
                ulong frame = context->Rsp;
                t.Equal(8UL, frame & 15, "RSP + 8 is 16-byte aligned at handler entry");
                t.Check(frame + RtSignalFrame.SizeInBytes + FxSaveImage.Size <= interruptedRsp - SignalDelivery.RedZone,
                    "frame below the red zone");
                t.Equal(Handler, context->Rip, "RIP = handler");
                t.Equal((ulong)Signal.SIGSEGV, context->Rdi, "RDI = signal");
                t.Equal(frame + 312, context->Rsi, "RSI = &siginfo");
                t.Equal(frame + 8, context->Rdx, "RDX = &ucontext");
                t.Equal(0UL, context->Rflags & 0x400, "DF cleared");
                t.Equal(0x037FUL, *(ushort*)context->FxSave, "fresh FPU state");
                var image = (RtSignalFrame*)(stack.Buffer + (frame - StackBase));
                t.Equal(Restorer, image->ReturnAddress, "pretcode");
                t.Equal(0x400123UL, image->Context.Rip, "saved RIP");
                t.Equal(interruptedRsp, image->Context.Rsp, "saved RSP");
                t.Equal(SignalSet.Of(Signal.SIGUSR2), image->Mask, "uc_sigmask");
                t.Equal(0x1234UL, image->Info.Address, "si_addr");
                t.Equal(14UL, image->Context.TrapNumber, "trapno");
                byte* fp = stack.Buffer + (image->Context.FpState - StackBase);
                t.Equal(0UL, image->Context.FpState & 63, "fpstate alignment");
                t.Equal(FxSaveImage.Magic1, *(uint*)(fp + FxSaveImage.SoftwareBytesOffset), "magic1");
                t.Equal(SignalSet.Of(Signal.SIGUSR2) | SignalSet.Of(Signal.SIGUSR1) | SignalSet.Of(Signal.SIGSEGV),
                    thread.Blocked, "blocked in the handler");

                // The handler skips the faulting instruction and moves the stack, as .NET does.
                image->Context.Rip = 0x400200;
                image->Context.Rsp = interruptedRsp - 0x40;
                image->Context.Rax = 0xABCD;
                context->Rsp = frame + 8;               // after the handler's ret
                context->Rip = Restorer + 9;
                SigreturnResult restored = SignalDelivery.Return(context, ref thread, memory, 0xFFBF);
                if (t.Check(restored == SigreturnResult.Restored, "not restored"))
                {
                    t.Equal(0x400200UL, context->Rip, "edited RIP");
                    t.Equal(interruptedRsp - 0x40, context->Rsp, "edited RSP");
                    t.Equal(0xABCDUL, context->Rax, "edited RAX");
                    t.Equal(0x1000UL, context->R15, "R15");
                    t.Equal(SignalSet.Of(Signal.SIGUSR2), thread.Blocked, "mask restored");
                    t.Equal(0x400UL, context->Rflags & 0x400, "DF restored");
                    t.Equal(unchecked((ulong)(byte)(100 * 3)), context->FxSave[100], "FPU image restored");
                }
            }
        }
        KernelHeap.Free(context);
        KernelHeap.Free(stack.Buffer);
    }

    private static void HostileFrame(ref TestContext t)
    {
        FakeStack stack = default;
        stack.Buffer = (byte*)KernelHeap.AllocateZeroed(StackSize);
        InterruptContext* context = NewContext();
        if (t.Check(stack.Buffer != null && context != null, "no memory"))
        {
            ThreadSignals thread = default;
            UserMemory memory = Memory(&stack);
            SignalInfo info = SignalInfo.FromThreadKill(Signal.SIGUSR1, 7, 0);
            if (t.Check(SignalDelivery.Deliver(context, ref thread, info, SegvAction(), default, memory)
                == DeliveryResult.Delivered, "not delivered"))
            {
                ulong frame = context->Rsp;
                var image = (RtSignalFrame*)(stack.Buffer + (frame - StackBase));
                image->Context.Cs = Selectors.KernelCode;
                image->Context.Ss = Selectors.KernelData;
                image->Context.Rflags = 0x3000 | 0x4000 | 0x20000 | 0x1;   // IOPL 3, NT, VM, CF
                image->Mask = SignalSet.Full;
                *(uint*)(stack.Buffer + (image->Context.FpState - StackBase) + FxSaveImage.MxcsrOffset) = 0xFFFF_1F80;
                context->Rsp = frame + 8;
                if (t.Check(SignalDelivery.Return(context, ref thread, memory, 0xFFBF) == SigreturnResult.Restored,
                    "not restored"))
                {
                    t.Equal(SignalDelivery.UserCodeSelector, context->Cs, "CS forced to user");
                    t.Equal(SignalDelivery.UserDataSelector, context->Ss, "SS forced to user");
                    t.Equal(0x203UL, context->Rflags, "only CF taken, IF set");
                    t.Equal(0x1F80UL, *(uint*)(context->FxSave + FxSaveImage.MxcsrOffset), "MXCSR masked");
                    t.Equal(SignalSet.Full & ~SignalSet.Unblockable, thread.Blocked, "SIGKILL/SIGSTOP unblockable");
                }
                context->Rsp = 0x10;    // frame below user space after the - 8: refused
                t.Check(SignalDelivery.Return(context, ref thread, memory, 0xFFBF) == SigreturnResult.BadFrame,
                    "a frame outside the stack was accepted");
            }
        }
        KernelHeap.Free(context);
        KernelHeap.Free(stack.Buffer);
    }

    private static void CopyFailure(ref TestContext t)
    {
        FakeStack stack = default;
        stack.Buffer = (byte*)KernelHeap.AllocateZeroed(StackSize);
        stack.FailWrites = true;
        InterruptContext* context = NewContext();
        if (t.Check(stack.Buffer != null && context != null, "no memory"))
        {
            ThreadSignals thread = default;
            ulong rip = context->Rip;
            DeliveryResult result = SignalDelivery.Deliver(context, ref thread, SignalInfo.FromKernel(Signal.SIGSEGV),
                SegvAction(), default, Memory(&stack));
            t.Check(result == DeliveryResult.WriteFailed, "a failed copy was not reported");
            t.Equal(rip, context->Rip, "context unchanged");
            t.Equal(0UL, thread.Blocked, "mask unchanged");
            SignalAction noRestorer = SegvAction();
            noRestorer.Flags = SignalActionFlags.SigInfo;
            t.Check(SignalDelivery.Deliver(context, ref thread, SignalInfo.FromKernel(Signal.SIGSEGV), noRestorer,
                default, Memory(&stack)) == DeliveryResult.NoRestorer, "SA_RESTORER not required");
        }
        KernelHeap.Free(context);
        KernelHeap.Free(stack.Buffer);
    }

    private static void MasksActionsQueue(ref TestContext t)
    {
        var process = (ProcessSignals*)KernelHeap.AllocateZeroed((ulong)sizeof(ProcessSignals));
        var thread = (ThreadSignals*)KernelHeap.AllocateZeroed((ulong)sizeof(ThreadSignals));
        if (t.Check(process != null && thread != null, "no memory"))
        {
            t.Equal(0L, thread->SigProcMask(SignalMaskHow.Block, true, SignalSet.Full, 8, out _), "SIG_BLOCK");
            t.Equal(SignalSet.Full & ~SignalSet.Unblockable, thread->Blocked, "SIG_BLOCK all");
            t.Equal(0L, thread->SigProcMask(SignalMaskHow.SetMask, true, 0, 8, out ulong old), "SIG_SETMASK");
            t.Equal(SignalSet.Full & ~SignalSet.Unblockable, old, "old mask");
            t.Equal(-Errno.EINVAL, thread->SigProcMask(7, true, 0, 8, out _), "bad how");
            t.Equal(-Errno.EINVAL, thread->SigProcMask(SignalMaskHow.Block, false, 0, 16, out _), "bad sigsetsize");

            SignalAction handler = SegvAction();
            t.Equal(-Errno.EINVAL, process->SetAction(Signal.SIGKILL, true, handler, 8, out _, out _), "SIGKILL caught");
            t.Equal(0L, process->SetAction(Signal.SIGUSR1, true, handler, 8, out _, out _), "SIGUSR1 caught");

            SignalQueue.SendToProcess(ref *process, thread->Blocked, SignalInfo.FromKill(Signal.SIGUSR1, 1, 0), out _);
            SignalQueue.SendToThread(ref *process, ref *thread, SignalInfo.FromKill(Signal.SIGHUP, 1, 0), out _);
            SignalQueue.Force(ref *process, ref *thread, SignalInfo.FromFault(Signal.SIGSEGV, 1, 0), false);
            t.Check(SignalQueue.Dequeue(ref *process, ref *thread, out SignalInfo info, out _) == SignalDisposition.CoreDump
                && info.Signal == Signal.SIGSEGV, "synchronous SIGSEGV first");
            t.Check(SignalQueue.Dequeue(ref *process, ref *thread, out info, out _) == SignalDisposition.Terminate
                && info.Signal == Signal.SIGHUP, "then the thread's SIGHUP");
            t.Check(SignalQueue.Dequeue(ref *process, ref *thread, out info, out SignalAction action)
                == SignalDisposition.Handler && info.Signal == Signal.SIGUSR1 && action.Handler == Handler,
                "then the process's SIGUSR1, caught");
            t.Check(SignalQueue.Dequeue(ref *process, ref *thread, out _, out _) == SignalDisposition.None, "then none");
            t.Equal(0x8BUL, (ulong)WaitStatus.KilledBy(Signal.SIGSEGV), "wait status of SIGSEGV");
        }
        KernelHeap.Free(process);
        KernelHeap.Free(thread);
    }
}
