// How the runtime stops: it hands the reason to the kernel's panic path.
using System.Diagnostics.CodeAnalysis;

namespace Internal.Runtime;

internal static class RuntimeFailure
{
    [DoesNotReturn]
    public static void Fail(string reason) => Kitten.Kernel.Diagnostics.Panic.Fail(reason);

    // For runtime entry points that ILC insists exist but that the kernel's code never reaches.
    [DoesNotReturn]
    public static void Unreachable(string helperName) => Kitten.Kernel.Diagnostics.Panic.Fail2("runtime helper reached: ", helperName);
}
