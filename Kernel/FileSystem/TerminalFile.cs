// The serial console opened as a file (/dev/console, and the first program's stdin, stdout and stderr).
using Kitten.Kernel.Devices;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.FileSystem;

internal sealed unsafe class TerminalFile : FileDescription
{
    private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540F,
        TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCSCTTY = 0x540E, FIONREAD = 0x541B,
        TIOCNOTTY = 0x5422, TCFLSH = 0x540B, TCXONC = 0x540A, TIOCGSID = 0x5429;

    // The window size reported to programs: the serial line has no size of its own; 80x24 is the
    // conventional terminal (what the VT100 had).
    private static ushort s_rows = 24, s_columns = 80;

    public TerminalFile(int flags) => StatusFlags = flags;

    public override long Read(byte* buffer, ulong count) => SerialTerminal.Read(buffer, count, NonBlocking);

    public override long Write(byte* buffer, ulong count) => SerialTerminal.Write(buffer, count);

    public override bool ReadReady => SerialTerminal.ReadReady;

    public override long Ioctl(uint request, ulong argument)
    {
        switch (request)
        {
            case TCGETS:
                {
                    Termios settings = SerialTerminal.Discipline.Settings;
                    return UserMemory.CopyOut(argument, &settings, (ulong)Termios.Size);
                }
            case TCSETS:
            case TCSETSW:
            case TCSETSF:
                {
                    Termios settings;
                    int status = UserMemory.CopyIn(&settings, argument, (ulong)Termios.Size);
                    if (status == 0)
                        SerialTerminal.Discipline.Settings = settings;
                    return status;
                }
            case TIOCGWINSZ:
                {
                    ushort* size = stackalloc ushort[4];
                    size[0] = s_rows;
                    size[1] = s_columns;
                    size[2] = size[3] = 0;
                    return UserMemory.CopyOut(argument, size, 8);
                }
            case TIOCSWINSZ:
                {
                    ushort* size = stackalloc ushort[4];
                    int status = UserMemory.CopyIn(size, argument, 8);
                    if (status == 0)
                    {
                        s_rows = size[0];
                        s_columns = size[1];
                    }
                    return status;
                }
            case TIOCGPGRP:
                return UserMemory.Write32(argument, (uint)SerialTerminal.ForegroundGroup) ? 0 : -Errno.EFAULT;
            case TIOCSPGRP:
                {
                    uint group;
                    if (UserMemory.CopyIn(&group, argument, 4) != 0)
                        return -Errno.EFAULT;
                    if ((int)group <= 0)
                        return -Errno.EINVAL;
                    SerialTerminal.ForegroundGroup = (int)group;
                    return 0;
                }
            case TIOCGSID:
                return UserMemory.Write32(argument, (uint)Process.Current.Session) ? 0 : -Errno.EFAULT;
            case FIONREAD:
                return UserMemory.Write32(argument, (uint)SerialTerminal.Discipline.PendingInput) ? 0 : -Errno.EFAULT;
            case TIOCSCTTY:
            case TIOCNOTTY:
            case TCFLSH:
            case TCXONC:
                return 0;
            default:
                return -Errno.ENOTTY;
        }
    }

    public override long Stat(byte* stat)
    {
        // A character device: /dev/console is major 5, minor 1 (Documentation/admin-guide/devices.txt).
        LinuxStat.Fill(stat, device: 6, inode: 2, mode: 0x2000 | 0x1B6, links: 1, size: 0, rdev: (5 << 8) | 1);
        return 0;
    }
}
