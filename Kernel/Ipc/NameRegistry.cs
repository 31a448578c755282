// The name registry: a service publishes its endpoint under a name ("memory", "pct", "portals") and
// clients look the name up to get a handle to send on. A name lives until its server unregisters it or the
// endpoint dies, so that a restarted service can take its name again. Lookups may wait for a name to
// appear (services start in any order).
using System.Runtime.InteropServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NameEntry
{
    public const int MaxLength = 32;

    public fixed byte Name[MaxLength];
    public int Length;
    public Endpoint* Endpoint;   // one reference; null: a free entry
}

internal static unsafe class NameRegistry
{
    public const int Capacity = 64;

    private static NameEntry* s_entries;

    // Threads waiting in NAME_LOOKUP for some name to appear; every registration wakes them to look again.
    public static ThreadQueue Waiters;

    public static int Count
    {
        get
        {
            int count = 0;
            for (int i = 0; s_entries != null && i < Capacity; i++)
            {
                if (s_entries[i].Endpoint != null)
                    count++;
            }
            return count;
        }
    }

    // 1 to 32 bytes of letters, digits, '.', '-', '_' and '/'.
    public static bool IsValid(byte* name, int length)
    {
        if (length < 1 || length > NameEntry.MaxLength)
            return false;
        for (int i = 0; i < length; i++)
        {
            byte c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '_' || c == '/';
            if (!ok)
                return false;
        }
        return true;
    }

    // The table, allocated once (at start-up in the kernel, so that it never counts as a process's leftover).
    public static bool Prepare()
    {
        if (s_entries == null)
            s_entries = (NameEntry*)IpcPlatform.AllocateZeroed((ulong)(Capacity * sizeof(NameEntry)));
        return s_entries != null;
    }

    // 0, -EEXIST, -ENOSPC, -ENOMEM. The name must be valid. Wakes the lookups that wait.
    public static int Register(byte* name, int length, Endpoint* endpoint)
    {
        if (!Prepare())
            return -Errno.ENOMEM;
        if (Find(name, length) != null)
            return -Errno.EEXIST;
        for (int i = 0; i < Capacity; i++)
        {
            NameEntry* entry = &s_entries[i];
            if (entry->Endpoint != null)
                continue;
            for (int j = 0; j < length; j++)
                entry->Name[j] = name[j];
            entry->Length = length;
            entry->Endpoint = endpoint;
            IpcObject.Retain(&endpoint->Header);
            WakeWaiters();
            return 0;
        }
        return -Errno.ENOSPC;
    }

    // The endpoint registered under the name, or null.
    public static Endpoint* Lookup(byte* name, int length)
    {
        NameEntry* entry = Find(name, length);
        return entry == null ? null : entry->Endpoint;
    }

    // 0, -ENOENT, or -EPERM if the caller is not the endpoint's server.
    public static int Unregister(byte* name, int length, ProcessIpc* caller)
    {
        NameEntry* entry = Find(name, length);
        if (entry == null)
            return -Errno.ENOENT;
        if (entry->Endpoint->Header.Owner != caller)
            return -Errno.EPERM;
        Clear(entry);
        return 0;
    }

    // Every name of an endpoint that died.
    public static void RemoveEndpoint(Endpoint* endpoint)
    {
        for (int i = 0; s_entries != null && i < Capacity; i++)
        {
            if (s_entries[i].Endpoint == endpoint)
                Clear(&s_entries[i]);
        }
    }

    private static void Clear(NameEntry* entry)
    {
        Endpoint* endpoint = entry->Endpoint;
        entry->Endpoint = null;
        entry->Length = 0;
        IpcObject.Release(&endpoint->Header);
    }

    private static NameEntry* Find(byte* name, int length)
    {
        for (int i = 0; s_entries != null && i < Capacity; i++)
        {
            NameEntry* entry = &s_entries[i];
            if (entry->Endpoint == null || entry->Length != length)
                continue;
            int j = 0;
            while (j < length && entry->Name[j] == name[j])
                j++;
            if (j == length)
                return entry;
        }
        return null;
    }

    // A waiting lookup is made runnable without a result (not Completed): it looks its name up again.
    private static void WakeWaiters()
    {
        ThreadIpc* t;
        while ((t = Waiters.RemoveFirst()) != null)
        {
            IpcWaits.Leave(t);
            IpcPlatform.Wake(t);
        }
    }

    // For the host tests: forget everything.
    public static void Reset()
    {
        if (s_entries != null)
            IpcPlatform.Free(s_entries);
        s_entries = null;
        Waiters = default;
    }
}
