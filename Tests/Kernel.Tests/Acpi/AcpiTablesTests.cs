using System.Runtime.InteropServices;
using System.Text;
using Kitten.Kernel.Acpi;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Acpi;

// Builds ACPI tables in a buffer that stands for physical memory [0, 64 KiB) and reads them back.
public unsafe class AcpiTablesTests
{
    private const int MemorySize = 64 * 1024;
    private byte* _memory;

    [SetUp]
    public void Allocate() => _memory = (byte*)NativeMemory.AllocZeroed(MemorySize);

    [TearDown]
    public void Free() => NativeMemory.Free(_memory);

    private void Put(ulong physical, byte[] bytes) => bytes.CopyTo(new Span<byte>(_memory + physical, bytes.Length));

    private static void FixChecksum(byte[] table, int length, int checksumOffset)
    {
        table[checksumOffset] = 0;
        byte sum = 0;
        for (int i = 0; i < length; i++) sum += table[i];
        table[checksumOffset] = (byte)(0 - sum);
    }

    private static byte[] Table(string signature, byte[] body)
    {
        var table = new byte[36 + body.Length];
        Encoding.ASCII.GetBytes(signature).CopyTo(table, 0);
        BitConverter.GetBytes((uint)table.Length).CopyTo(table, 4);
        table[8] = 1;
        body.CopyTo(table, 36);
        FixChecksum(table, table.Length, 9);
        return table;
    }

    private static byte[] Rsdp(uint rsdt, ulong xsdt, byte revision)
    {
        var rsdp = new byte[36];
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(rsdp, 0);
        rsdp[15] = revision;
        BitConverter.GetBytes(rsdt).CopyTo(rsdp, 16);
        BitConverter.GetBytes(36u).CopyTo(rsdp, 20);
        BitConverter.GetBytes(xsdt).CopyTo(rsdp, 24);
        FixChecksum(rsdp, 20, 8);
        FixChecksum(rsdp, 36, 32);
        return rsdp;
    }

    private static byte[] MadtBody(params byte[][] entries)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(0xFEE00000u));
        body.AddRange(BitConverter.GetBytes(1u));
        foreach (var e in entries) body.AddRange(e);
        return body.ToArray();
    }

    private static byte[] LocalApic(byte uid, byte apicId, uint flags)
        => new byte[] { 0, 8, uid, apicId }.Concat(BitConverter.GetBytes(flags)).ToArray();

    private static byte[] IoApic(uint address)
        => new byte[] { 1, 12, 0, 0 }.Concat(BitConverter.GetBytes(address)).Concat(BitConverter.GetBytes(0u)).ToArray();

    private static byte[] X2Apic(uint apicId, uint flags, uint uid)
        => new byte[] { 9, 16, 0, 0 }.Concat(BitConverter.GetBytes(apicId)).Concat(BitConverter.GetBytes(flags)).Concat(BitConverter.GetBytes(uid)).ToArray();

    private void BuildSystem(byte revision, params byte[][] madtEntries)
    {
        Put(0x2000, Table("APIC", MadtBody(madtEntries)));
        Put(0x1000, Table("FACP", new byte[80]));
        Put(0x3000, Table("RSDT", BitConverter.GetBytes(0x1000u).Concat(BitConverter.GetBytes(0x2000u)).ToArray()));
        Put(0x4000, Table("XSDT", BitConverter.GetBytes(0x1000UL).Concat(BitConverter.GetBytes(0x2000UL)).ToArray()));
        Put(0x100, Rsdp(0x3000, 0x4000, revision));
    }

    [TestCase((byte)0, false)]
    [TestCase((byte)2, true)]
    public void FindsTheMadtThroughRsdtOrXsdt(byte revision, bool expectXsdt)
    {
        BuildSystem(revision, LocalApic(0, 0, 1), LocalApic(1, 2, 1), IoApic(0xFEC00000));
        Assert.That(AcpiTables.TryOpen(_memory + 0x100, _memory, out var tables, out var error), Is.True, error);
        Assert.That(tables.UsesXsdt, Is.EqualTo(expectXsdt));
        Assert.That(tables.Find("APIC"), Is.EqualTo(0x2000UL));
        Assert.That(tables.Find("HPET"), Is.Zero);
    }

    [Test]
    public void ListsUsableProcessorsAndTheIoApic()
    {
        BuildSystem(2, LocalApic(0, 0, 1), LocalApic(1, 1, 0), LocalApic(2, 4, 2), X2Apic(300, 1, 3), IoApic(0xFEC00000));
        AcpiTables.TryOpen(_memory + 0x100, _memory, out var tables, out _);
        var madt = new Madt(tables.Map(tables.Find("APIC")));
        var processors = new ProcessorEntry[8];
        int count = madt.GetProcessors(processors);
        Assert.That(count, Is.EqualTo(3), "the disabled, not online-capable processor is not listed");
        Assert.That(processors.Take(count).Select(p => p.ApicId), Is.EqualTo(new uint[] { 0, 4, 300 }));
        Assert.That(madt.LocalApicAddress, Is.EqualTo(0xFEE00000u));
        Assert.That(madt.FirstIoApicAddress, Is.EqualTo(0xFEC00000UL));
    }

    [Test]
    public void ATableWithABadChecksumIsIgnored()
    {
        BuildSystem(2, LocalApic(0, 0, 1));
        _memory[0x2000 + 40] ^= 0xFF; // corrupt the MADT body without fixing its checksum
        AcpiTables.TryOpen(_memory + 0x100, _memory, out var tables, out _);
        Assert.That(tables.Find("APIC"), Is.Zero);
    }

    [Test]
    public void ABadRootPointerIsRefused()
    {
        BuildSystem(2, LocalApic(0, 0, 1));
        _memory[0x100 + 9] ^= 1;
        Assert.That(AcpiTables.TryOpen(_memory + 0x100, _memory, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("checksum"));
        Assert.That(AcpiTables.TryOpen(null, _memory, out _, out _), Is.False);
    }

    [Test]
    public void ACorruptMadtEntryStopsTheWalk()
    {
        // An entry claiming length 0 would loop forever if trusted.
        BuildSystem(2, LocalApic(0, 0, 1), new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, LocalApic(1, 1, 1));
        AcpiTables.TryOpen(_memory + 0x100, _memory, out var tables, out _);
        var madt = new Madt(tables.Map(tables.Find("APIC")));
        var processors = new ProcessorEntry[8];
        Assert.That(madt.GetProcessors(processors), Is.EqualTo(1));
    }
}
