// /proc/mounts (/proc/<pid>/mounts), /proc/<pid>/mountinfo and /proc/filesystems in Linux's formats
// (proc_pid_mounts(5), proc_pid_mountinfo(5), proc_filesystems(5); fs/proc_namespace.c), from the mount
// table. Mount IDs are the mount's position in the table, from 1. Paths are escaped as Linux escapes
// them: space, tab, newline and backslash as \ooo.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class MountsFormat
{
    // "source mountpoint type options 0 0".
    public static void Mounts(FileSystemNamespace space, TextBuilder o)
    {
        for (int i = 0; i < space.MountCount; i++)
        {
            FileSystemInstance mount = space.MountedInstance(i);
            o.Append(mount.Type).Append(' ');
            MountPoint(space, mount, o);
            o.Append(' ').Append(mount.Type).Append(' ').Append(Options(mount)).Append(" 0 0\n");
        }
    }

    // "id parent major:minor root mountpoint options - type source super-options".
    public static void MountInfo(FileSystemNamespace space, TextBuilder o)
    {
        for (int i = 0; i < space.MountCount; i++)
        {
            FileSystemInstance mount = space.MountedInstance(i);
            o.Signed(i + 1).Append(' ').Signed(ParentId(space, mount, i + 1)).Append(' ');
            o.Unsigned(DeviceNumber.Major(mount.DeviceNumber)).Append(':').Unsigned(DeviceNumber.Minor(mount.DeviceNumber));
            o.Append(" / ");
            MountPoint(space, mount, o);
            o.Append(' ').Append(Options(mount)).Append(" - ").Append(mount.Type).Append(' ').Append(mount.Type)
                .Append(' ').Append(Options(mount)).Append('\n');
        }
    }

    // The file system types the kernel has, "nodev" marking those that need no device.
    public static void Filesystems(TextBuilder o)
        => o.Append("nodev\tsysfs\nnodev\trootfs\nnodev\ttmpfs\nnodev\tproc\n");

    private static string Options(FileSystemInstance mount) => mount.ReadOnly && !mount.KernelGenerated ? "ro" : "rw";

    // The mount the instance is mounted on; the root mount is its own parent.
    private static int ParentId(FileSystemNamespace space, FileSystemInstance mount, int self)
    {
        if (mount.CoveredDirectory == null)
            return self;
        for (int i = 0; i < space.MountCount; i++)
            if (space.MountedInstance(i) == mount.CoveredDirectory.FileSystem)
                return i + 1;
        return self;
    }

    private static void MountPoint(FileSystemNamespace space, FileSystemInstance mount, TextBuilder o)
    {
        if (mount.CoveredDirectory == null)
        {
            o.Append('/');
            return;
        }
        var path = new byte[PathResolver.PathMax];
        int length = PathName.OfDirectory(space, mount.CoveredDirectory, path);
        if (length <= 0)
            o.Append('/');
        else
            AppendEscaped(new ReadOnlySpan<byte>(path, 0, length - 1), o);
        NodeMemory.Release(path);
    }

    // mangle() in fs/proc_namespace.c: " \t\n\\" become octal escapes.
    public static void AppendEscaped(ReadOnlySpan<byte> text, TextBuilder o)
    {
        for (int i = 0; i < text.Length; i++)
        {
            byte c = text[i];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
                o.Append('\\').Octal(c, 3);
            else
                o.Append(c);
        }
    }
}
