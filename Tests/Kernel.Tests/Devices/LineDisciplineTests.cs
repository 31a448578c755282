using System.Text;
using Kitten.Kernel.Devices;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Devices;

public class LineDisciplineTests
{
    private sealed class Terminal
    {
        public LineDiscipline Discipline;
        public readonly List<TerminalSignal> Signals = new();

        public Terminal() => Discipline.Initialize();

        public void Type(string text)
        {
            foreach (var c in Encoding.ASCII.GetBytes(text))
            {
                var signal = Discipline.Receive(c);
                if (signal != TerminalSignal.None)
                    Signals.Add(signal);
            }
        }

        public string Read(int max = 256)
        {
            var buffer = new byte[max];
            int n = Discipline.Read(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }

        public string Echoed()
        {
            var buffer = new byte[1024];
            int n = Discipline.DrainEcho(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }

        public void SetRaw()
        {
            Discipline.Settings.LocalFlags &= ~(Termios.ICANON | Termios.ECHO);
        }
    }

    [Test]
    public void CanonicalModeDeliversWholeLines()
    {
        var t = new Terminal();
        t.Type("ls -l");
        Assert.That(t.Discipline.CanRead, Is.False, "a partial line is readable");
        t.Type("\r");
        Assert.That(t.Discipline.CanRead, Is.True);
        Assert.That(t.Read(), Is.EqualTo("ls -l\n"), "CR becomes NL (ICRNL)");
        Assert.That(t.Echoed(), Is.EqualTo("ls -l\r\n"), "echo with NL as CR NL (ONLCR)");
    }

    [Test]
    public void OneReadReturnsAtMostOneLine()
    {
        var t = new Terminal();
        t.Type("one\ntwo\n");
        Assert.That(t.Read(), Is.EqualTo("one\n"));
        Assert.That(t.Read(), Is.EqualTo("two\n"));
        Assert.That(t.Discipline.CanRead, Is.False);
    }

    [Test]
    public void ShortReadsSplitALine()
    {
        var t = new Terminal();
        t.Type("abcdef\n");
        Assert.That(t.Read(4), Is.EqualTo("abcd"));
        Assert.That(t.Read(4), Is.EqualTo("ef\n"));
    }

    [Test]
    public void EraseKillAndWordErase()
    {
        var t = new Terminal();
        t.Type("hell\x7f\x7fllo wor\x17world\n");
        Assert.That(t.Read(), Is.EqualTo("hello world\n"));
        t.Echoed();
        t.Type("garbage\x15ok\n");
        Assert.That(t.Read(), Is.EqualTo("ok\n"));
        Assert.That(t.Echoed(), Does.Contain("\b \b"), "erase is echoed as backspace, space, backspace");
    }

    [Test]
    public void BackspaceOnEmptyLineDoesNothing()
    {
        var t = new Terminal();
        t.Type("\x7f\x7fx\n");
        Assert.That(t.Read(), Is.EqualTo("x\n"));
        Assert.That(t.Echoed(), Is.EqualTo("x\r\n"));
    }

    [Test]
    public void ControlDOnAnEmptyLineIsEndOfFile()
    {
        var t = new Terminal();
        t.Type("\x04");
        Assert.That(t.Discipline.CanRead, Is.True);
        Assert.That(t.Read(), Is.EqualTo(""));
        t.Type("abc\x04");
        Assert.That(t.Read(), Is.EqualTo("abc"), "^D after text ends the line without a newline");
    }

    [Test]
    public void ControlCRaisesInterruptAndDropsTheLine()
    {
        var t = new Terminal();
        t.Type("sleep 100\x03");
        Assert.That(t.Signals, Is.EqualTo(new[] { TerminalSignal.Interrupt }));
        Assert.That(t.Discipline.CanRead, Is.False);
        Assert.That(t.Echoed(), Does.EndWith("^C\r\n"));
        t.Type("\x1c\x1a");
        Assert.That(t.Signals, Is.EqualTo(new[] { TerminalSignal.Interrupt, TerminalSignal.Quit, TerminalSignal.Stop }));
    }

    [Test]
    public void RawModePassesBytesThroughAndStillSignals()
    {
        var t = new Terminal();
        t.SetRaw();
        t.Type("a\x7f\x1b[A");
        Assert.That(t.Read(), Is.EqualTo("a\x7f\x1b[A"));
        Assert.That(t.Echoed(), Is.Empty);
        t.Type("\x03");
        Assert.That(t.Signals, Has.Count.EqualTo(1), "ISIG works without ICANON");
    }

    [Test]
    public void WithoutIsigControlCIsData()
    {
        var t = new Terminal();
        t.SetRaw();
        t.Discipline.Settings.LocalFlags &= ~Termios.ISIG;
        t.Type("\x03");
        Assert.That(t.Signals, Is.Empty);
        Assert.That(t.Read(), Is.EqualTo("\x03"));
    }

    [Test]
    public void OutputTranslatesNewlinesUnlessRaw()
    {
        var t = new Terminal();
        var output = new byte[64];
        int consumed = t.Discipline.ProcessOutput("a\nb\n"u8, output, out int produced);
        Assert.That(consumed, Is.EqualTo(4));
        Assert.That(Encoding.ASCII.GetString(output, 0, produced), Is.EqualTo("a\r\nb\r\n"));
        t.Discipline.Settings.OutputFlags &= ~Termios.OPOST;
        t.Discipline.ProcessOutput("a\n"u8, output, out produced);
        Assert.That(Encoding.ASCII.GetString(output, 0, produced), Is.EqualTo("a\n"));
    }

    [Test]
    public void OutputStopsWhenTheBufferIsFull()
    {
        var t = new Terminal();
        var output = new byte[3];
        int consumed = t.Discipline.ProcessOutput("ab\n"u8, output, out int produced);
        Assert.That(consumed, Is.EqualTo(2), "no room for CR NL");
        Assert.That(produced, Is.EqualTo(2));
    }

    [Test]
    public void TermiosIsTheKernelLayout()
    {
        Assert.That(System.Runtime.InteropServices.Marshal.SizeOf<Termios>(), Is.EqualTo(Termios.Size));
        var d = Termios.Default;
        Assert.That(d.LocalFlags & Termios.ICANON, Is.Not.Zero);
    }

    [Test]
    public unsafe void InputOverflowDropsInsteadOfCorrupting()
    {
        var t = new Terminal();
        t.SetRaw();
        for (int i = 0; i < LineDiscipline.BufferSize + 100; i++)
            t.Discipline.Receive((byte)'x');
        Assert.That(t.Discipline.PendingInput, Is.EqualTo(LineDiscipline.BufferSize));
    }
}
