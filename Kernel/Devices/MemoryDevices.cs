// The memory character devices (Documentation/admin-guide/devices.txt, major 1): /dev/null (3) swallows
// writes and reads as end of file, /dev/zero (5) reads zeros, /dev/full (7) fails writes with ENOSPC,
// /dev/random (8) and /dev/urandom (9) read random bytes.
using System;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Devices;

internal sealed unsafe class MemoryDevice : DeviceNode
{
    public const uint Null = 3, Zero = 5, Full = 7, Random = 8, URandom = 9;

    public MemoryDevice(FileSystemInstance fileSystem, uint minor) : base(fileSystem, 1, minor, 0x1B6)
    {
    }

    public override bool Seekable => true;

    public override long Read(ulong offset, Span<byte> buffer)
    {
        switch (Minor)
        {
            case Null:
                return 0;
            case Random:
            case URandom:
                fixed (byte* bytes = buffer)
                    Entropy.Fill(bytes, (ulong)buffer.Length);
                return buffer.Length;
            default:
                buffer.Clear();
                return buffer.Length;
        }
    }

    public override long Write(ulong offset, ReadOnlySpan<byte> data) => Minor == Full ? -Errno.ENOSPC : data.Length;
}
