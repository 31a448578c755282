// What the system calls itself: uname(2)'s fields, also shown by /proc/version and /proc/sys/kernel.
namespace Kitten.Kernel.LinuxAbi;

internal static class SystemIdentity
{
    public const string SystemName = "Kitten";      // sysname, /proc/sys/kernel/ostype
    public const string NodeName = "kitten";        // nodename, /proc/sys/kernel/hostname
    public const string Release = Boot.KernelMain.Version;  // release, /proc/sys/kernel/osrelease
    public const string Version = "#1 SMP Kitten.Cosmos lightweight kernel";
    public const string Machine = "x86_64";
    public const string DomainName = "(none)";
}
