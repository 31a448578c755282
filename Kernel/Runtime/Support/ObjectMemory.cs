// Objects on the kernel heap are not garbage collected: code that owns an object outright gives it back
// here when done with it.
namespace Kitten.Kernel.Runtime;

internal static class ObjectMemory
{
    public static void Release(object obj) => System.Runtime.RuntimeExports.Free(obj);
}
