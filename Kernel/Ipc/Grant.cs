// A grant: a region of its creator's memory that other processes may map, read-only or read-write, for
// bulk data (rings). The memory stays the granter's: the grant records the physical pieces behind the
// region when it is made, and every mapping of it (which address space, where). Revoking unmaps every
// mapping; the granter's own unmapping, exec or exit revokes first (see ProcessMemory.Grants.cs), so a
// grantee can never reach memory the granter no longer owns.
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Grant
{
    public const int MaxRuns = 16;
    public const int MaxMappings = 16;

    // The granter of the kernel's own grants (the free-memory view, IpcMemoryView.cs): no address space
    // has this handle (a space's handle is its object's address), so a process's unmapping, exec or exit
    // (GrantTable.RevokeOverlapping) never matches them.
    public const nint KernelGranter = 0;

    public IpcObject Header;
    public ulong Id;              // never reused: names this grant's areas in grantees' area lists
    public nint Granter;          // the granter's address space (opaque here), or KernelGranter
    public ulong Start;
    public ulong Length;
    public int MaxProt;           // PROT_READ, or PROT_READ|PROT_WRITE
    public Grant* NextLive;

    // The physical memory behind [Start, Start + Length), in order: contiguous pieces.
    public int RunCount;
    public fixed ulong RunPhysical[MaxRuns];
    public fixed ulong RunLength[MaxRuns];

    // Where it is mapped: (address space, address, length); lengths may be less than Length after a
    // grantee unmapped part of a mapping.
    public int MappingCount;
    public fixed long MappingSpace[MaxMappings];
    public fixed ulong MappingAddress[MaxMappings];
    public fixed ulong MappingLength[MaxMappings];
    public fixed int MappingProt[MaxMappings];    // what it was mapped with: mprotect may not go beyond

    public readonly bool Overlaps(ulong start, ulong end) => start < Start + Length && Start < end;

    // False if the region is in more pieces than a grant can hold.
    public bool AddRun(ulong physical, ulong length)
    {
        if (RunCount > 0 && RunPhysical[RunCount - 1] + RunLength[RunCount - 1] == physical)
        {
            RunLength[RunCount - 1] += length;
            return true;
        }
        if (RunCount == MaxRuns)
            return false;
        RunPhysical[RunCount] = physical;
        RunLength[RunCount] = length;
        RunCount++;
        return true;
    }

    public bool AddMapping(nint space, ulong address, ulong length, int prot)
    {
        if (MappingCount == MaxMappings)
            return false;
        MappingSpace[MappingCount] = space;
        MappingAddress[MappingCount] = address;
        MappingLength[MappingCount] = length;
        MappingProt[MappingCount] = prot;
        MappingCount++;
        return true;
    }

    // The index of the mapping that starts at address in the space, or -1.
    public readonly int FindMapping(nint space, ulong address)
    {
        for (int i = 0; i < MappingCount; i++)
        {
            if (MappingSpace[i] == space && MappingAddress[i] == address)
                return i;
        }
        return -1;
    }

    public void RemoveMappingAt(int i)
    {
        MappingCount--;
        MappingSpace[i] = MappingSpace[MappingCount];
        MappingAddress[i] = MappingAddress[MappingCount];
        MappingLength[i] = MappingLength[MappingCount];
        MappingProt[i] = MappingProt[MappingCount];
    }

    // Whether the space's mappings of this grant that overlap [start, end) allow prot.
    public readonly bool Allows(nint space, ulong start, ulong end, int prot)
    {
        for (int i = 0; i < MappingCount; i++)
        {
            ulong mapStart = MappingAddress[i];
            if (MappingSpace[i] == space && start < mapStart + MappingLength[i] && mapStart < end && (prot & ~MappingProt[i]) != 0)
                return false;
        }
        return true;
    }

    // A grantee unmapped [start, end) of its space: mappings there shrink, split or go. False if a split
    // needed a slot and there was none (the mapping is then kept whole: revoking unmaps a little more of the
    // grant window than is still this grant's, which only ever holds grant mappings).
    public bool ForgetRange(nint space, ulong start, ulong end)
    {
        bool ok = true;
        for (int i = MappingCount - 1; i >= 0; i--)
        {
            if (MappingSpace[i] != space)
                continue;
            ulong mapStart = MappingAddress[i], mapEnd = mapStart + MappingLength[i];
            if (end <= mapStart || start >= mapEnd)
                continue;
            bool keepHead = start > mapStart, keepTail = end < mapEnd;
            if (keepHead && keepTail)
            {
                if (!AddMapping(space, end, mapEnd - end, MappingProt[i]))
                {
                    ok = false;
                    continue;
                }
                MappingLength[i] = start - mapStart;
            }
            else if (keepHead)
            {
                MappingLength[i] = start - mapStart;
            }
            else if (keepTail)
            {
                MappingAddress[i] = end;
                MappingLength[i] = mapEnd - end;
            }
            else
            {
                RemoveMappingAt(i);
            }
        }
        return ok;
    }
}
