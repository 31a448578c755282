namespace Kitten.Kernel.FileSystem;

// The host's stand-in for the kernel's NodeMemory (Kernel/FileSystem/NodeMemory.cs): the GC frees the
// memory; this only counts releases, per thread (CsCheck runs samples on several threads), so that tests
// can see when the file system lets go of something.
internal static class NodeMemory
{
    [ThreadStatic] private static int t_released;
    [ThreadStatic] private static int t_releasedNodes;

    public static int Released => t_released;
    public static int ReleasedNodes => t_releasedNodes;

    public static void Release(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        t_released++;
        if (obj is Node)
            t_releasedNodes++;
    }
}
