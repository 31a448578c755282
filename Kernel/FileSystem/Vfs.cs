// The kernel's file system: the namespace built at boot (the initial archive as a read-only /, a tmpfs on
// /tmp, the devices in /dev), and the one lock every file-system operation runs under.
using Kitten.Kernel.Devices;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.FileSystem;

internal static unsafe class Vfs
{
    private static SpinLock s_lock;

    public static ref SpinLock Lock => ref s_lock;
    public static FileSystemNamespace Namespace { get; private set; }
    public static ConsoleDevice Console { get; private set; }

    public static void Initialize()
    {
        FileTime.Source = &Now;
        // tmpfs file data lives on the kernel heap: leave it room.
        ulong tmpCapacity = KernelHeap.FreeBytes / 2;
        Namespace = InitialFiles.CreateNamespace(tmpCapacity, 65536, out _);
        Namespace.EnsureDirectory("/dev"u8, out DirectoryNode dev);
        Console = new ConsoleDevice(dev.FileSystem, 1);
        dev.Attach("console"u8, Console);
        dev.Attach("tty"u8, new ConsoleDevice(dev.FileSystem, 0));
        dev.Attach("null"u8, new MemoryDevice(dev.FileSystem, MemoryDevice.Null));
        dev.Attach("zero"u8, new MemoryDevice(dev.FileSystem, MemoryDevice.Zero));
        dev.Attach("full"u8, new MemoryDevice(dev.FileSystem, MemoryDevice.Full));
        dev.Attach("random"u8, new MemoryDevice(dev.FileSystem, MemoryDevice.Random));
        dev.Attach("urandom"u8, new MemoryDevice(dev.FileSystem, MemoryDevice.URandom));
        int proc = Namespace.MountAt("/proc"u8, Proc.ProcFileSystem.Create(new Proc.KernelProcSource(), Namespace.NewAnonymousDevice()));
        int sys = Namespace.MountAt("/sys"u8, SysFs.SysFileSystem.Create(new SysFs.KernelSysSource(), Namespace.NewAnonymousDevice()));
        if (proc != 0 || sys != 0)
            global::Kitten.Kernel.Console.WriteLine($"fs: cannot mount /proc ({proc}) or /sys ({sys})");
        global::Kitten.Kernel.Console.WriteLine($"fs: / from the initial archive (read-only), tmpfs on /tmp ({tmpCapacity:size}), devices in /dev, proc on /proc, sysfs on /sys");
    }

    private static long Now() => (long)LinuxAbi.TimeSyscalls.RealtimeNanoseconds;

    // A description of the console, for the first program's stdin, stdout and stderr.
    public static NodeFile OpenConsole()
    {
        bool interrupts = s_lock.Acquire();
        Console.Open();
        s_lock.Release(interrupts);
        return new NodeFile(Console, FileDescription.O_RDWR);
    }
}
