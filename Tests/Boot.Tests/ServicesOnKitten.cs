using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The services of the boot image on the kernel (issue 6; Kernel/Boot/BootServices.cs): the kernel starts
// the supervisor from the "services" boot module, the supervisor starts the memory manager the command
// line chose, and it answers under the name "memory" before the first program runs. servicectl
// (Services/Tools/ServiceCtl) asks the supervisor and the services, over the kernel's IPC.
public partial class ServicesOnKitten
{
    // The image as ./kitten iso makes it: a boot test that added files (a test service under /services)
    // leaves the shared ISO with them, and the kernel would start those too.
    private static CommandResult BootCleanImage(params string[] arguments)
        => KittenCommand.Run(new[] { "boot" }.Concat(arguments).ToArray());

    [GeneratedRegex(@"^(\S+): pid (\d+), restarts (\d+), Running\r?$", RegexOptions.Multiline)]
    private static partial Regex RunningStatus();

    [GeneratedRegex(@"^restart (\d+): memory-contiguous pid (\d+) killed, pid (\d+) answered as 'memory' after (\d+) ticks\r?$", RegexOptions.Multiline)]
    private static partial Regex RestartLine();

    [Test]
    public void MemoryPagedOnTheCommandLineRunsThePagedManagerAndNotTheOther()
    {
        var run = BootCleanImage("--smp", "2", "--timeout", "300", "memory=paged", "--exec", "/bin/sh", "-c",
            "servicectl status memory-paged && servicectl ping memory && ! servicectl status memory-contiguous && servicectl status supervisor; echo status $?");
        Assert.That(run.Output, Does.Contain("services: 'memory' served by memory-paged"), run.ToString());
        var running = RunningStatus().Matches(run.Output);
        Assert.That(running.Count, Is.EqualTo(1), $"memory-paged runs:\n{run}");
        Assert.That(running[0].Groups[1].Value, Is.EqualTo("memory-paged"));
        Assert.That(run.Output, Does.Match(@"memory: answered in \d+ ticks"), run.ToString());
        Assert.That(run.Output, Does.Contain("servicectl: the supervisor runs no service 'memory-contiguous'"), run.ToString());
        // The supervisor is not a service of its own (nobody supervises it but the kernel).
        Assert.That(run.Output, Does.Contain("servicectl: the supervisor runs no service 'supervisor'"), run.ToString());
        Assert.That(run.Output, Does.Contain("status 1"), run.ToString());
        // The first program is still PID 1, although the supervisor started before it (started under the
        // launcher, which execs it in the memory manager's layout: MemoryPlacementOnKitten).
        Assert.That(run.Output, Does.Contain("init: started /sbin/launch as pid 1"), run.ToString());
        Assert.That(run.Output, Does.Match(@"kitten: started /services/supervisor/supervisor as pid [2-9]"), run.ToString());
    }

    [Test]
    public void TheWordServicesChoosesTheFirstPolicyByName()
    {
        var run = BootCleanImage("--timeout", "300", "services", "--exec", "/sbin/servicectl", "status", "memory-contiguous");
        Assert.That(run.Output, Does.Contain("services: 'memory' served by memory-contiguous"), run.ToString());
        Assert.That(RunningStatus().Match(run.Output).Groups[1].Value, Is.EqualTo("memory-contiguous"), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    [Test]
    public void AChoiceTheImageCannotHonourStopsTheBootWithOneLine()
    {
        var run = BootCleanImage("--timeout", "120", "memory=bogus", "--exec", "/bin/true");
        Assert.That(run.Output, Does.Contain("services: memory=bogus: the boot image has no service /services/memory-bogus"), run.ToString());
        Assert.That(run.Output, Does.Not.Contain("init: started"), run.ToString());
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.ToString());
    }

    [Test]
    public void WithoutTheWordNoServiceStartsAndNoModuleIsLoaded()
    {
        var run = BootCleanImage("--timeout", "120", "--exec", "/bin/sh", "-c", "test -e /services; echo services $?");
        Assert.That(run.Output, Does.Not.Contain("supervisor"), run.ToString());
        Assert.That(run.Output, Does.Contain("services 1"), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    // MINIX 3's reincarnation, on the kernel: a killed memory manager is started again by the supervisor,
    // registers "memory" again, and answers; the kernel dropped the dead one's name and endpoint.
    [Test]
    public void TheSupervisorRestartsAKilledMemoryManagerUnderItsName()
    {
        var run = BootCleanImage("--smp", "2", "--timeout", "300", "memory=contiguous", "--exec", "/sbin/servicectl",
            "restart", "memory-contiguous", "memory", "3");
        var restarts = RestartLine().Matches(run.Output);
        Assert.That(restarts.Count, Is.EqualTo(3), run.ToString());
        var pids = restarts.Select(r => int.Parse(r.Groups[3].Value)).Append(int.Parse(restarts[0].Groups[2].Value)).ToList();
        Assert.That(pids.Distinct().Count(), Is.EqualTo(4), $"every restart is a new process:\n{run}");
        Assert.That(run.Output, Does.Contain("restart: 3 kills, 3 answered"), run.ToString());
        Assert.That(run.Output, Does.Contain("memory-contiguous (pid").And.Contain("restart 1 in 10 ms"), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    // The kernel keeps the supervisor (Kernel/Boot/BootServices.Keeper.cs): killed, it is started again, its
    // old services are ended with it, and the new one brings "memory" back under a new process.
    [Test]
    public void TheKernelRestartsAKilledSupervisorAndTheServicesComeBack()
    {
        var run = BootCleanImage("--smp", "2", "--timeout", "300", "services", "--exec", "/bin/sh", "-c",
            "servicectl status memory-contiguous; kill -9 $(pidof supervisor); servicectl status memory-contiguous; servicectl ping memory; echo status $?");
        Assert.That(run.Output, Does.Match(@"services: the supervisor \(pid \d+\) ended; ending its services and starting it again"), run.ToString());
        var statuses = Regex.Matches(run.Output, @"^memory-contiguous: pid (\d+), restarts 0, (Running|Starting)\r?$", RegexOptions.Multiline);
        Assert.That(statuses.Count, Is.EqualTo(2), run.ToString());
        Assert.That(statuses[1].Groups[1].Value, Is.Not.EqualTo(statuses[0].Groups[1].Value), $"a new memory manager:\n{run}");
        Assert.That(Regex.Matches(run.Output, @"kitten: started /services/supervisor/supervisor as pid").Count, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("status 0"), run.ToString());
    }
}
