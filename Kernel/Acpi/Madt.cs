// The Multiple APIC Description Table: which processors exist (their local APIC IDs) and where the I/O
// APICs are (ACPI 6.5 specification, 5.2.12 "Multiple APIC Description Table"). Portable.
namespace Kitten.Kernel.Acpi;

internal struct ProcessorEntry
{
    public uint ApicId;
    public uint AcpiUid;
    public bool Enabled;
    public bool OnlineCapable;
}

internal unsafe struct Madt
{
    private const int HeaderSize = 44; // 36-byte table header, local APIC address, flags

    private const byte TypeLocalApic = 0;
    private const byte TypeIoApic = 1;
    private const byte TypeLocalX2Apic = 9;

    private const uint FlagEnabled = 1;
    private const uint FlagOnlineCapable = 2;

    private readonly byte* _table;
    private readonly uint _length;

    public Madt(byte* table)
    {
        _table = table;
        _length = *(uint*)(table + 4);
    }

    public uint LocalApicAddress => *(uint*)(_table + 36);

    // Usable processors (enabled, or online-capable) in table order, the boot processor first by ACPI
    // convention. Returns how many were written; stops at output's length.
    public int GetProcessors(System.Span<ProcessorEntry> output)
    {
        int count = 0;
        uint offset = HeaderSize;
        while (offset + 2 <= _length)
        {
            byte type = _table[offset];
            byte length = _table[offset + 1];
            if (length < 2 || offset + length > _length)
                break; // corrupt entry: stop rather than read past the table
            ProcessorEntry entry = default;
            bool isProcessor = false;
            if (type == TypeLocalApic && length >= 8)
            {
                entry.AcpiUid = _table[offset + 2];
                entry.ApicId = _table[offset + 3];
                uint flags = *(uint*)(_table + offset + 4);
                entry.Enabled = (flags & FlagEnabled) != 0;
                entry.OnlineCapable = (flags & FlagOnlineCapable) != 0;
                isProcessor = true;
            }
            else if (type == TypeLocalX2Apic && length >= 16)
            {
                entry.ApicId = *(uint*)(_table + offset + 4);
                uint flags = *(uint*)(_table + offset + 8);
                entry.AcpiUid = *(uint*)(_table + offset + 12);
                entry.Enabled = (flags & FlagEnabled) != 0;
                entry.OnlineCapable = (flags & FlagOnlineCapable) != 0;
                isProcessor = true;
            }
            if (isProcessor && (entry.Enabled || entry.OnlineCapable) && count < output.Length)
                output[count++] = entry;
            offset += length;
        }
        return count;
    }

    // The first I/O APIC's physical address, or 0.
    public ulong FirstIoApicAddress
    {
        get
        {
            uint offset = HeaderSize;
            while (offset + 2 <= _length)
            {
                byte type = _table[offset];
                byte length = _table[offset + 1];
                if (length < 2 || offset + length > _length)
                    break;
                if (type == TypeIoApic && length >= 12)
                    return *(uint*)(_table + offset + 4);
                offset += length;
            }
            return 0;
        }
    }
}
