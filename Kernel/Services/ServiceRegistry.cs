// The services bound at boot (ServiceBinding), looked up by the binary's identity when a process execs,
// and by name when a process registers one: a name some bound manifest offers is reserved for processes
// under a manifest offering it. Filled before the first process starts and only read afterwards, so it
// needs no lock.
using System;

namespace Kitten.Kernel.Services;

internal static class ServiceRegistry
{
    public const int Capacity = 64;

    private static BoundService[] s_bound;     // allocated with the first binding

    public static int Count { get; private set; }

    public static bool Add(BoundService service)
    {
        if (Count == Capacity)
            return false;
        if (s_bound == null)
            s_bound = new BoundService[Capacity];
        s_bound[Count++] = service;
        return true;
    }

    // The service whose binary this file is, or null.
    public static BoundService Find(ulong device, ulong inode)
    {
        for (int i = 0; i < Count; i++)
            if (s_bound[i].Inode == inode && s_bound[i].Device == device)
                return s_bound[i];
        return null;
    }

    // A bound service offering the name, or null if no manifest offers it.
    public static BoundService Offering(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < Count; i++)
            if (s_bound[i].Policy.OffersName(name))
                return s_bound[i];
        return null;
    }
}
