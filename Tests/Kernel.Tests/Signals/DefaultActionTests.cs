using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// The default action of each signal against signal(7)'s table, and the wait status words against glibc's
// W* macros, computed by a C helper.
public class DefaultActionTests
{
    // signal(7), "Standard signals" (man-pages 6.03), by name; the numbers come from glibc via gcc.
    private static readonly (string Name, DefaultAction Action)[] SignalSeven =
    {
        ("SIGABRT", DefaultAction.CoreDump), ("SIGALRM", DefaultAction.Terminate), ("SIGBUS", DefaultAction.CoreDump),
        ("SIGCHLD", DefaultAction.Ignore), ("SIGCONT", DefaultAction.Continue), ("SIGFPE", DefaultAction.CoreDump),
        ("SIGHUP", DefaultAction.Terminate), ("SIGILL", DefaultAction.CoreDump), ("SIGINT", DefaultAction.Terminate),
        ("SIGIO", DefaultAction.Terminate), ("SIGKILL", DefaultAction.Terminate), ("SIGPIPE", DefaultAction.Terminate),
        ("SIGPROF", DefaultAction.Terminate), ("SIGPWR", DefaultAction.Terminate), ("SIGQUIT", DefaultAction.CoreDump),
        ("SIGSEGV", DefaultAction.CoreDump), ("SIGSTKFLT", DefaultAction.Terminate), ("SIGSTOP", DefaultAction.Stop),
        ("SIGTSTP", DefaultAction.Stop), ("SIGSYS", DefaultAction.CoreDump), ("SIGTERM", DefaultAction.Terminate),
        ("SIGTRAP", DefaultAction.CoreDump), ("SIGTTIN", DefaultAction.Stop), ("SIGTTOU", DefaultAction.Stop),
        ("SIGURG", DefaultAction.Ignore), ("SIGUSR1", DefaultAction.Terminate), ("SIGUSR2", DefaultAction.Terminate),
        ("SIGVTALRM", DefaultAction.Terminate), ("SIGXCPU", DefaultAction.CoreDump), ("SIGXFSZ", DefaultAction.CoreDump),
        ("SIGWINCH", DefaultAction.Ignore),
    };

    private const string NumbersProbe = """
        #include <signal.h>
        #include <stdio.h>
        #define P(s) printf(#s " %d\n", s)
        int main(void) {
          P(SIGABRT); P(SIGALRM); P(SIGBUS); P(SIGCHLD); P(SIGCONT); P(SIGFPE); P(SIGHUP); P(SIGILL); P(SIGINT);
          P(SIGIO); P(SIGKILL); P(SIGPIPE); P(SIGPROF); P(SIGPWR); P(SIGQUIT); P(SIGSEGV); P(SIGSTKFLT); P(SIGSTOP);
          P(SIGTSTP); P(SIGSYS); P(SIGTERM); P(SIGTRAP); P(SIGTTIN); P(SIGTTOU); P(SIGURG); P(SIGUSR1); P(SIGUSR2);
          P(SIGVTALRM); P(SIGXCPU); P(SIGXFSZ); P(SIGWINCH);
          return 0;
        }
        """;

    // For each status word on the command line: the glibc macros' verdicts.
    private const string WaitProbe = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/wait.h>
        int main(int argc, char **argv) {
          for (int i = 1; i < argc; i++) {
            int s = (int)strtol(argv[i], NULL, 0);
            printf("%d %d %d %d %d %d %d %d %d\n", s, WIFEXITED(s), WIFEXITED(s) ? WEXITSTATUS(s) : -1,
                   WIFSIGNALED(s), WIFSIGNALED(s) ? WTERMSIG(s) : -1, WIFSIGNALED(s) ? WCOREDUMP(s) != 0 : -1,
                   WIFSTOPPED(s), WIFSTOPPED(s) ? WSTOPSIG(s) : -1, WIFCONTINUED(s));
          }
          return 0;
        }
        """;

    [Test]
    public void EveryStandardSignalHasSignalSevensDefaultAction()
    {
        var numbers = CProbe.RunKeyed(CProbe.Build("signal-numbers", NumbersProbe));
        Assert.That(SignalSeven, Has.Length.EqualTo(31), "signals 1..31 all listed");
        foreach (var (name, action) in SignalSeven)
            Assert.That(DefaultActions.Of((int)numbers.Number(name)), Is.EqualTo(action), name);
        for (int rt = Signal.SIGRTMIN; rt <= Signal.SIGRTMAX; rt++)
            Assert.That(DefaultActions.Of(rt), Is.EqualTo(DefaultAction.Terminate), $"real-time {rt}");
    }

    [Test]
    public void KillAndStopCannotBeCaughtBlockedOrIgnored()
    {
        Assert.That(SignalSet.Unblockable, Is.EqualTo(SignalSet.Of(Signal.SIGKILL) | SignalSet.Of(Signal.SIGSTOP)));
        Assert.That(DefaultActions.IgnoredByDefault(Signal.SIGCONT), Is.True, "SIGCONT acts when sent, never when delivered");
        Assert.That(DefaultActions.IgnoredByDefault(Signal.SIGKILL), Is.False);
    }

    [Test]
    public void WaitStatusWordsDecodeAsGlibcsMacrosSay()
    {
        var cases = new List<(int Status, string Expected)>();
        foreach (int code in new[] { 0, 1, 2, 42, 127, 255, 256, -1 })
            cases.Add((WaitStatus.Exited(code), $"1 {code & 0xFF} 0 -1 -1 0 -1 0"));
        for (int s = 1; s <= 64; s++)
        {
            bool core = DefaultActions.Of(s) == DefaultAction.CoreDump;
            cases.Add((WaitStatus.KilledBy(s), $"0 -1 1 {s} {(core ? 1 : 0)} 0 -1 0"));
            cases.Add((WaitStatus.Killed(s, false), $"0 -1 1 {s} 0 0 -1 0"));
            cases.Add((WaitStatus.Killed(s, true), $"0 -1 1 {s} 1 0 -1 0"));
            cases.Add((WaitStatus.Stopped(s), $"0 -1 0 -1 -1 1 {s} 0"));
        }
        cases.Add((WaitStatus.Continued, "0 -1 0 -1 -1 0 -1 1"));

        string program = CProbe.Build("wait-status", WaitProbe);
        string output = Exec.TestPrograms.Run(program, string.Join(' ', cases.Select(c => c.Status.ToString())));
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(cases.Count));
        for (int i = 0; i < cases.Count; i++)
            Assert.That(lines[i], Is.EqualTo($"{cases[i].Status} {cases[i].Expected}"), $"status 0x{cases[i].Status:x}");

        Assert.That(WaitStatus.KilledBy(Signal.SIGSEGV), Is.EqualTo(0x8B), "SIGSEGV: 11 | core");
        Assert.That(WaitStatus.KilledBy(Signal.SIGTERM), Is.EqualTo(15));
        Assert.That(WaitStatus.Exited(3), Is.EqualTo(0x300));
        Assert.That(WaitStatus.Stopped(Signal.SIGSTOP), Is.EqualTo(0x137F));
        Assert.That(WaitStatus.ChildCodeForKill(Signal.SIGABRT), Is.EqualTo(SignalCode.ChildDumped));
        Assert.That(WaitStatus.ChildCodeForKill(Signal.SIGKILL), Is.EqualTo(SignalCode.ChildKilled));
    }
}
