// Puts a parsed executable into memory the LWK way: the kernel backs the image's whole span with one
// physically contiguous region, so loading is copying each PT_LOAD's file bytes to its place in that
// region and zeroing the rest (the bss past p_filesz, the gaps between segments, the page tails), so that
// no stale kernel data reaches the program. Permissions are the caller's to apply, per segment
// (ElfSegment.Flags over PageStart..PageEnd). No relocation is applied: a static-PIE relocates itself
// (glibc csu/libc-start.c calls _dl_relocate_static_pie, elf/dl-reloc-static-pie.c, before anything that
// needs relocated data) and Linux's loader applies none either.
namespace Kitten.Kernel.Exec;

internal static unsafe class ElfLoader
{
    // region backs user addresses [image.SpanStart + bias, image.SpanEnd + bias) and must not overlap the
    // file. On success every byte of [region, region + image.SpanSize) has been written.
    public static bool TryLoad(in ElfImage image, ulong bias, byte* region, ulong regionLength, out string error)
    {
        if (image.SegmentCount == 0)
        {
            error = "no executable was parsed";
            return false;
        }
        error = image.CheckLoadBias(bias);
        if (error != null)
            return false;
        ulong spanSize = image.SpanSize;
        if (region == null || regionLength < spanSize)
        {
            error = "memory region is smaller than the image";
            return false;
        }
        ulong spanStart = image.SpanStart;
        ulong done = 0;
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            ulong start = segment.VirtualAddress - spanStart;
            Zero(region + done, start - done);
            Copy(region + start, image.FileData + segment.FileOffset, segment.FileSize);
            Zero(region + start + segment.FileSize, segment.MemorySize - segment.FileSize);
            done = start + segment.MemorySize;
        }
        Zero(region + done, spanSize - done);
        return true;
    }

    // Portable loops (the kernel's memmove is assembly the host does not have), eight bytes at a time.
    private static void Copy(byte* destination, byte* source, ulong length)
    {
        ulong i = 0;
        for (; i + 8 <= length; i += 8)
            *(ulong*)(destination + i) = *(ulong*)(source + i);
        for (; i < length; i++)
            destination[i] = source[i];
    }

    private static void Zero(byte* destination, ulong length)
    {
        ulong i = 0;
        for (; i + 8 <= length; i += 8)
            *(ulong*)(destination + i) = 0;
        for (; i < length; i++)
            destination[i] = 0;
    }
}
