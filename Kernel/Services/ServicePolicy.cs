// What a service may do, as the kernel enforces it: the policy read from its manifest (ManifestReader)
// and bound to its binary (ServiceBinding). One bitmap answers "may this process make this system call":
// bits 0..511 are Linux's numbers, bits 512..575 Kitten's own calls 1024..1087 (IPC), so the system call
// path tests one bit. Names (offered, peers) are checked on the slower NAME_REGISTER and NAME_LOOKUP paths.
// Portable: unit-tested on the host.
using System;
using Kitten.Kernel.FileSystem;

namespace Kitten.Kernel.Services;

internal sealed class ServicePolicy
{
    public const int LinuxLimit = 512;                  // Linux numbers below this (SyscallTable.Size)
    public const int KittenFirst = Ipc.IpcSyscalls.First;
    public const int KittenBit = LinuxLimit;            // bit of Kitten call KittenFirst
    public const int BitmapWords = (LinuxLimit + 64) / 64;
    public const int MaxNames = 16;                     // offers, and peers, per manifest

    // exit(2) and exit_group(2) are allowed whatever the manifest says: a process may always end.
    public const int Exit = 60, ExitGroup = 231;

    public byte[] Service;          // its name
    public byte[] Binary;           // as the manifest gives it: relative to the manifest's folder, or absolute
    public byte[][] Offers = new byte[MaxNames][];
    public int OfferCount;
    public byte[][] Peers = new byte[MaxNames][];
    public int PeerCount;
    public uint Calls;              // IpcCallWords bits of its `calls` line
    public int DeviceCount;         // `device` lines: accepted, grant nothing (the kernel gives user space no devices)
    public ulong[] Allowed = new ulong[BitmapWords];

    public ServicePolicy()
    {
        AllowLinux(Exit);
        AllowLinux(ExitGroup);
    }

    public void AllowLinux(int number)
    {
        if ((uint)number < LinuxLimit)
            Allowed[number >> 6] |= 1UL << (number & 63);
    }

    // Called once the `calls` words are known: which Kitten calls they open (IpcCallWords).
    public void AllowKittenCalls()
    {
        for (int number = KittenFirst; number < KittenFirst + 64; number++)
        {
            if (IpcCallWords.Allows(Calls, number))
            {
                int bit = KittenBit + number - KittenFirst;
                Allowed[bit >> 6] |= 1UL << (bit & 63);
            }
        }
    }

    // Any system call number as the dispatcher sees it (RAX, 32 bits).
    public bool AllowsSyscall(ulong number) => Test(Allowed, number);

    // The same test on the bitmap's address, for the system call path (Thread.SyscallFilter).
    public static unsafe bool Test(ulong* bitmap, ulong number)
    {
        ulong bit = number < LinuxLimit ? number : number - KittenFirst < 64 ? number - KittenFirst + KittenBit : ulong.MaxValue;
        return bit != ulong.MaxValue && (bitmap[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }

    private static unsafe bool Test(ulong[] bitmap, ulong number)
    {
        fixed (ulong* words = bitmap)
            return Test(words, number);
    }

    public bool OffersName(ReadOnlySpan<byte> name) => Contains(Offers, OfferCount, name);

    public bool HasPeer(ReadOnlySpan<byte> name) => Contains(Peers, PeerCount, name);

    private static bool Contains(byte[][] names, int count, ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < count; i++)
            if (Bytes.Equal(names[i], name))
                return true;
        return false;
    }

    // Gives its memory back (the kernel has no garbage collector): a refused manifest's partial policy.
    public void Release()
    {
        Free(Service);
        Free(Binary);
        for (int i = 0; i < OfferCount; i++)
            Free(Offers[i]);
        for (int i = 0; i < PeerCount; i++)
            Free(Peers[i]);
        NodeMemory.Release(Offers);
        NodeMemory.Release(Peers);
        NodeMemory.Release(Allowed);
        NodeMemory.Release(this);
    }

    private static void Free(byte[] array)
    {
        if (array != null)
            NodeMemory.Release(array);
    }
}
