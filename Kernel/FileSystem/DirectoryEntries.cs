// A directory's table of entries: name, node and a cookie. Cookies are handed out in increasing order as
// entries are added and never reused, and the table is kept in cookie order, so a getdents(2) position
// ("the cookie of the next entry to return") stays meaningful while entries come and go: an entry that
// is neither added nor removed during a directory scan is returned exactly once, as POSIX asks of
// readdir(3). Cookies 0 and 1 are "." and ".."; telldir/seekdir values are these cookies.
using System;

namespace Kitten.Kernel.FileSystem;

internal struct DirectoryEntry
{
    public byte[] Name;
    public uint Hash;
    public long Cookie;
    public Node Node;
}

internal sealed partial class DirectoryNode
{
    public const long DotCookie = 0, DotDotCookie = 1, FirstEntryCookie = 2;
    private const int InitialCapacity = 8;

    private DirectoryEntry[] _entries;
    private int _count;
    private long _nextCookie = FirstEntryCookie;

    public int EntryCount => _count;

    // The entries in the order they were added, for the kernel's own scans (getdents uses cookies).
    public byte[] NameAt(int index) => _entries[index].Name;
    public Node NodeAt(int index) => _entries[index].Node;

    private int IndexOf(ReadOnlySpan<byte> name)
    {
        uint hash = Bytes.Hash(name);
        for (int i = 0; i < _count; i++)
            if (_entries[i].Hash == hash && Bytes.Equal(_entries[i].Name, name))
                return i;
        return -1;
    }

    private int IndexOf(Node node)
    {
        for (int i = 0; i < _count; i++)
            if (_entries[i].Node == node)
                return i;
        return -1;
    }

    // Adds an entry at the end (the newest cookie). The name array becomes the table's.
    private void Append(byte[] name, Node node)
    {
        if (_entries == null || _count == _entries.Length)
        {
            var larger = new DirectoryEntry[_entries == null ? InitialCapacity : _entries.Length * 2];
            for (int i = 0; i < _count; i++)
                larger[i] = _entries[i];
            if (_entries != null)
                NodeMemory.Release(_entries);
            _entries = larger;
        }
        _entries[_count].Name = name;
        _entries[_count].Hash = Bytes.Hash(name);
        _entries[_count].Cookie = _nextCookie++;
        _entries[_count].Node = node;
        _count++;
    }

    // Adds an entry with a cookie the caller chose (a generated directory numbers its entries so that a
    // listing comes out in their order: /proc's processes by PID). The cookie must be unused and larger
    // than any that Append handed out; the table stays sorted by cookie.
    private void InsertWithCookie(byte[] name, Node node, long cookie)
    {
        Append(name, node);
        int index = _count - 1;
        DirectoryEntry added = _entries[index];
        added.Cookie = cookie;
        while (index > 0 && _entries[index - 1].Cookie > cookie)
        {
            _entries[index] = _entries[index - 1];
            index--;
        }
        _entries[index] = added;
    }

    // Removes entry i, keeping the rest in cookie order; returns its node. The name is released.
    private Node RemoveAt(int index)
    {
        Node node = _entries[index].Node;
        NodeMemory.Release(_entries[index].Name);
        for (int i = index; i + 1 < _count; i++)
            _entries[i] = _entries[i + 1];
        _count--;
        _entries[_count] = default;
        return node;
    }

    // The first entry whose cookie is at least `cookie` (binary search: cookies increase along the table).
    private int FirstAtOrAfter(long cookie)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (_entries[middle].Cookie < cookie)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    // The entry at or after `cookie`, "." and ".." first. False at the end of the directory.
    public bool ReadEntry(long cookie, out DirectoryEntryView entry)
    {
        entry = default;
        if (cookie < 0)
            return false;
        if (cookie == DotCookie)
        {
            entry.Name = "."u8;
            entry.Node = this;
            entry.NextCookie = DotDotCookie;
            return true;
        }
        if (cookie == DotDotCookie)
        {
            // The root of a file system is its own parent here, as in Linux's dcache_readdir.
            entry.Name = ".."u8;
            entry.Node = Parent ?? this;
            entry.NextCookie = FirstEntryCookie;
            return true;
        }
        int index = FirstAtOrAfter(cookie);
        if (index >= _count)
            return false;
        entry.Name = _entries[index].Name;
        entry.Node = _entries[index].Node;
        entry.NextCookie = _entries[index].Cookie + 1;
        return true;
    }

    // The name of `child` in this directory, for getcwd: empty if it is not here.
    public ReadOnlySpan<byte> NameOf(Node child)
    {
        int index = IndexOf(child);
        return index < 0 ? default : new ReadOnlySpan<byte>(_entries[index].Name);
    }

    // The first subdirectory at or after `cookie`, and the cookie after it.
    internal bool NextSubdirectory(ref long cookie, out DirectoryNode child)
    {
        for (int i = FirstAtOrAfter(cookie); i < _count; i++)
        {
            if (_entries[i].Node is DirectoryNode directory)
            {
                child = directory;
                cookie = _entries[i].Cookie + 1;
                return true;
            }
        }
        child = null;
        return false;
    }

    internal long CookieOf(Node child)
    {
        int index = IndexOf(child);
        return index < 0 ? long.MaxValue - 1 : _entries[index].Cookie;
    }

    // The last subdirectory in the table (for tearing a tree down without recursion), or null.
    internal DirectoryNode LastSubdirectory()
    {
        for (int i = _count - 1; i >= 0; i--)
            if (_entries[i].Node is DirectoryNode directory)
                return directory;
        return null;
    }
}

// One directory entry as ReadEntry returns it; valid until the directory changes.
internal ref struct DirectoryEntryView
{
    public ReadOnlySpan<byte> Name;
    public Node Node;
    public long NextCookie;     // where to continue: the d_off of this entry
}
