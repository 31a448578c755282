// A manifest's `device KIND FIRST[-LAST]` line: ioport (0..0xffff), mmio (any address) or irq (0..255),
// an inclusive range in decimal or 0x hex, as the C# library reads it (ServiceManifest.cs, DeviceRange).
// The kernel gives user space no device access today (no I/O permission bitmap, no MMIO mappings, no
// interrupt delivery to processes), so a valid line is accepted and grants nothing; it is checked so that
// a manifest the kernel takes is one the library takes. Portable: unit-tested on the host.
using System;

namespace Kitten.Kernel.Services;

internal static class DeviceLine
{
    // null if the line is valid, else the reason and the index of the word at fault.
    public static string Check(ReadOnlySpan<byte> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, out int word)
    {
        word = 0;
        if (starts.Length != 3)
            return "device KIND FIRST[-LAST], KIND one of ioport, mmio, irq";
        word = 1;
        ReadOnlySpan<byte> kind = text.Slice(starts[1], lengths[1]);
        ulong limit;
        if (FileSystem.Bytes.Equal(kind, "ioport"))
            limit = 0xFFFF;
        else if (FileSystem.Bytes.Equal(kind, "irq"))
            limit = 255;
        else if (FileSystem.Bytes.Equal(kind, "mmio"))
            limit = ulong.MaxValue;
        else
            return "device kind: ioport, mmio or irq";
        word = 2;
        ReadOnlySpan<byte> range = text.Slice(starts[2], lengths[2]);
        int dash = ManifestWords.IndexOf(range, (byte)'-');
        ReadOnlySpan<byte> firstText = dash < 0 ? range : range.Slice(0, dash);
        ReadOnlySpan<byte> lastText = dash < 0 ? range : range.Slice(dash + 1);
        if (!ManifestWords.TryParseNumber(firstText, out ulong first) || !ManifestWords.TryParseNumber(lastText, out ulong last) || last < first)
            return "device range: FIRST or FIRST-LAST, numbers in decimal or 0x hex, FIRST <= LAST";
        if (last > limit)
            return "device range beyond what the kind allows (ioport 0xffff, irq 255)";
        return null;
    }
}
