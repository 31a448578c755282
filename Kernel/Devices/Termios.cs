// The kernel's struct termios, as TCGETS/TCSETS exchange it with user space (include/uapi/asm-generic/
// termbits.h: four 32-bit flag words, the line discipline byte, 19 control characters; 36 bytes), and
// the flag bits this kernel's terminal honours (termios(3)).
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Devices;

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Termios
{
    public const int ControlCharCount = 19;
    public const int Size = 36;

    public uint InputFlags;
    public uint OutputFlags;
    public uint ControlFlags;
    public uint LocalFlags;
    public byte Line;
    public fixed byte ControlChars[ControlCharCount];

    // c_cc indices
    public const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6,
        VSUSP = 10, VWERASE = 14;

    // c_iflag
    public const uint ICRNL = 0x100, IXON = 0x400, BRKINT = 0x2;
    // c_oflag
    public const uint OPOST = 0x1, ONLCR = 0x4;
    // c_cflag: 38400 baud (what Linux reports for a serial console set up by the kernel), 8 bits, receiver on
    public const uint B38400 = 0xF, CS8 = 0x30, CREAD = 0x80, HUPCL = 0x400;
    // c_lflag
    public const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHOCTL = 0x200,
        ECHOKE = 0x800, IEXTEN = 0x8000;

    // What a freshly opened Linux terminal has ("stty sane").
    public static Termios Default
    {
        get
        {
            Termios t = default;
            t.InputFlags = ICRNL | IXON | BRKINT;
            t.OutputFlags = OPOST | ONLCR;
            t.ControlFlags = B38400 | CS8 | CREAD | HUPCL;
            t.LocalFlags = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
            t.ControlChars[VINTR] = 3;     // ^C
            t.ControlChars[VQUIT] = 28;    // ^\
            t.ControlChars[VERASE] = 127;  // DEL
            t.ControlChars[VKILL] = 21;    // ^U
            t.ControlChars[VEOF] = 4;      // ^D
            t.ControlChars[VMIN] = 1;
            t.ControlChars[VSUSP] = 26;    // ^Z
            t.ControlChars[VWERASE] = 23;  // ^W
            return t;
        }
    }
}
