// What the kernel learned at boot, kept for the rest of the kernel (and its self-tests) once the heap
// exists: the command line, the usable RAM, the boot modules.
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Boot;

internal static class BootInfo
{
    public static byte[] CommandLineText;
    public static PhysicalRange[] UsableMemory;
    public static BootModule[] Modules;
    public static int FirmwareMapEntries;
    public static ulong FirmwareAvailableBytes;
    public static ulong FirstLineTsc;
    public static ulong MultibootInfoPhysical;
    public static unsafe byte* AcpiRsdp;

    public static CommandLine CommandLine => new CommandLine(CommandLineText);

    public static ulong UsableBytes => MemoryMap.TotalLength(UsableMemory);
}
