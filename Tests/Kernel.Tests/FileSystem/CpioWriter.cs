using System.Text;

namespace Kitten.Kernel.Tests.FileSystem;

// Writes newc cpio archives for the tests (the format `cpio -H newc` writes).
internal sealed class CpioWriter
{
    private readonly List<byte> _bytes = new();
    private uint _inode = 1;

    public CpioWriter Directory(string name) => Entry(name, 0x41ED, Array.Empty<byte>());

    public CpioWriter File(string name, string text) => Entry(name, 0x81A4, Encoding.ASCII.GetBytes(text));

    public CpioWriter File(string name, byte[] data) => Entry(name, 0x81A4, data);

    public CpioWriter Symlink(string name, string target) => Entry(name, 0xA1FF, Encoding.ASCII.GetBytes(target));

    // Any entry: the mode's type bits decide what it is; inode and link count for hard links.
    public CpioWriter Raw(string name, uint mode, byte[] data, uint inode = 0, uint links = 1, uint mtime = 0,
        uint rdevMajor = 0, uint rdevMinor = 0)
        => Entry(name, mode, data, inode, links, mtime, rdevMajor, rdevMinor);

    public byte[] Build()
    {
        Entry("TRAILER!!!", 0, Array.Empty<byte>());
        return _bytes.ToArray();
    }

    private CpioWriter Entry(string name, uint mode, byte[] data, uint inode = 0, uint links = 1, uint mtime = 0,
        uint rdevMajor = 0, uint rdevMinor = 0)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        if (inode == 0)
            inode = _inode++;
        uint[] fields = { inode, mode, 0, 0, links, mtime, (uint)data.Length, 0, 0, rdevMajor, rdevMinor, (uint)nameBytes.Length + 1, 0 };
        var header = new StringBuilder("070701");
        foreach (var f in fields)
            header.Append(f.ToString("x8"));
        _bytes.AddRange(Encoding.ASCII.GetBytes(header.ToString()));
        _bytes.AddRange(nameBytes);
        _bytes.Add(0);
        Pad();
        _bytes.AddRange(data);
        Pad();
        return this;
    }

    private void Pad()
    {
        while (_bytes.Count % 4 != 0)
            _bytes.Add(0);
    }
}
