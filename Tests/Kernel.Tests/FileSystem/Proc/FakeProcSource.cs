using System.Text;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.FileSystem.Proc;
using Kitten.Kernel.LinuxAbi;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.FileSystem.Proc;

// A made-up system for the procfs tree: processes by PID with an identity, their open descriptors, and the
// caller. Files describe the process they were asked about, so a test can see which one answered.
internal sealed class FakeProcSource : ProcSource
{
    public sealed class FakeProcess
    {
        public ulong Identity;
        public SortedSet<int> Descriptors = new() { 0, 1, 2 };
        public string Exe = "/bin/prog";
    }

    public readonly SortedDictionary<int, FakeProcess> Processes = new();
    public int Caller;
    private ulong _nextIdentity = 100;

    public FakeProcess Start(int pid)
    {
        var process = new FakeProcess { Identity = _nextIdentity++ };
        Processes[pid] = process;
        return process;
    }

    public override int CurrentPid => Caller;
    public override int CurrentTid => Caller;

    public override ulong IdentityOf(int pid) => Processes.TryGetValue(pid, out var p) ? p.Identity : 0;

    public override int NextPid(int pid) => Processes.Keys.FirstOrDefault(k => k > pid);

    public override int NextThread(int pid, ulong identity, int tid) => tid < pid && IdentityOf(pid) == identity ? pid : 0;

    public override int NextFileDescriptor(int pid, ulong identity, int fd)
        => IdentityOf(pid) == identity ? Processes[pid].Descriptors.Where(d => d > fd).DefaultIfEmpty(-1).First() : -1;

    public override int WriteProcessFile(ProcessFileKind kind, int pid, ulong identity, int tid, TextBuilder output)
    {
        if (IdentityOf(pid) != identity)
            return -Errno.ESRCH;
        output.Append($"{kind} of {pid} thread {tid} identity {identity}\n");
        return 0;
    }

    public override int WriteProcessLink(ProcessLinkKind kind, int pid, ulong identity, int number, TextBuilder output)
    {
        if (IdentityOf(pid) != identity)
            return -Errno.ENOENT;
        switch (kind)
        {
            case ProcessLinkKind.Exe:
                output.Append(Processes[pid].Exe);
                return 0;
            case ProcessLinkKind.FileDescriptor:
                if (!Processes[pid].Descriptors.Contains(number))
                    return -Errno.ENOENT;
                output.Append($"/dev/fd-{number}-of-{pid}");
                return 0;
            default:
                output.Append("/");
                return 0;
        }
    }

    public override int WriteSystemFile(SystemFileKind kind, TextBuilder output)
    {
        output.Append($"{kind}\n");
        return 0;
    }

    public static string Text(GeneratedFile file)
    {
        var text = new TextBuilder();
        int status = file.Generate(text);
        Assert.That(status, Is.EqualTo(0));
        return Encoding.ASCII.GetString(text.Text);
    }
}
