// Finds ACPI tables from the root pointer GRUB hands over (ACPI 6.5 specification, 5.2.5 "Root System
// Description Pointer" and 5.2.7/5.2.8 "RSDT"/"XSDT"). Every table is checked (signature, length,
// checksum) before it is trusted. Physical addresses are read through a direct map (virtual = base +
// physical), so this compiles for the host tests too.
namespace Kitten.Kernel.Acpi;

internal unsafe struct AcpiTables
{
    private const int SdtHeaderSize = 36;
    private const ulong MaxTableLength = 1 << 20;

    private readonly byte* _directMap;
    private readonly ulong _rootTable;
    private readonly bool _extended; // XSDT (64-bit entries) rather than RSDT

    private AcpiTables(byte* directMap, ulong rootTable, bool extended)
    {
        _directMap = directMap;
        _rootTable = rootTable;
        _extended = extended;
    }

    public bool UsesXsdt => _extended;

    // rsdp: the RSDP structure itself (GRUB copies it into the boot information).
    public static bool TryOpen(byte* rsdp, byte* directMap, out AcpiTables tables, out string error)
    {
        tables = default;
        error = null;
        if (rsdp == null || !HasSignature(rsdp, "RSD PTR "))
        {
            error = "no ACPI root pointer";
            return false;
        }
        if (Checksum(rsdp, 20) != 0)
        {
            error = "ACPI root pointer checksum is wrong";
            return false;
        }
        byte revision = rsdp[15];
        if (revision >= 2)
        {
            uint length = *(uint*)(rsdp + 20);
            ulong xsdt = *(ulong*)(rsdp + 24);
            if (length >= 36 && length <= 1024 && Checksum(rsdp, (int)length) == 0 && xsdt != 0
                && IsValidTable(directMap, xsdt, "XSDT"))
            {
                tables = new AcpiTables(directMap, xsdt, true);
                return true;
            }
        }
        ulong rsdt = *(uint*)(rsdp + 16);
        if (!IsValidTable(directMap, rsdt, "RSDT"))
        {
            error = "ACPI RSDT/XSDT is missing or corrupt";
            return false;
        }
        tables = new AcpiTables(directMap, rsdt, false);
        return true;
    }

    // The physical address of the first valid table with this signature, or 0.
    public readonly ulong Find(string signature)
    {
        byte* root = _directMap + _rootTable;
        uint length = *(uint*)(root + 4);
        int entrySize = _extended ? 8 : 4;
        int count = (int)((length - SdtHeaderSize) / (uint)entrySize);
        for (int i = 0; i < count; i++)
        {
            byte* entry = root + SdtHeaderSize + i * entrySize;
            ulong table = _extended ? *(ulong*)entry : *(uint*)entry;
            if (table != 0 && IsValidTable(_directMap, table, signature))
                return table;
        }
        return 0;
    }

    public readonly byte* Map(ulong physical) => _directMap + physical;

    private static bool IsValidTable(byte* directMap, ulong physical, string signature)
    {
        if (physical == 0)
            return false;
        byte* table = directMap + physical;
        if (!HasSignature(table, signature))
            return false;
        uint length = *(uint*)(table + 4);
        return length >= SdtHeaderSize && length <= MaxTableLength && Checksum(table, (int)length) == 0;
    }

    private static bool HasSignature(byte* data, string signature)
    {
        for (int i = 0; i < signature.Length; i++)
            if (data[i] != signature[i])
                return false;
        return true;
    }

    // ACPI checksums: all bytes of the structure sum to zero modulo 256.
    private static byte Checksum(byte* data, int length)
    {
        byte sum = 0;
        for (int i = 0; i < length; i++)
            sum += data[i];
        return sum;
    }
}
