using System.Runtime.InteropServices;
using System.Text;

namespace Kitten.Kernel.Tests.Boot;

// Builds Multiboot2 boot information images the way GRUB lays them out (specification section 3.6), in
// 8-byte-aligned native memory, so that tests can feed the kernel's reader real bytes.
internal sealed unsafe class Multiboot2Builder : IDisposable
{
    private readonly List<byte> _tags = new();
    private byte* _memory;

    public Multiboot2Builder CommandLine(string text) => StringTag(1, text);

    public Multiboot2Builder BootloaderName(string text) => StringTag(2, text);

    public Multiboot2Builder Module(uint start, uint end, string commandLine)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(start));
        body.AddRange(BitConverter.GetBytes(end));
        body.AddRange(Encoding.ASCII.GetBytes(commandLine));
        body.Add(0);
        return Tag(3, body);
    }

    public Multiboot2Builder MemoryMap(params (ulong Base, ulong Length, uint Type)[] entries)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(24u)); // entry size
        body.AddRange(BitConverter.GetBytes(0u));  // entry version
        foreach (var (b, l, t) in entries)
        {
            body.AddRange(BitConverter.GetBytes(b));
            body.AddRange(BitConverter.GetBytes(l));
            body.AddRange(BitConverter.GetBytes(t));
            body.AddRange(BitConverter.GetBytes(0u));
        }
        return Tag(6, body);
    }

    public Multiboot2Builder Raw(uint type, byte[] body) => Tag(type, body.ToList());

    private Multiboot2Builder StringTag(uint type, string text)
    {
        var body = Encoding.ASCII.GetBytes(text).ToList();
        body.Add(0);
        return Tag(type, body);
    }

    private Multiboot2Builder Tag(uint type, List<byte> body)
    {
        _tags.AddRange(BitConverter.GetBytes(type));
        _tags.AddRange(BitConverter.GetBytes((uint)(8 + body.Count)));
        _tags.AddRange(body);
        while (_tags.Count % 8 != 0)
            _tags.Add(0);
        return this;
    }

    // The finished image: header, tags, end tag.
    public byte* Build(bool withEndTag = true)
    {
        var image = new List<byte>();
        image.AddRange(new byte[8]);
        image.AddRange(_tags);
        if (withEndTag)
        {
            image.AddRange(BitConverter.GetBytes(0u));
            image.AddRange(BitConverter.GetBytes(8u));
        }
        BitConverter.GetBytes((uint)image.Count).CopyTo(CollectionsMarshal.AsSpan(image));
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)image.Count + 64, 8);
        for (int i = 0; i < image.Count; i++)
            _memory[i] = image[i];
        return _memory;
    }

    public void Dispose()
    {
        if (_memory != null)
            NativeMemory.AlignedFree(_memory);
        _memory = null;
    }
}
