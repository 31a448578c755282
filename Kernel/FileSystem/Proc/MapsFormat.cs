// /proc/<pid>/maps in Linux's format (proc_pid_maps(5); show_map_vma in fs/proc/task_mmu.c): one line per
// memory area, "start-end perms offset major:minor inode", then, for a named area, spaces up to column
// 73 and the name (the program's path, [heap], [stack]). An unnamed line ends with the space after the
// inode, as on Linux.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal enum MapName : byte
{
    None,
    Executable,     // the program's own image: its path
    Heap,           // the brk area
    Stack,          // the main thread's stack
}

internal struct MapEntry
{
    public const int Read = 1, Write = 2, Execute = 4;   // PROT_READ, PROT_WRITE, PROT_EXEC

    public ulong Start, End;
    public int Prot;
    public ulong Offset;            // in the file, for a file-backed area
    public uint Major, Minor;       // the file's device
    public ulong Inode;
    public MapName Name;
}

internal static class MapsFormat
{
    // 25 + sizeof(void *) * 6 - 1 on 64-bit: where seq_pad stops before the name.
    private const int NameColumn = 72;

    public static void Write(ReadOnlySpan<MapEntry> areas, ReadOnlySpan<byte> executablePath, TextBuilder o)
    {
        for (int i = 0; i < areas.Length; i++)
        {
            MapEntry area = areas[i];
            o.Hex(area.Start, 8).Append('-').Hex(area.End, 8).Append(' ');
            o.Append((area.Prot & MapEntry.Read) != 0 ? 'r' : '-');
            o.Append((area.Prot & MapEntry.Write) != 0 ? 'w' : '-');
            o.Append((area.Prot & MapEntry.Execute) != 0 ? 'x' : '-');
            o.Append('p');      // private: nothing here is MAP_SHARED
            o.Append(' ').Hex(area.Offset, 8);
            o.Append(' ').Hex(area.Major, 2).Append(':').Hex(area.Minor, 2);
            o.Append(' ').Unsigned(area.Inode).Append(' ');
            switch (area.Name)
            {
                case MapName.Executable:
                    o.PadTo(NameColumn).Append(' ').Append(executablePath);
                    break;
                case MapName.Heap:
                    o.PadTo(NameColumn).Append(" [heap]");
                    break;
                case MapName.Stack:
                    o.PadTo(NameColumn).Append(" [stack]");
                    break;
            }
            o.Append('\n');
        }
    }
}
