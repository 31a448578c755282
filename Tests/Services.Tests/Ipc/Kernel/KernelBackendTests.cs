using Kitten.Ipc;
using Kitten.Ipc.Contracts;
using Kitten.Ipc.Kernel;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc.Kernel;

// What of the kernel back end can be checked on a Linux host: how messages are laid out in the six
// message registers (Kernel/Ipc/README.md), and that the system-call stub passes every register through.
// The calls themselves run only on Kitten.Cosmos.
public unsafe class KernelBackendTests
{
    [Test]
    public void AMessageWithoutCapabilityIsHeaderThenWords()
    {
        var message = new Message(0x1234, 10, 20, 30, 40);
        KernelMessage registers;
        MessageCodec.Encode(message, 513, &registers);
        Assert.That(registers.Info, Is.EqualTo(5UL | (0UL << 8) | (513UL << 32)), "5 words, no handle, 513 bytes");
        Assert.That(registers.Words[0], Is.EqualTo(0x1234UL), "the header: the label alone");
        Assert.That(new[] { registers.Words[1], registers.Words[2], registers.Words[3], registers.Words[4], registers.Words[5] },
            Is.EqualTo(new ulong[] { 10, 20, 30, 40, 0 }));

        Span<long> stray = stackalloc long[4];
        Assert.That(MessageCodec.TryDecode(&registers, out Message decoded, stray, out int strays), Is.True);
        Assert.That(strays, Is.Zero);
        Assert.That((decoded.Label, decoded.WordCount, decoded[0], decoded[3]), Is.EqualTo((0x1234UL, 4, 10UL, 40UL)));
        Assert.That(decoded.Capability.Kind, Is.EqualTo(CapabilityKind.None));
    }

    [Test]
    public void ACapabilityGoesFirstAndTheHeaderDescribesIt()
    {
        var message = new Message(ReservedLabels.Connected, 7) { Capability = new Capability(CapabilityKind.Grant, 42, GrantAccess.ReadOnly, 3 * 4096 + 1) };
        KernelMessage registers;
        MessageCodec.Encode(message, 0, &registers);
        Assert.That(registers.Info, Is.EqualTo(3UL | (1UL << 8)), "handle, header, one word; one handle");
        Assert.That(registers.Words[0], Is.EqualTo(42UL), "MR0: the handle (the ABI puts handles first)");
        Assert.That(registers.Words[1], Is.EqualTo(ReservedLabels.Connected | (3UL << 16) | (1UL << 24) | (4UL << 32)),
            "label, kind Grant, access ReadOnly, 4 pages");
        Assert.That(registers.Words[2], Is.EqualTo(7UL));

        // The receiver's handle number replaces the sender's in MR0.
        registers.Words[0] = 9;
        Span<long> stray = stackalloc long[4];
        Assert.That(MessageCodec.TryDecode(&registers, out Message decoded, stray, out _), Is.True);
        Assert.That(decoded.Capability, Is.EqualTo(new Capability(CapabilityKind.Grant, 9, GrantAccess.ReadOnly, 4 * 4096)));
        Assert.That((decoded.Label, decoded.WordCount, decoded[0]), Is.EqualTo((ReservedLabels.Connected, 1, 7UL)));
    }

    [Test]
    public void ForeignMessagesAreRefusedAndTheirHandlesReturnedForClosing()
    {
        Span<long> stray = stackalloc long[4];
        var twoHandles = new KernelMessage { Info = KittenIpcAbi.Info(4, 2, 0) };
        twoHandles.Words[0] = 5;
        twoHandles.Words[1] = 6;
        Assert.That(MessageCodec.TryDecode(&twoHandles, out _, stray, out int count), Is.False);
        Assert.That(stray[..count].ToArray(), Is.EqualTo(new long[] { 5, 6 }));

        var handleWithoutKind = new KernelMessage { Info = KittenIpcAbi.Info(2, 1, 0) };
        handleWithoutKind.Words[0] = 8;
        handleWithoutKind.Words[1] = 0x10;     // label 0x10, kind None: the header contradicts the handle count
        Assert.That(MessageCodec.TryDecode(&handleWithoutKind, out _, stray, out count), Is.False);
        Assert.That(stray[..count].ToArray(), Is.EqualTo(new long[] { 8 }));

        var empty = new KernelMessage { Info = 0 };
        Assert.That(MessageCodec.TryDecode(&empty, out _, stray, out count), Is.False, "no header word");

        var lost = new KernelMessage { Info = KittenIpcAbi.Info(2, 1, 0) | KittenIpcAbi.InfoHandleLost };
        lost.Words[1] = 0x10 | (2UL << 16);
        Assert.That(MessageCodec.TryDecode(&lost, out Message decoded, stray, out count), Is.True, "a lost handle drops only the capability");
        Assert.That((decoded.Label, decoded.Capability.Kind), Is.EqualTo((0x10UL, CapabilityKind.None)));
    }

    // On Linux, number 1024 is no system call: ENOSYS, with every register but RAX, RCX and R11 as it was
    // (Intel SDM vol. 2B, SYSCALL; Linux restores the rest). So what the stub loaded comes back in the
    // message, and RDI (the handle going in) comes back as the badge.
    [Test]
    public void TheStubLoadsAndStoresEveryRegister()
    {
        if (IpcSystem.RunningOnKitten())
            Assert.Ignore("on Kitten.Cosmos 1024 is a real call");
        var message = new KernelMessage { Info = 0x1111 };
        for (int i = 0; i < KittenIpcAbi.Words; i++)
            message.Words[i] = 0xA0A0_0000_0000_0000UL + (ulong)i;
        byte* buffer = stackalloc byte[16];
        long result = IpcTrap.Invoke(KittenIpcAbi.Call, 0x77, &message, 123, buffer, 16);
        Assert.That(result, Is.EqualTo(-KittenIpcAbi.ENOSYS));
        Assert.That(message.Info, Is.EqualTo(0x1111UL), "RSI");
        Assert.That(message.Badge, Is.EqualTo(0x77UL), "RDI");
        for (int i = 0; i < KittenIpcAbi.Words; i++)
            Assert.That(message.Words[i], Is.EqualTo(0xA0A0_0000_0000_0000UL + (ulong)i), $"MR{i}");

        Assert.That(IpcTrap.Invoke(39), Is.EqualTo(Environment.ProcessId), "getpid through the same stub");
        Assert.That(IpcTrap.Invoke(KittenIpcAbi.EndpointCreate), Is.EqualTo(-KittenIpcAbi.ENOSYS));
    }

    [Test]
    public void TimeoutsBecomeNanosecondsForeverOrZero()
    {
        Assert.That(KittenIpcAbi.Timeout(new Deadline(Timeout.InfiniteTimeSpan)), Is.EqualTo(KittenIpcAbi.Forever));
        Assert.That(KittenIpcAbi.Timeout(new Deadline(TimeSpan.Zero)), Is.EqualTo(0UL));
        ulong second = KittenIpcAbi.Timeout(new Deadline(TimeSpan.FromSeconds(1)));
        Assert.That(second, Is.InRange(900_000_000UL, 1_000_000_000UL));
    }

    [Test]
    public void OnThisHostTheHostBackEndIsChosen()
    {
        if (IpcSystem.RunningOnKitten())
            Assert.Ignore("running on Kitten.Cosmos");
        string directory = Path.Combine(Path.GetTempPath(), $"kitten-ipc-choice-{Environment.ProcessId}");
        try
        {
            using var system = IpcSystem.Open(new IpcOptions { Directory = directory, IgnoreEnvironment = true });
            Assert.That(system.Backend, Is.EqualTo(IpcBackend.Host));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
