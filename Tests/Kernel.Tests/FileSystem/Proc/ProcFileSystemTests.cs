using Kitten.Kernel.FileSystem;
using Kitten.Kernel.FileSystem.Proc;
using Kitten.Kernel.LinuxAbi;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.E;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem.Proc;

// The procfs tree over a made-up system: what is listed and found, and how directories of processes come
// and go with them (proc(5)).
public class ProcFileSystemTests
{
    private static (FsHarness Fs, FakeProcSource Source) Mounted()
    {
        var fs = FsHarness.OnTmpfs();
        var source = new FakeProcSource();
        FileSystemInstance proc = ProcFileSystem.Create(source, fs.Space.NewAnonymousDevice());
        Assert.That(fs.Space.MountAt(B("/proc"), proc), Is.EqualTo(0));
        return (fs, source);
    }

    private static readonly string[] FixedEntries =
        { "self", "thread-self", "meminfo", "cpuinfo", "stat", "uptime", "loadavg", "version", "filesystems", "mounts", "sys" };

    [Test]
    public void RootListsTheFixedEntriesThenLiveProcessesInPidOrder()
    {
        var (fs, source) = Mounted();
        source.Start(42);
        source.Start(7);
        source.Start(1000);
        // A lookup first makes 1000's directory, before 7's: the listing still comes out by PID.
        Assert.That(fs.Resolve("/proc/1000"), Is.EqualTo(0));
        var names = fs.List("/proc").Select(e => e.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { ".", ".." }.Concat(FixedEntries).Concat(new[] { "7", "42", "1000" })));
        Assert.That(fs.List("/proc").Where(e => e.Name == "7").Single().Type, Is.EqualTo(FileMode.DtDir));
    }

    [Test]
    public void ReapedProcessesLeaveTheListingAndLookupsFail()
    {
        var (fs, source) = Mounted();
        source.Start(5);
        source.Start(6);
        Assert.That(fs.Names("/proc").Where(n => char.IsDigit(n[0])), Is.EqualTo(new[] { "5", "6" }));
        source.Processes.Remove(5);
        Assert.That(fs.Names("/proc").Where(n => char.IsDigit(n[0])), Is.EqualTo(new[] { "6" }));
        Assert.That(fs.Resolve("/proc/5/stat"), Is.EqualTo(ENOENT));
        Assert.That(fs.Resolve("/proc/8"), Is.EqualTo(ENOENT));
        Assert.That(fs.Resolve("/proc/06"), Is.EqualTo(ENOENT), "a leading zero is not a PID");
        Assert.That(fs.Resolve("/proc/6/stat"), Is.EqualTo(0));
    }

    [Test]
    public void ADirectoryHeldOpenFindsNothingOnceItsProcessIsGone()
    {
        var (fs, source) = Mounted();
        source.Start(9);
        var directory = (DirectoryNode)fs.Get("/proc/9");
        directory.Open();
        source.Processes.Remove(9);
        Assert.That(PathResolver.Resolve(fs.Space, directory, B("stat"), true, out _), Is.EqualTo(ENOENT));
        long cookie = 0;
        Assert.That(DirentEncoder.Fill(directory, ref cookie, new byte[256]), Is.EqualTo(ENOENT));
        // A new process with the same PID gets a directory of its own.
        source.Start(9);
        Assert.That(PathResolver.Resolve(fs.Space, directory, B("stat"), true, out _), Is.EqualTo(ENOENT));
        Assert.That(fs.Get("/proc/9"), Is.Not.SameAs(directory));
        directory.Close();
    }

    [Test]
    public void FilesOfAReusedPidDescribeTheNewProcessOrSayItIsGone()
    {
        var (fs, source) = Mounted();
        ulong first = source.Start(3).Identity;
        var stat = (GeneratedFile)fs.Get("/proc/3/stat");
        Assert.That(FakeProcSource.Text(stat), Is.EqualTo($"Stat of 3 thread 3 identity {first}\n"));
        source.Processes.Remove(3);
        ulong second = source.Start(3).Identity;
        var text = new TextBuilder();
        Assert.That(stat.Generate(text), Is.EqualTo(-Errno.ESRCH), "a file opened before the PID was reused");
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/3/stat")), Is.EqualTo($"Stat of 3 thread 3 identity {second}\n"));
    }

    [Test]
    public void ProcessDirectoryHasLinuxsEntries()
    {
        var (fs, source) = Mounted();
        source.Start(12);
        Assert.That(fs.Names("/proc/12"), Is.EquivalentTo(new[]
        {
            "task", "fd", "environ", "status", "comm", "cmdline", "stat", "statm", "maps", "mounts", "mountinfo", "cwd", "root", "exe",
        }));
        Assert.That(fs.Get("/proc/12").Mode & FileMode.PermissionMask, Is.EqualTo(0x16Du), "dr-xr-xr-x");
        Assert.That(fs.Get("/proc/12/fd").Mode & FileMode.PermissionMask, Is.EqualTo(0x140u), "dr-x------");
        Assert.That(fs.Get("/proc/12/environ").Mode & FileMode.PermissionMask, Is.EqualTo(0x100u), "-r--------");
        Assert.That(fs.Get("/proc/12/stat").Mode, Is.EqualTo(FileMode.Regular | 0x124u), "-r--r--r--");
        Assert.That(fs.Get("/proc/12/stat").Size, Is.EqualTo(0UL), "procfs files report size 0");
        Assert.That(fs.Names("/proc/12/task"), Is.EqualTo(new[] { "12" }));
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/12/task/12/status")), Does.StartWith("Status of 12 thread 12"));
        Assert.That(fs.Names("/proc/12/task/12"), Does.Not.Contain("task"));
    }

    [Test]
    public void SelfAndThreadSelfFollowTheCaller()
    {
        var (fs, source) = Mounted();
        source.Start(20);
        source.Start(21);
        source.Caller = 20;
        Assert.That(fs.ReadLink("/proc/self"), Is.EqualTo("20"));
        Assert.That(fs.ReadLink("/proc/thread-self"), Is.EqualTo("20/task/20"));
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/self/comm")), Does.StartWith("Comm of 20"));
        source.Caller = 21;
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/self/comm")), Does.StartWith("Comm of 21"));
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/thread-self/stat")), Does.StartWith("Stat of 21 thread 21"));
        Assert.That(fs.Get("/proc/self", follow: false).Size, Is.EqualTo(0UL));
        source.Caller = 0;
        Assert.That(fs.Resolve("/proc/self"), Is.EqualTo(ENOENT), "a caller that is not a process");
    }

    [Test]
    public void FdListsOpenDescriptorsAsLinks()
    {
        var (fs, source) = Mounted();
        var process = source.Start(30);
        process.Descriptors.Add(7);
        Assert.That(fs.Names("/proc/30/fd"), Is.EqualTo(new[] { "0", "1", "2", "7" }));
        Assert.That(fs.List("/proc/30/fd").Where(e => e.Name == "7").Single().Type, Is.EqualTo(FileMode.DtLnk));
        Assert.That(fs.ReadLink("/proc/30/fd/7"), Is.EqualTo("/dev/fd-7-of-30"));
        process.Descriptors.Remove(1);
        process.Descriptors.Add(10);
        Assert.That(fs.List("/proc/30/fd").Select(e => e.Name).Where(n => n[0] != '.'), Is.EqualTo(new[] { "0", "2", "7", "10" }),
            "listed in numeric order");
        Assert.That(fs.Resolve("/proc/30/fd/1", follow: false), Is.EqualTo(ENOENT));
        Assert.That(PathOperations.ReadLink(fs.Space, fs.Cwd, B("/proc/30/exe"), new byte[64]), Is.EqualTo("/bin/prog".Length));
    }

    [Test]
    public void NothingCanBeCreatedOrRemoved()
    {
        var (fs, source) = Mounted();
        source.Start(4);
        Assert.That(fs.Mkdir("/proc/new"), Is.EqualTo(-Errno.EROFS));
        Assert.That(fs.Unlink("/proc/meminfo"), Is.EqualTo(-Errno.EROFS));
        Assert.That(fs.OpenClose("/proc/4/comm", OpenFlags.WriteOnly), Is.EqualTo(-Errno.EROFS));
        Assert.That(fs.OpenClose("/proc/created", OpenFlags.WriteOnly | OpenFlags.Create), Is.EqualTo(-Errno.EROFS));
        Assert.That(fs.Rmdir("/proc/4"), Is.EqualTo(-Errno.EROFS));
    }

    [Test]
    public void SystemFilesAndMountsLink()
    {
        var (fs, _) = Mounted();
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/meminfo")), Is.EqualTo("Meminfo\n"));
        Assert.That(FakeProcSource.Text((GeneratedFile)fs.Get("/proc/sys/kernel/pid_max")), Is.EqualTo("PidMax\n"));
        Assert.That(fs.ReadLink("/proc/mounts"), Is.EqualTo("self/mounts"));
    }

    // A description's snapshot: made by the first read and by a read at offset 0, kept for the others.
    [Test]
    public void ReadsContinueTheSnapshotUntilARereadFromTheStart()
    {
        var file = new CountingFile(FileSystemInstance.CreateTmpfs(1, 1 << 20, 100));
        TextBuilder snapshot = null;
        var buffer = new byte[4];
        Assert.That(file.ReadSnapshot(ref snapshot, 0, buffer), Is.EqualTo(4));
        Assert.That(S(buffer), Is.EqualTo("gene"));
        Assert.That(file.ReadSnapshot(ref snapshot, 4, buffer), Is.EqualTo(4));
        Assert.That(S(buffer), Is.EqualTo("rati"));
        Assert.That(file.Generations, Is.EqualTo(1));
        Assert.That(file.ReadSnapshot(ref snapshot, 0, buffer), Is.EqualTo(4));
        Assert.That(file.Generations, Is.EqualTo(2));
        Assert.That(file.ReadSnapshot(ref snapshot, 10, buffer), Is.EqualTo(2), "the rest of \"generation 2\"");
        Assert.That(S(buffer.AsSpan(0, 2)), Is.EqualTo(" 2"));
        Assert.That(file.ReadSnapshot(ref snapshot, 12, buffer), Is.EqualTo(0), "the end");
        TextBuilder fresh = null;
        Assert.That(file.ReadSnapshot(ref fresh, 5, buffer), Is.EqualTo(4), "a first read anywhere makes one");
        Assert.That(file.Generations, Is.EqualTo(3));
    }

    private sealed class CountingFile(FileSystemInstance fileSystem) : GeneratedFile(fileSystem, 0x124)
    {
        public int Generations;

        public override int Generate(TextBuilder output)
        {
            Generations++;
            output.Append($"generation {Generations}");
            return 0;
        }
    }
}
