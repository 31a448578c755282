// Reader for the Multiboot2 boot information structure (Multiboot2 specification, section 3.6 "Boot
// information format"). It reads the structure where GRUB left it and allocates nothing, because it runs
// before the kernel heap exists. Portable: unit-tested on the host against hand-built images.
using System;

namespace Kitten.Kernel.Boot;

internal enum MemoryType : uint
{
    Available = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    Defective = 5,
}

internal struct MemoryMapEntry
{
    public ulong Base;
    public ulong Length;
    public MemoryType Type;

    public readonly ulong End => Base + Length;
}

internal unsafe struct BootModule
{
    public ulong Start;
    public ulong End;
    // NUL-terminated string: the module's command line from grub.cfg (usually its name).
    public byte* CommandLine;
}

internal unsafe readonly struct Multiboot2Info
{
    public const uint BootloaderMagic = 0x36D76289;

    private const uint TagEnd = 0;
    private const uint TagCommandLine = 1;
    private const uint TagBootloaderName = 2;
    private const uint TagModule = 3;
    private const uint TagMemoryMap = 6;
    private const uint TagAcpiOldRsdp = 14;
    private const uint TagAcpiNewRsdp = 15;

    // Upper bound on the structure; anything larger is treated as corrupt.
    private const uint MaxTotalSize = 1 << 20;

    private readonly byte* _start;
    private readonly uint _totalSize;

    private Multiboot2Info(byte* start, uint totalSize)
    {
        _start = start;
        _totalSize = totalSize;
    }

    public uint TotalSize => _totalSize;

    // Checks the header and that every tag lies inside the structure, ending with an end tag.
    public static bool TryOpen(byte* info, out Multiboot2Info result, out string error)
    {
        result = default;
        error = null;
        if (info == null || ((ulong)info & 7) != 0)
        {
            error = "boot information pointer is null or misaligned";
            return false;
        }
        uint totalSize = *(uint*)info;
        if (totalSize < 16 || totalSize > MaxTotalSize)
        {
            error = "boot information size out of range";
            return false;
        }
        uint offset = 8;
        while (true)
        {
            if (offset + 8 > totalSize)
            {
                error = "boot information has no end tag";
                return false;
            }
            uint type = *(uint*)(info + offset);
            uint size = *(uint*)(info + offset + 4);
            if (size < 8 || offset + size > totalSize)
            {
                error = "boot information tag overruns the structure";
                return false;
            }
            if (type == TagEnd)
                break;
            offset += (size + 7) & ~7u;
        }
        result = new Multiboot2Info(info, totalSize);
        return true;
    }

    // Finds the n-th tag of a type (n = 0 for the first); null if there is none.
    private byte* FindTag(uint wantedType, int n)
    {
        uint offset = 8;
        while (offset + 8 <= _totalSize)
        {
            uint type = *(uint*)(_start + offset);
            uint size = *(uint*)(_start + offset + 4);
            if (type == TagEnd)
                break;
            if (type == wantedType && n-- == 0)
                return _start + offset;
            offset += (size + 7) & ~7u;
        }
        return null;
    }

    public ReadOnlySpan<byte> CommandLine => TagString(TagCommandLine);

    public ReadOnlySpan<byte> BootloaderName => TagString(TagBootloaderName);

    private ReadOnlySpan<byte> TagString(uint type)
    {
        byte* tag = FindTag(type, 0);
        if (tag == null)
            return default;
        uint size = *(uint*)(tag + 4);
        return BoundedString(tag + 8, (int)size - 8);
    }

    // A NUL-terminated string that must end within maxLength bytes.
    private static ReadOnlySpan<byte> BoundedString(byte* text, int maxLength)
    {
        int length = 0;
        while (length < maxLength && text[length] != 0)
            length++;
        return new ReadOnlySpan<byte>(text, length);
    }

    public int MemoryMapCount
    {
        get
        {
            byte* tag = FindTag(TagMemoryMap, 0);
            if (tag == null)
                return 0;
            uint size = *(uint*)(tag + 4);
            uint entrySize = *(uint*)(tag + 8);
            // Entries are at least {base, length, type, reserved}: 24 bytes.
            if (entrySize < 24)
                return 0;
            return (int)((size - 16) / entrySize);
        }
    }

    public MemoryMapEntry GetMemoryMapEntry(int index)
    {
        byte* tag = FindTag(TagMemoryMap, 0);
        uint entrySize = *(uint*)(tag + 8);
        byte* entry = tag + 16 + (uint)index * entrySize;
        return new MemoryMapEntry
        {
            Base = *(ulong*)entry,
            Length = *(ulong*)(entry + 8),
            Type = (MemoryType)(*(uint*)(entry + 16)),
        };
    }

    public int ModuleCount
    {
        get
        {
            int count = 0;
            while (FindTag(TagModule, count) != null)
                count++;
            return count;
        }
    }

    public BootModule GetModule(int index)
    {
        byte* tag = FindTag(TagModule, index);
        uint size = *(uint*)(tag + 4);
        return new BootModule
        {
            Start = *(uint*)(tag + 8),
            End = *(uint*)(tag + 12),
            CommandLine = size > 16 ? tag + 16 : null,
        };
    }

    // The ACPI root pointer GRUB copied (the ACPI 2.0 one if present); null if none.
    public byte* AcpiRsdp
    {
        get
        {
            byte* tag = FindTag(TagAcpiNewRsdp, 0);
            if (tag == null)
                tag = FindTag(TagAcpiOldRsdp, 0);
            return tag == null ? null : tag + 8;
        }
    }
}
