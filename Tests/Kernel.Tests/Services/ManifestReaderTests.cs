using System.Text;
using Kitten.Kernel.Ipc;
using Kitten.Kernel.Services;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Services.ManifestText;

namespace Kitten.Kernel.Tests.Services;

public class ManifestReaderTests
{
    private const int Mkdir = 83, Futex = 202, Openat = 257, Execve = 59, Clone3 = 435;

    [Test]
    public void ReadsEveryKey()
    {
        ServicePolicy policy = Read("""
            # a comment line
            service memory-paged      # a comment after words
            binary ../bin/memory-paged
            args --policy paged
            offers memory MemoryManager/1
            offers memory.debug Debug/2
            peers supervisor
            peers pct supervisor
            calls ipc.receive	ipc.register
            calls ipc.map
            syscalls futex openat
            device ioport 0x3f8-0x3ff
            device irq 4
            heartbeat 200 1000
            restart 10 1000 500
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Name(policy.Service), Is.EqualTo("memory-paged"));
            Assert.That(Name(policy.Binary), Is.EqualTo("../bin/memory-paged"));
            Assert.That(policy.OfferCount, Is.EqualTo(2));
            Assert.That(policy.OffersName("memory"u8), Is.True);
            Assert.That(policy.OffersName("memory.debug"u8), Is.True);
            Assert.That(policy.OffersName("supervisor"u8), Is.False);
            Assert.That(policy.PeerCount, Is.EqualTo(2), "a repeated peer counts once");
            Assert.That(policy.HasPeer("pct"u8) && policy.HasPeer("supervisor"u8), Is.True);
            Assert.That(policy.HasPeer("memory"u8), Is.False);
            Assert.That(policy.Calls, Is.EqualTo(IpcCallWords.Receive | IpcCallWords.Register | IpcCallWords.Map));
            Assert.That(policy.DeviceCount, Is.EqualTo(2));
            Assert.That(policy.AllowsSyscall(Futex) && policy.AllowsSyscall(Openat), Is.True);
            Assert.That(policy.AllowsSyscall(Mkdir) || policy.AllowsSyscall(Clone3), Is.False, "only what is named");
        });
    }

    // A process may always end, whatever its manifest says.
    [Test]
    public void ExitIsAlwaysAllowed()
    {
        ServicePolicy policy = Read("service s\nbinary s\n");
        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowsSyscall(ServicePolicy.Exit), Is.True);
            Assert.That(policy.AllowsSyscall(ServicePolicy.ExitGroup), Is.True);
            Assert.That(policy.AllowsSyscall(0), Is.False, "read");
            Assert.That(policy.AllowsSyscall(Execve), Is.False);
        });
    }

    [Test]
    public void RuntimeGroupAddsItsCallsAndNamesAddMore()
    {
        ServicePolicy policy = Read("service s\nbinary s\nsyscalls runtime\nsyscalls execve\n");
        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowsSyscall(Clone3) && policy.AllowsSyscall(Futex), Is.True);
            Assert.That(policy.AllowsSyscall(Execve), Is.True);
            Assert.That(policy.AllowsSyscall(Mkdir), Is.False);
        });
    }

    // Numbers beyond Linux's table and outside Kitten's range are never allowed; Kitten's calls follow `calls`.
    [Test]
    public void NumbersOutsideBothRangesAreRefused()
    {
        ServicePolicy policy = Read("service s\nbinary s\nsyscalls runtime\ncalls ipc.call\n");
        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowsSyscall(511), Is.False);
            Assert.That(policy.AllowsSyscall(600), Is.False);
            Assert.That(policy.AllowsSyscall(0x40000000), Is.False, "x32");
            Assert.That(policy.AllowsSyscall(IpcSyscalls.Call), Is.True);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.Close), Is.True);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.Receive), Is.False);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.First + 64), Is.False);
        });
    }

    // The reason, the line (0: the file as a whole) and the word at fault.
    [TestCase("binary s\n", 0, "no 'service' line", "")]
    [TestCase("service s\n", 0, "no 'binary' line", "")]
    [TestCase("service s\nbinary s\nservice t\n", 3, "'service' given twice", "service")]
    [TestCase("service s t\nbinary s\n", 1, "'service' takes one value", "service")]
    [TestCase("service .hidden\nbinary s\n", 1, "service name", ".hidden")]
    [TestCase("service a/b\nbinary s\n", 1, "service name", "a/b")]
    [TestCase("service abcdefghijklmnopqrstuvwxyz0123456\nbinary s\n", 1, "service name", "abcdefghijklmnopqrstuvwxyz0123456")]
    [TestCase("service s\nbinary s\nbinary t\n", 3, "'binary' given twice", "binary")]
    [TestCase("service s\nbinary\n", 2, "'binary' takes one value", "binary")]
    [TestCase("service s\nbinary s\noffers memory\n", 3, "offers NAME CONTRACT/VERSION", "offers")]
    [TestCase("service s\nbinary s\noffers memory MemoryManager\n", 3, "contract", "MemoryManager")]
    [TestCase("service s\nbinary s\noffers memory MemoryManager/x\n", 3, "contract", "MemoryManager/x")]
    [TestCase("service s\nbinary s\noffers memory A/1\noffers memory B/1\n", 4, "channel offered twice", "memory")]
    [TestCase("service s\nbinary s\npeers ok bad!\n", 3, "peer name", "bad!")]
    [TestCase("service s\nbinary s\ncalls ipc.receive ipc.everything\n", 3, "unknown kernel call", "ipc.everything")]
    [TestCase("service s\nbinary s\n\n\nsyscalls runtime frobnicate\n", 5, "unknown system call", "frobnicate")]
    [TestCase("service s\nbinary s\nsyscalls unknown\n", 3, "unknown system call", "unknown")]
    [TestCase("service s\nbinary s\ndevice ioport\n", 3, "device KIND", "device")]
    [TestCase("service s\nbinary s\ndevice dma 1\n", 3, "device kind", "dma")]
    [TestCase("service s\nbinary s\ndevice ioport 0x3ff-0x3f8\n", 3, "device range", "0x3ff-0x3f8")]
    [TestCase("service s\nbinary s\ndevice ioport 0x10000\n", 3, "beyond", "0x10000")]
    [TestCase("service s\nbinary s\ndevice irq 256\n", 3, "beyond", "256")]
    [TestCase("service s\nbinary s\ndevice mmio 0xfee00000-\n", 3, "device range", "0xfee00000-")]
    [TestCase("service s\nbinary s\nheartbeat 200\n", 3, "heartbeat", "heartbeat")]
    [TestCase("service s\nbinary s\nheartbeat 200 100\n", 3, "heartbeat", "100")]
    [TestCase("service s\nbinary s\nheartbeat 0 100\n", 3, "heartbeat", "0")]
    [TestCase("service s\nbinary s\nheartbeat 200 1000\nheartbeat 200 1000\n", 4, "'heartbeat' given twice", "heartbeat")]
    [TestCase("service s\nbinary s\nrestart 10 5 100\n", 3, "restart", "5")]
    [TestCase("service s\nbinary s\nrestart 10 20 -1\n", 3, "restart", "-1")]
    [TestCase("service s\nbinary s\nargs a\nargs b\n", 4, "'args' given twice", "args")]
    [TestCase("service s\nbinary s\npolicy strict\n", 3, "unknown key", "policy")]
    public void RefusesWithLineReasonAndWord(string text, int line, string reason, string word)
    {
        ServicePolicy policy = Read(text, out ManifestError error);
        Assert.That(policy, Is.Null);
        Assert.Multiple(() =>
        {
            Assert.That(error.Line, Is.EqualTo(line), "line");
            Assert.That(error.Reason, Does.StartWith(reason).Or.Contain(reason), "reason");
            Assert.That(Word(text, error), Is.EqualTo(word), "word");
        });
    }

    [Test]
    public void CarriageReturnsTabsAndAMissingFinalNewlineAreFine()
    {
        ServicePolicy policy = Read("service\ts\r\nbinary  s\r\noffers x X/1");
        Assert.Multiple(() =>
        {
            Assert.That(Name(policy.Service), Is.EqualTo("s"));
            Assert.That(policy.OffersName("x"u8), Is.True);
        });
    }

    [Test]
    public void MoreNamesThanAPolicyHoldsAreRefused()
    {
        string peers = string.Join(' ', Enumerable.Range(0, ServicePolicy.MaxNames + 1).Select(i => $"p{i}"));
        Assert.That(Read($"service s\nbinary s\npeers {peers}\n", out ManifestError error), Is.Null);
        Assert.That(error.Reason, Does.Contain("more than 16 peers"));
    }

    // The repository's manifests are the ones the kernel reads at boot: each must be accepted as it is.
    [TestCase("Services/Supervisor/supervisor.manifest", "supervisor")]
    [TestCase("Services/MemoryManager/Paged/memory-paged.manifest", "memory-paged")]
    [TestCase("Services/MemoryManager/Contiguous/memory-contiguous.manifest", "memory-contiguous")]
    [TestCase("Userland/ServiceTests/probe.manifest", "probe")]
    public void RepositoryManifestsAreAccepted(string path, string service)
    {
        ServicePolicy policy = Read(File.ReadAllText(RepositoryFile(path.Split('/'))));
        Assert.That(Name(policy.Service), Is.EqualTo(service));
    }

    // How a service finds the supervisor on the kernel is a name lookup (Services/Ipc/Kernel/KernelIpcSystem,
    // ConnectAddress): the memory managers' manifests must allow it, or the kernel refuses their registration.
    [TestCase("Services/MemoryManager/Paged/memory-paged.manifest")]
    [TestCase("Services/MemoryManager/Contiguous/memory-contiguous.manifest")]
    public void MemoryManagersMayFindTheSupervisorAndServeMemory(string path)
    {
        ServicePolicy policy = Read(File.ReadAllText(RepositoryFile(path.Split('/'))));
        Assert.Multiple(() =>
        {
            Assert.That(policy.AllowsSyscall(IpcSyscalls.NameLookup), Is.True, "NAME_LOOKUP");
            Assert.That(policy.HasPeer("supervisor"u8), Is.True);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.Call), Is.True, "CALL (the supervisor's approval)");
            Assert.That(policy.AllowsSyscall(IpcSyscalls.NameRegister) && policy.OffersName("memory"u8), Is.True);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.GrantMap), Is.True);
            Assert.That(policy.AllowsSyscall(IpcSyscalls.GrantCreate), Is.False);
        });
    }

    // The supervisor starts services with .NET's Process.Start: vfork (or clone), execve, and reaps them.
    [Test]
    public void SupervisorMayStartAndReapProcesses()
    {
        ServicePolicy policy = Read(File.ReadAllText(RepositoryFile("Services", "Supervisor", "supervisor.manifest")));
        foreach (string name in new[] { "vfork", "clone", "clone3", "execve", "wait4", "waitid", "kill", "pipe2", "dup2" })
            Assert.That(policy.AllowsSyscall((ulong)LinuxSyscallNumbers.Find(Encoding.ASCII.GetBytes(name))), Is.True, name);
    }
}
