// A service policy bound to its binary: the file's identity (device and inode: what execve(2) finds,
// whatever path it came by), the policy's bitmap copied into kernel memory, and its Linux system call
// table: the kernel's, with ServiceEnforcement.RefuseLinux for every call the policy does not allow. Every
// thread of a process under the policy points at both (Thread.SyscallFilter, SyscallHandlers). Bound at
// boot, never unbound.
namespace Kitten.Kernel.Services;

internal sealed unsafe class BoundService
{
    public ServicePolicy Policy;
    public ulong Device;
    public ulong Inode;
    public ulong* Filter;
    public delegate*<Arch.X64.InterruptContext*, long>* Handlers;   // the Linux table with refusals (SyscallTable)
    public byte[] ManifestPath;

    public byte[] Name => Policy.Service;
}
