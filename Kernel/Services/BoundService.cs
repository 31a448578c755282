// A service policy bound to its binary: the file's identity (device and inode: what execve(2) finds,
// whatever path it came by) and the policy's bitmap copied into kernel memory, where every thread of a
// process under the policy points at it (Thread.SyscallFilter). Bound at boot, never unbound.
namespace Kitten.Kernel.Services;

internal sealed unsafe class BoundService
{
    public ServicePolicy Policy;
    public ulong Device;
    public ulong Inode;
    public ulong* Filter;
    public byte[] ManifestPath;

    public byte[] Name => Policy.Service;
}
