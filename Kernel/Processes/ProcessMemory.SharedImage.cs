// The read-only pages of the program, when they come from the image cache: mapped from the one shared
// copy rather than from this process's own memory (ImageCache explains when and why).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    // The cache entry whose pages this address space maps, holding one user of it; null if none.
    private ImageCacheEntry _image;

    // The program's cached pages this address space maps from now on; it takes over the caller's use of
    // the entry and releases it when destroyed.
    public void AttachImage(ImageCacheEntry image)
    {
        if (_image != null)
            ImageCache.Release(_image);
        _image = image;
    }

    // Adds [start, end) as an area backed by the attached image's pages. False if the range is taken or
    // page tables cannot be had.
    public bool AddSharedImageArea(ulong start, ulong end, int prot)
    {
        var vma = new Vma { Start = start, End = end, Prot = prot, Kind = VmaKind.Image, Committed = true, SharedImage = true };
        if (_image == null || !Areas.Insert(vma))
            return false;
        if (!MapSharedImage(start, end, prot))
        {
            Areas.RemoveAt(Areas.Find(start));
            return false;
        }
        return true;
    }

    private bool MapSharedImage(ulong start, ulong end, int prot)
    {
        if (Tables.Map(start, _image.PhysicalAt(start), end - start, FlagsFor(prot), KernelPageTables.LargestPages) == PageTableResult.Ok)
            return true;
        Tables.Unmap(start, end - start);
        return false;
    }

    // Unmaps a committed area and gives back its memory, unless the cache owns it.
    private void Unback(in Vma vma)
    {
        if (vma.SharedImage)
            Tables.Unmap(vma.Start, vma.Length);
        else
            Release(vma.Start, vma.End);
    }

    // mprotect(PROT_WRITE) on shared program pages: they become this process's own copy, so that what it
    // writes no other process sees (a private mapping's copy on write, done at once). Another thread of
    // the process touching the range while it is remapped takes a fault, as it would on Linux only if it
    // raced with munmap; programs that rewrite their own code do so before starting threads.
    private bool TakePrivateCopy(ref Vma vma, PageFlags flags)
    {
        Tables.Unmap(vma.Start, vma.Length);
        if (!Back(vma.Start, vma.End, flags, zero: false))
        {
            MapSharedImage(vma.Start, vma.End, vma.Prot);
            return false;
        }
        for (ulong at = vma.Start; at < vma.End;)
        {
            ulong run = Tables.ContiguousRun(at, vma.End - at, out ulong target);
            if (run == 0)
                return false; // cannot happen: just backed
            Runtime.MemoryOps.Move((byte*)PhysicalMemory.ToVirtual(target), (byte*)PhysicalMemory.ToVirtual(_image.PhysicalAt(at)), (nuint)run);
            at += run;
        }
        vma.SharedImage = false;
        return true;
    }
}
