// A Linux x86-64 system call's number from its name, as manifests name them (`syscalls openat futex`),
// by the generated table of names (LinuxAbi/SyscallNames.cs). A scan: manifests are read once, at boot.
// Portable: unit-tested on the host.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Services;

internal static class LinuxSyscallNumbers
{
    // The number, or -1 if no system call has that name.
    public static int Find(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || FileSystem.Bytes.Equal(name, "unknown"))
            return -1;
        for (int number = 0; number <= SyscallNames.Highest; number++)
            if (FileSystem.Bytes.Equal(name, SyscallNames.Of(number)))
                return number;
        return -1;
    }
}
