// How the file system gives memory back. The kernel has no garbage collector: a node, a data block or a
// name that nobody references any more is freed here, explicitly. The host tests compile a stub of this
// class instead (Tests/Kernel.Tests/FileSystem/NodeMemoryStub.cs), where the GC does the work.
namespace Kitten.Kernel.FileSystem;

internal static class NodeMemory
{
    // Frees an object (node, array) allocated with `new`. The caller guarantees nothing refers to it.
    public static void Release(object obj) => System.Runtime.RuntimeExports.Free(obj);
}
