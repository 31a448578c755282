// The serial console as a device node: /dev/console (5, 1) and /dev/tty (5, 0), and the first program's
// stdin, stdout and stderr. Reads and writes go through the terminal's line discipline; the ioctls are
// the termios(3) and tty_ioctl(4) requests programs use.
using System;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.Devices;

internal sealed unsafe class ConsoleDevice : DeviceNode
{
    private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540F,
        TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCSCTTY = 0x540E, FIONREAD = 0x541B,
        TIOCNOTTY = 0x5422, TCFLSH = 0x540B, TCXONC = 0x540A, TIOCGSID = 0x5429, TCSBRK = 0x5409, FIONBIO = 0x5421;

    // The window size reported to programs: a serial line has none of its own; 80x24 is the conventional
    // terminal (the VT100's).
    private static ushort s_rows = 24, s_columns = 80;

    public ConsoleDevice(FileSystemInstance fileSystem, uint minor) : base(fileSystem, 5, minor, 0x1B6)
    {
    }

    public override long Read(ulong offset, Span<byte> buffer) => Read(offset, buffer, nonBlocking: false);

    public override long Read(ulong offset, Span<byte> buffer, bool nonBlocking)
    {
        fixed (byte* bytes = buffer)
            return SerialTerminal.Read(bytes, (ulong)buffer.Length, nonBlocking);
    }

    public override long Write(ulong offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* bytes = data)
            return SerialTerminal.Write(bytes, (ulong)data.Length);
    }

    public override int PollReadiness() => (SerialTerminal.ReadReady ? PollIn : 0) | PollOut;

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
            case TCSBRK:
            case FIONBIO:
                return 0;
            default:
                return -Errno.ENOTTY;
        }
    }
}
