// Where the entries of a generated directory come from (/proc, where a directory per live process
// appears and goes, and each process's fd/ follows its open files). The directory itself is an ordinary
// DirectoryNode holding the entries made so far, so lookups, listings, reference counts and node lifetime
// work as for any directory; before a name is looked up or the directory is listed, the directory asks
// its source to bring the entries up to date (as Linux's procfs revalidates dentries). Called with the
// file-system lock held; must not block.
using System;

namespace Kitten.Kernel.FileSystem;

internal abstract class DirectorySource
{
    // Before `name` is looked up: add the entry if it should exist and does not, drop it if it should
    // not. False if the directory itself is gone (a process that ended): every lookup is then ENOENT.
    public abstract bool Update(DirectoryNode directory, ReadOnlySpan<byte> name);

    // Before a listing (each getdents call): bring every entry up to date. False if the directory is gone.
    public abstract bool UpdateAll(DirectoryNode directory);
}
