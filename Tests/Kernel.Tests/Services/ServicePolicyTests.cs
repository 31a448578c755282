using System.Text;
using Kitten.Kernel.Ipc;
using Kitten.Kernel.Services;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Services.ManifestText;

namespace Kitten.Kernel.Tests.Services;

public class ServicePolicyTests
{
    private static readonly string[] RuntimeNames = RuntimeSyscalls.Names.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public void EveryNameOfTheRuntimeGroupIsALinuxSystemCallOnce()
    {
        Assert.That(RuntimeNames, Is.Unique);
        foreach (string name in RuntimeNames)
            Assert.That(LinuxSyscallNumbers.Find(Encoding.ASCII.GetBytes(name)), Is.GreaterThanOrEqualTo(0), name);
    }

    // What NativeAOT programs were seen to call on this kernel (strace of RuntimeTests on 4 CPUs) and the
    // services on a Linux host (strace -f of the supervisor running memory-paged), less sockets, the file
    // tree's changes and starting processes.
    private static readonly string[] Observed =
    {
        "clock_gettime", "sched_yield", "futex", "madvise", "mprotect", "rt_sigprocmask", "rt_sigreturn", "clock_nanosleep",
        "getpid", "read", "gettid", "getcpu", "openat", "close", "newfstatat", "getrusage", "prlimit64", "mmap", "tgkill",
        "sched_getaffinity", "set_robust_list", "clone3", "prctl", "membarrier", "write", "munmap", "sysinfo", "rt_sigaction",
        "pread64", "ioctl", "fstat", "brk", "lstat", "flock", "fcntl", "statfs", "geteuid", "uname", "time", "stat",
        "set_tid_address", "rseq", "readlink", "pipe2", "getrandom", "get_mempolicy", "arch_prctl", "poll", "exit",
        "exit_group", "getdents64", "getcwd", "access", "restart_syscall",
    };

    [TestCaseSource(nameof(Observed))]
    public void RuntimeGroupHasWhatTheRuntimeWasSeenToCall(string name) => Assert.That(RuntimeNames, Does.Contain(name));

    // Starting programs and changing the file tree are not the runtime's: a manifest names them.
    [TestCase("execve")]
    [TestCase("fork")]
    [TestCase("vfork")]
    [TestCase("wait4")]
    [TestCase("kill")]
    [TestCase("mkdir")]
    [TestCase("unlink")]
    [TestCase("socket")]
    [TestCase("ptrace")]
    public void RuntimeGroupLeavesOut(string name) => Assert.That(RuntimeNames, Does.Not.Contain(name));

    [TestCase("read", 0)]
    [TestCase("mkdir", 83)]
    [TestCase("clone3", 435)]
    [TestCase("set_mempolicy_home_node", 450)]
    [TestCase("frobnicate", -1)]
    [TestCase("unknown", -1)]
    [TestCase("", -1)]
    public void FindsSystemCallsByName(string name, int number) => Assert.That(LinuxSyscallNumbers.Find(Encoding.ASCII.GetBytes(name)), Is.EqualTo(number));

    // Each word opens exactly its calls (and the ones always allowed); README's table of the mapping.
    [TestCase("ipc.call", new[] { IpcSyscalls.Call, IpcSyscalls.Send, IpcSyscalls.Mint })]
    [TestCase("ipc.receive", new[] { IpcSyscalls.EndpointCreate, IpcSyscalls.Receive, IpcSyscalls.Reply, IpcSyscalls.ReplyReceive, IpcSyscalls.SaveReply, IpcSyscalls.Mint })]
    [TestCase("ipc.notify", new[] { IpcSyscalls.NotificationCreate, IpcSyscalls.Signal, IpcSyscalls.Wait })]
    [TestCase("ipc.grant", new[] { IpcSyscalls.GrantCreate, IpcSyscalls.GrantRevoke })]
    [TestCase("ipc.map", new[] { IpcSyscalls.GrantMap, IpcSyscalls.GrantUnmap })]
    [TestCase("ipc.register", new[] { IpcSyscalls.NameRegister, IpcSyscalls.NameUnregister })]
    [TestCase("ipc.lookup", new[] { IpcSyscalls.NameLookup })]
    [TestCase("memory.view", new[] { IpcSyscalls.MemoryView })]
    [TestCase("exec_placed", new[] { IpcSyscalls.ExecPlaced })]
    public void EachCallsWordOpensItsCalls(string word, int[] opened)
    {
        ServicePolicy policy = Read($"service s\nbinary s\ncalls {word}\n");
        int[] always = { IpcSyscalls.Close, IpcSyscalls.Identify };
        for (int number = IpcSyscalls.Call; number <= IpcSyscalls.ExecPlaced; number++)
        {
            bool expected = opened.Contains(number) || always.Contains(number);
            Assert.That(policy.AllowsSyscall((ulong)number), Is.EqualTo(expected), $"{word}: {IpcSyscalls.NameOf(number)}");
        }
    }

    [Test]
    public void NoCallsLineLeavesOnlyCloseAndIdentify()
    {
        ServicePolicy policy = Read("service s\nbinary s\n");
        var allowed = Enumerable.Range(IpcSyscalls.Call, IpcSyscalls.ExecPlaced - IpcSyscalls.Call + 1)
            .Where(number => policy.AllowsSyscall((ulong)number)).ToArray();
        Assert.That(allowed, Is.EquivalentTo(new[] { IpcSyscalls.Close, IpcSyscalls.Identify }));
    }

    // The words are the library's (Services/Ipc/KernelCall.cs): every one it knows, the kernel knows.
    [Test]
    public void KernelKnowsEveryWordTheLibraryKnows()
    {
        foreach (global::Kitten.Ipc.KernelCall call in Enum.GetValues<global::Kitten.Ipc.KernelCall>())
        {
            string word = global::Kitten.Ipc.KernelCalls.NameOf(call);
            Assert.That(IpcCallWords.Parse(Encoding.ASCII.GetBytes(word)), Is.Not.Zero, word);
        }
    }

    // The unsafe test the system call path uses agrees with the policy's own.
    [Test]
    public unsafe void BitmapTestOnTheAddressAgrees()
    {
        ServicePolicy policy = Read("service s\nbinary s\nsyscalls runtime\ncalls ipc.call ipc.lookup\n");
        fixed (ulong* bitmap = policy.Allowed)
        {
            for (ulong number = 0; number < 1200; number++)
                Assert.That(ServicePolicy.Test(bitmap, number), Is.EqualTo(policy.AllowsSyscall(number)), $"{number}");
        }
    }
}
