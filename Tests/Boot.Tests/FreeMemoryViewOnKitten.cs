using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The kernel's free-memory view (kitten_memory_view, Kernel/Ipc/IpcMemoryView.cs): one boot on two CPUs of
// Userland/MemoryTests/memory_view.c as the first process, which asks for the view, maps it, reads it in
// the memory manager's layout and checks it against /proc/meminfo, the rights of its grant, its passing in
// a message, and that mappings and handles come and go. Every KTAP line becomes its own test ("kitten
// memory_view.view_describes_free_memory"). The grant and its pages are the kernel's for good: when the
// program ends no IPC object is left and free physical memory is where it was before the program started.
// And the whole way, in C#: servicectl (Services/Tools/ServiceCtl) takes the view through the library
// (IpcSystem.FreeMemoryView) and attaches it to the memory manager the boot started, which maps it and
// reports what it reads there.
public partial class FreeMemoryViewOnKitten
{
    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-userland"));
    private static readonly Lazy<CommandResult> s_run = new(Run);

    private static CommandResult Run()
    {
        if (s_build.Value.ExitCode != 0)
            return new CommandResult(-1, "", $"./kitten build-userland failed:\n{s_build.Value}");
        string program = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "memorytests", "memory_view");
        return KittenCommand.Run("boot", "--smp", "2", "--timeout", "300",
            "--add", $"{program}:/memory/memory_view", "--exec", "/memory/memory_view");
    }

    public static IEnumerable<TestCaseData> Checks()
    {
        var report = KtapReport.Parse(s_run.Value.Output);
        if (report.Results.Count == 0)
            yield return new TestCaseData("(no results)").SetName("kitten memory_view: ran");
        foreach (var result in report.Results)
            yield return new TestCaseData(result.Name).SetName($"kitten {result.Name}");
    }

    [TestCaseSource(nameof(Checks))]
    public void Check(string name)
    {
        var run = s_run.Value;
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"memory_view reported nothing:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}\n{run}");
    }



    // A program that stopped half-way leaves checks unreported: the plan says how many. The kernel's grant
    // is not a leftover of the program, and the view's pages were the kernel's before it started.
    [Test]
    public void RanToTheEndAndLeftNothing()
    {
        var run = s_run.Value;
        var report = KtapReport.Parse(run.Output);
        Assert.That(report.Plan, Is.Not.Null.And.GreaterThan(0).And.EqualTo(report.Results.Count), $"plan and results differ:\n{run}");
        Assert.That(run.ExitCode, Is.EqualTo(0), $"exit status:\n{run}");
        var leftovers = KernelReports.IpcLeftovers().Match(run.Output);
        Assert.That(leftovers.Success, Is.True, $"no IPC report at exit:\n{run}");
        Assert.That((leftovers.Groups[1].Value, leftovers.Groups[2].Value), Is.EqualTo(("0", "0")), "IPC objects and names left");
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.That(memory.Success, Is.True, $"no memory report at exit:\n{run}");
        Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory at exit");
    }

    [GeneratedRegex(@"^memory: the kernel's view shows (\d+) bytes free in (\d+) extents, the largest (\d+) bytes \(MemFree:\s+(\d+) kB just before\)\r?$", RegexOptions.Multiline)]
    private static partial Regex ManagerSaw();

    [Test]
    public void MemoryManagerReadsTheKernelsViewSentByALibraryClient()
    {
        // The image as ./kitten iso makes it (no file added): the kernel starts the supervisor and the
        // contiguous manager.
        var run = KittenCommand.Run("boot", "--timeout", "300", "services", "--exec", "/sbin/servicectl", "view", "memory");
        var saw = ManagerSaw().Match(run.Output);
        Assert.That(saw.Success, Is.True, $"no report from servicectl view:\n{run}");
        ulong free = ulong.Parse(saw.Groups[1].Value), extents = ulong.Parse(saw.Groups[2].Value), largest = ulong.Parse(saw.Groups[3].Value);
        ulong memFree = ulong.Parse(saw.Groups[4].Value) * 1024;
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(extents, Is.GreaterThan(0UL));
            Assert.That(largest, Is.GreaterThan(0UL).And.LessThanOrEqualTo(free));
            Assert.That((double)free, Is.EqualTo((double)memFree).Within(4 << 20), "the manager's free bytes against MemFree");
        });
    }

    // The write that write_to_the_view_faults makes is a page fault in the grant window (504..508 GiB),
    // where grant mappings live, not some other fault.
    [Test]
    public void WriteFaultedInTheGrantWindow()
    {
        var run = s_run.Value;
        var fault = Regex.Match(run.Output, @"killed by signal 11: #PF page fault at rip=0x[0-9a-f]+ address=0x([0-9a-f]+)");
        Assert.That(fault.Success, Is.True, $"no page fault reported:\n{run}");
        ulong address = Convert.ToUInt64(fault.Groups[1].Value, 16);
        Assert.That(address, Is.InRange(504UL << 30, (508UL << 30) - 1), $"fault at 0x{address:x}");
    }
}
