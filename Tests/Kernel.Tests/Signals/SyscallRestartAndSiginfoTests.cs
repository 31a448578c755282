using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// System call restart around a signal, and the siginfo layouts a handler receives.
public unsafe class SyscallRestartAndSiginfoTests
{
    private static SignalAction Caught(ulong flags)
        => new() { Handler = 0x401000, Flags = flags | SignalActionFlags.Restorer, Restorer = 0x402000 };

    [TestCase(-RestartErrno.RestartSys, false, true, -Errno.EINTR, 0)]
    [TestCase(-RestartErrno.RestartSys, true, true, 7, 2)]
    [TestCase(-RestartErrno.RestartNoIntr, false, true, 7, 2)]
    [TestCase(-RestartErrno.RestartNoHand, true, true, -Errno.EINTR, 0)]
    [TestCase(-RestartErrno.RestartBlock, true, true, -Errno.EINTR, 0)]
    [TestCase(-Errno.EAGAIN, true, true, -Errno.EAGAIN, 0)]
    [TestCase(-RestartErrno.RestartNoHand, false, false, 7, 2)]
    [TestCase(-RestartErrno.RestartSys, false, false, 7, 2)]
    [TestCase(-RestartErrno.RestartBlock, false, false, 219, 2)]
    [TestCase(-Errno.EINTR, false, false, -Errno.EINTR, 0)]
    public void SystemCallRestart(long result, bool saRestart, bool handler, long expectedRax, int ripBack)
    {
        using var context = new NativeContext();
        context.Pointer->Rax = (ulong)result;
        context.Pointer->Rip = 0x401002;
        SignalAction action = Caught(saRestart ? SignalActionFlags.Restart : 0);
        if (handler)
            Kitten.Kernel.Signals.SyscallRestart.BeforeHandler(context.Pointer, 7, action);
        else
            Kitten.Kernel.Signals.SyscallRestart.WithoutHandler(context.Pointer, 7);
        Assert.That((long)context.Pointer->Rax, Is.EqualTo(expectedRax));
        Assert.That(context.Pointer->Rip, Is.EqualTo(0x401002UL - (ulong)ripBack));

        context.Pointer->Rax = unchecked((ulong)-RestartErrno.RestartSys);
        Kitten.Kernel.Signals.SyscallRestart.WithoutHandler(context.Pointer, -1);
        Assert.That((long)context.Pointer->Rax, Is.EqualTo(-RestartErrno.RestartSys), "not a system call: untouched");
    }

    [Test]
    public void SiginfoLayoutsFollowTheSignalAndCode()
    {
        UserSignalInfo u = default;
        SignalInfo.FromFault(Signal.SIGSEGV, SignalCode.SegvAccessError, 0x1234_5678_9ABC).WriteTo(ref u);
        Assert.That((u.Signal, u.Code, u.Address), Is.EqualTo((Signal.SIGSEGV, 2, 0x1234_5678_9ABCUL)));
        SignalInfo.FromKernel(Signal.SIGSEGV).WriteTo(ref u);
        Assert.That((u.Code, u.Address), Is.EqualTo((0x80, 0UL)), "#GP: SI_KERNEL, no address");
        SignalInfo.FromThreadKill(40, 123, 1000).WriteTo(ref u);
        Assert.That((u.Code, u.Pid, u.Uid, u.Value), Is.EqualTo((-6, 123, 1000u, 0UL)));
        SignalInfo.FromChild(SignalCode.ChildExited, 55, 1000, 3, 10, 20).WriteTo(ref u);
        Assert.That((u.Signal, u.Code, u.Pid, u.Uid, u.Status, u.UserTime, u.SystemTime),
            Is.EqualTo((Signal.SIGCHLD, 1, 55, 1000u, 3, 10L, 20L)));
        var raw = new byte[128];
        fixed (byte* p = raw)
        {
            *(UserSignalInfo*)p = u;
            Assert.That(raw[48..], Is.All.EqualTo(0));
        }
    }

    [Test]
    public void TheContextTypeIsTheKernels()
    {
        // The frame code works on the kernel's own register layout (interrupts.asm, syscall.asm).
        Assert.That(sizeof(InterruptContext), Is.EqualTo(512 + 22 * 8));
    }
}
