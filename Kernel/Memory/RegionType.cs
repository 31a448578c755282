// What a physical region holds. The kernel records every range of RAM it manages under one of these, so
// that a memory map of the machine can be printed and queried, and so that policy (in the memory manager
// service) can ask for, say, all the memory of the init task.
namespace Kitten.Kernel.Memory;

internal enum RegionType : byte
{
    Free,       // not allocated: a free extent (queries report free memory with this type)
    Kernel,     // the kernel image
    BootInfo,   // the boot loader's information (multiboot2 tags)
    BootModule, // a module GRUB loaded (initial files, init task image)
    KernelHeap,
    PageTables,
    InitTask,
    UserMemory,
    Device,     // DMA buffers and other memory handed to devices
    Firmware,   // firmware data kept on purpose (ACPI tables and the like)
    Other,
}

internal static class RegionTypes
{
    public const int Count = 11;

    public static bool IsAllocatable(RegionType type) => type != RegionType.Free && (int)type < Count;
}
