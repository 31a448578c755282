// The terminal line discipline of the serial console (the part of Linux's n_tty that programs rely on):
// in canonical mode, input is edited a line at a time with echo, erase (DEL or ^H), kill (^U) and
// word-erase (^W), and read() returns whole lines, ^D ends input; in non-canonical mode (what busybox's
// line editor and full-screen programs switch to) bytes go straight to read(). With ISIG, ^C, ^\ and ^Z
// become signals for the foreground process group. CR is turned into NL on input (ICRNL) and NL into
// CR NL on output (ONLCR). Portable: the caller moves bytes in and out, so the host tests drive it.
using System;

namespace Kitten.Kernel.Devices;

internal enum TerminalSignal
{
    None = 0,
    Interrupt = 2,  // SIGINT
    Quit = 3,       // SIGQUIT
    Stop = 20,      // SIGTSTP
}

internal unsafe struct LineDiscipline
{
    public const int BufferSize = 4096;

    public Termios Settings;

    // Bytes ready for read(): completed lines (canonical) or raw input.
    private fixed byte _ready[BufferSize];
    private int _readyHead;
    private int _readyCount;
    // The line being edited (canonical mode only).
    private fixed byte _line[BufferSize];
    private int _lineLength;
    // Pending ^D with nothing before it: the next read returns 0 (end of file).
    private int _endOfFileMarks;
    // Echo output waiting for the device.
    private fixed byte _echo[512];
    private int _echoLength;

    public void Initialize()
    {
        Settings = Termios.Default;
        _readyHead = _readyCount = _lineLength = _endOfFileMarks = _echoLength = 0;
    }

    private readonly bool Canonical => (Settings.LocalFlags & Termios.ICANON) != 0;
    private readonly bool Echo => (Settings.LocalFlags & Termios.ECHO) != 0;

    public readonly bool CanRead => _readyCount > 0 || _endOfFileMarks > 0;
    public readonly int PendingInput => _readyCount;

    // Takes one received byte; returns the signal it raised, if any.
    public TerminalSignal Receive(byte c)
    {
        if (c == '\r' && (Settings.InputFlags & Termios.ICRNL) != 0)
            c = (byte)'\n';

        if ((Settings.LocalFlags & Termios.ISIG) != 0)
        {
            TerminalSignal signal = c == Settings.ControlChars[Termios.VINTR] ? TerminalSignal.Interrupt
                : c == Settings.ControlChars[Termios.VQUIT] ? TerminalSignal.Quit
                : c == Settings.ControlChars[Termios.VSUSP] ? TerminalSignal.Stop
                : TerminalSignal.None;
            if (signal != TerminalSignal.None)
            {
                // Like n_tty without NOFLSH: pending input is discarded.
                _lineLength = 0;
                _readyCount = 0;
                if (Echo)
                {
                    EchoControl(c);
                    EchoByte((byte)'\n');
                }
                return signal;
            }
        }

        if (!Canonical)
        {
            PushReady(c);
            if (Echo)
                EchoByte(c);
            return TerminalSignal.None;
        }

        if (c == Settings.ControlChars[Termios.VERASE] || c == 8)
        {
            if (_lineLength > 0)
            {
                _lineLength--;
                EchoErase();
            }
        }
        else if (c == Settings.ControlChars[Termios.VKILL])
        {
            while (_lineLength > 0)
            {
                _lineLength--;
                EchoErase();
            }
        }
        else if (c == Settings.ControlChars[Termios.VWERASE])
        {
            while (_lineLength > 0 && _line[_lineLength - 1] == ' ')
            {
                _lineLength--;
                EchoErase();
            }
            while (_lineLength > 0 && _line[_lineLength - 1] != ' ')
            {
                _lineLength--;
                EchoErase();
            }
        }
        else if (c == Settings.ControlChars[Termios.VEOF])
        {
            if (_lineLength == 0)
                _endOfFileMarks++;
            else
                CommitLine();
        }
        else if (c == '\n')
        {
            if (_lineLength < BufferSize)
                _line[_lineLength++] = c;
            if (Echo)
                EchoByte(c);
            CommitLine();
        }
        else if (_lineLength < BufferSize - 1)
        {
            _line[_lineLength++] = c;
            if (Echo)
            {
                if (c < 32 && (Settings.LocalFlags & Termios.ECHOCTL) != 0)
                    EchoControl(c);
                else
                    EchoByte(c);
            }
        }
        return TerminalSignal.None;
    }

    // Copies ready input into destination: in canonical mode at most one line. Returns the count; 0 means
    // end of file (a ^D on an empty line). Callers only read when CanRead.
    public int Read(Span<byte> destination)
    {
        if (_readyCount == 0 && _endOfFileMarks > 0)
        {
            _endOfFileMarks--;
            return 0;
        }
        int count = 0;
        while (count < destination.Length && _readyCount > 0)
        {
            byte c = _ready[_readyHead];
            _readyHead = (_readyHead + 1) % BufferSize;
            _readyCount--;
            destination[count++] = c;
            if (Canonical && c == '\n')
                break;
        }
        return count;
    }

    // Output processing (OPOST|ONLCR): appends the device bytes for `data` to output, returning how many
    // input bytes were consumed (all of them unless output filled up).
    public readonly int ProcessOutput(ReadOnlySpan<byte> data, Span<byte> output, out int produced)
    {
        bool translate = (Settings.OutputFlags & (Termios.OPOST | Termios.ONLCR)) == (Termios.OPOST | Termios.ONLCR);
        produced = 0;
        int consumed = 0;
        for (; consumed < data.Length; consumed++)
        {
            byte c = data[consumed];
            int needed = translate && c == '\n' ? 2 : 1;
            if (produced + needed > output.Length)
                break;
            if (needed == 2)
                output[produced++] = (byte)'\r';
            output[produced++] = c;
        }
        return consumed;
    }

    // Takes the echo bytes produced so far (already output-processed).
    public int DrainEcho(Span<byte> destination)
    {
        int count = _echoLength < destination.Length ? _echoLength : destination.Length;
        for (int i = 0; i < count; i++)
            destination[i] = _echo[i];
        for (int i = count; i < _echoLength; i++)
            _echo[i - count] = _echo[i];
        _echoLength -= count;
        return count;
    }

    private void CommitLine()
    {
        for (int i = 0; i < _lineLength; i++)
            PushReady(_line[i]);
        _lineLength = 0;
    }

    private void PushReady(byte c)
    {
        if (_readyCount == BufferSize)
            return; // full: drop, as a real UART overruns
        _ready[(_readyHead + _readyCount) % BufferSize] = c;
        _readyCount++;
    }

    private void EchoErase()
    {
        if (!Echo)
            return;
        EchoByte(8);
        EchoByte((byte)' ');
        EchoByte(8);
    }

    private void EchoControl(byte c)
    {
        EchoByte((byte)'^');
        EchoByte((byte)(c + 64));
    }

    private void EchoByte(byte c)
    {
        bool translate = (Settings.OutputFlags & (Termios.OPOST | Termios.ONLCR)) == (Termios.OPOST | Termios.ONLCR);
        if (c == '\n' && translate && _echoLength < 511)
            _echo[_echoLength++] = (byte)'\r';
        if (_echoLength < 512)
            _echo[_echoLength++] = c;
    }
}
