// The initial file system: the cpio archive GRUB loads as the boot module named "initrd" (`./kitten iso
// --add HOST:PATH` puts files in it). For now the kernel lists it at boot; the file system built on it
// comes with user space.
using Kitten.Kernel.Boot;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.FileSystem;

internal static unsafe class InitialFiles
{
    private const int MaxListed = 32;

    public static byte* Archive { get; private set; }
    public static ulong ArchiveLength { get; private set; }
    public static int FileCount { get; private set; }

    public static void Load()
    {
        for (int i = 0; i < BootInfo.Modules.Length; i++)
        {
            BootModule module = BootInfo.Modules[i];
            if (module.CommandLine != null && IsName(module.CommandLine, "initrd"))
            {
                Archive = (byte*)PhysicalMemory.ToVirtual(module.Start);
                ArchiveLength = module.End - module.Start;
            }
        }
        if (Archive == null)
        {
            Console.WriteLine("initrd: none (no boot module named initrd)");
            return;
        }

        var archive = new CpioArchive(Archive, ArchiveLength);
        int files = 0, directories = 0;
        ulong bytes = 0;
        string error;
        while (archive.Next(out CpioEntry entry, out error))
        {
            if (entry.IsDirectory)
            {
                directories++;
                continue;
            }
            files++;
            bytes += entry.Size;
            if (files <= MaxListed)
                Console.WriteLine($"initrd: /{new System.ReadOnlySpan<byte>(entry.Name, entry.NameLength)} ({entry.Size} bytes)");
        }
        if (files > MaxListed)
            Console.WriteLine($"initrd: ... and {files - MaxListed} more files");
        if (error != null)
            Console.WriteLine($"initrd: stopped at a bad entry: {error}");
        FileCount = files;
        Console.WriteLine($"initrd: {files} files, {directories} directories, {bytes} bytes");
    }

    private static bool IsName(byte* text, string name)
    {
        for (int i = 0; i < name.Length; i++)
            if (text[i] != name[i])
                return false;
        return text[name.Length] == 0 || text[name.Length] == ' ';
    }
}
