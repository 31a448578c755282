// Special files. A DeviceNode is a character device whose behaviour the kernel supplies by deriving from
// it (console, null, zero, urandom) and installing it with DirectoryNode.Attach, as in:
//     var zero = new ZeroDevice(devFileSystem);          // : DeviceNode, base(fs, 1, 5, 0x1B6)
//     devDirectory.Attach("zero"u8, zero);
// The base class also stands for a device special file found in the initial archive, with no driver
// behind it: opening it would find nothing, so reads and writes say ENXIO (as Linux does for a device
// number with no driver).
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal class DeviceNode : Node
{
    public const int PollIn = 0x1, PollOut = 0x4;   // POLLIN, POLLOUT (poll(2))

    private readonly ulong _device;

    public DeviceNode(FileSystemInstance fileSystem, uint major, uint minor, uint permissions)
        : this(fileSystem, FileMode.CharacterDevice, major, minor, permissions)
    {
    }

    // type: FileMode.CharacterDevice or FileMode.BlockDevice.
    public DeviceNode(FileSystemInstance fileSystem, uint type, uint major, uint minor, uint permissions)
        : base(fileSystem, type | (permissions & FileMode.PermissionMask))
    {
        _device = DeviceNumber.Make(major, minor);
    }

    public override ulong RawDevice => _device;
    public uint Major => DeviceNumber.Major(_device);
    public uint Minor => DeviceNumber.Minor(_device);

    // Devices ignore the offset unless they have positions (the system call layer passes the file's).
    public override long Read(ulong offset, Span<byte> buffer) => -Errno.ENXIO;
    public override long Write(ulong offset, ReadOnlySpan<byte> data) => -Errno.ENXIO;

    // The read the descriptor layer makes: devices that block (a terminal) honour O_NONBLOCK here.
    public virtual long Read(ulong offset, Span<byte> buffer, bool nonBlocking) => Read(offset, buffer);

    // ioctl(2): the result or -errno; ENOTTY means "not a request this device knows".
    public virtual long Ioctl(uint request, ulong argument) => -Errno.ENOTTY;

    // What poll(2) would report now: PollIn if a read would not block, PollOut if a write would not.
    public virtual int PollReadiness() => PollIn | PollOut;

    // Whether lseek(2) means anything (a terminal: no, ESPIPE; /dev/zero: yes, and does nothing).
    public virtual bool Seekable => false;
}

// A named pipe (mkfifo(3)). The node only names the pipe; the pipe layer keeps its buffer and readers
// and writers in `Pipe`, created on first open and dropped when the last end closes.
internal sealed class FifoNode : Node
{
    public object Pipe { get; set; }

    public FifoNode(FileSystemInstance fileSystem, uint permissions)
        : base(fileSystem, FileMode.Fifo | (permissions & FileMode.PermissionMask))
    {
    }
}
