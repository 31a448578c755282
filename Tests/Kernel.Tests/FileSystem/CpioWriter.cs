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

    public byte[] Build()
    {
        Entry("TRAILER!!!", 0, Array.Empty<byte>());
        return _bytes.ToArray();
    }

    private CpioWriter Entry(string name, uint mode, byte[] data)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        uint[] fields = { _inode++, mode, 0, 0, 1, 0, (uint)data.Length, 0, 0, 0, 0, (uint)nameBytes.Length + 1, 0 };
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
