// A DirectorySource for a directory of numbered entries that come and go: /proc's processes, a
// process's task/ threads and fd/ descriptors. Entry N is listed at cookie FirstCookie + N, so that a
// listing comes out in numeric order (as Linux lists them) however the entries were made. Names are
// decimal numbers without leading zeros or sign; any other name is simply not here (name_to_int in Linux's
// fs/proc/util.c).
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal abstract class NumberedEntries : DirectorySource
{
    private const int MaxDigits = 10;
    private readonly long _firstCookie;

    protected NumberedEntries(long firstCookie)
    {
        _firstCookie = firstCookie;
    }

    // Whether the directory itself still exists (its process is alive).
    protected abstract bool Exists();

    // The smallest number above `number` that has an entry, or -1.
    protected abstract int Next(int number);

    // The node for entry `number`.
    protected abstract Node Make(FileSystemInstance fileSystem, int number);

    // Whether an entry made earlier still stands for what `number` names now (a PID may be reused).
    protected virtual bool IsCurrent(Node existing, int number) => true;

    public override bool Update(DirectoryNode directory, ReadOnlySpan<byte> name)
    {
        if (!Exists())
            return false;
        int number = Parse(name);
        if (number >= 0)
            Refresh(directory, number, name);
        return true;
    }

    public override bool UpdateAll(DirectoryNode directory)
    {
        if (!Exists())
            return false;
        Span<byte> name = stackalloc byte[MaxDigits];
        // Drop what is gone, then add what is missing.
        long cookie = _firstCookie;
        while (directory.ReadEntry(cookie, out DirectoryEntryView entry))
        {
            cookie = entry.NextCookie;
            int number = (int)(entry.NextCookie - 1 - _firstCookie);
            if (Next(number - 1) != number || !IsCurrent(entry.Node, number))
                directory.Detach(name.Slice(0, Format(number, name)));
        }
        for (int number = Next(-1); number >= 0; number = Next(number))
            Refresh(directory, number, name.Slice(0, Format(number, name)));
        return true;
    }

    private void Refresh(DirectoryNode directory, int number, ReadOnlySpan<byte> name)
    {
        bool exists = Next(number - 1) == number;
        Node present = directory.Find(name);
        if (present != null && (!exists || !IsCurrent(present, number)))
        {
            directory.Detach(name);
            present = null;
        }
        if (exists && present == null)
            directory.AttachAt(name, Make(directory.FileSystem, number), _firstCookie + number);
    }

    // The number a name stands for, or -1.
    public static int Parse(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > MaxDigits || (name.Length > 1 && name[0] == '0'))
            return -1;
        long value = 0;
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] < '0' || name[i] > '9')
                return -1;
            value = value * 10 + (name[i] - '0');
        }
        return value > int.MaxValue ? -1 : (int)value;
    }

    private static int Format(int number, Span<byte> name)
    {
        Span<byte> digits = stackalloc byte[MaxDigits];
        int count = 0;
        uint value = (uint)number;
        do
        {
            digits[count++] = (byte)('0' + value % 10);
            value /= 10;
        } while (value != 0);
        for (int i = 0; i < count; i++)
            name[i] = digits[count - 1 - i];
        return count;
    }
}
