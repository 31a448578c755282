// What a mapping allows, independent of how the entry encodes it. Read access is implied by a mapping
// existing: x86-64 has no write-only or execute-only pages (Intel SDM vol. 3A, 4.6 "Access Rights").
using System;

namespace Kitten.Kernel.Arch.X64;

[Flags]
internal enum PageFlags : uint
{
    None = 0,
    Writable = 1 << 0,
    Executable = 1 << 1,  // clears XD (only meaningful when the CPU supports NX)
    User = 1 << 2,        // ring 3 may access; lower half only
    NoCache = 1 << 3,     // PCD|PWT: uncached, for MMIO
    Global = 1 << 4,      // survives CR3 loads (CR4.PGE); for kernel mappings shared by every space
    Zeroed = 1 << 5,      // the pages are all zeros now (PageTableEntry.Zeroed); not reported by Translate
}

// The leaf sizes a mapping may use.
[Flags]
internal enum PageSizes : uint
{
    Size4K = 1 << 0,
    Size2M = 1 << 1,
    Size1G = 1 << 2,      // needs CPUID.80000001H:EDX.Page1GB[bit 26] (Intel SDM vol. 3A, 4.1.4)
    All = Size4K | Size2M | Size1G,
}
