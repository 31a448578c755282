// Random bytes for user space (getrandom, /dev/urandom, AT_RANDOM): RDRAND where the CPU has it, else a
// xorshift generator seeded from the TSC. Not a cryptographic generator in the fallback case; the kernel
// says which it uses at boot.
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Devices;

internal static unsafe class Entropy
{
    [RuntimeImport("cpu_rdrand")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern int RdRand(ulong* value);

    private static bool s_hasRdRand;
    private static ulong s_state;

    public static bool HardwareBacked => s_hasRdRand;

    public static void Initialize()
    {
        s_hasRdRand = (Cpu.Cpuid(1).Ecx & (1U << 30)) != 0;
        s_state = Cpu.ReadTsc() | 1;
    }

    public static ulong Next()
    {
        ulong value;
        if (s_hasRdRand)
        {
            for (int tries = 0; tries < 10; tries++)
                if (RdRand(&value) != 0)
                    return value;
        }
        // xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators").
        ulong x = s_state ^ Cpu.ReadTsc();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s_state = x;
        return x * 0x2545F4914F6CDD1D;
    }

    public static void Fill(byte* destination, ulong length)
    {
        ulong i = 0;
        while (i < length)
        {
            ulong value = Next();
            for (int b = 0; b < 8 && i < length; b++, i++)
                destination[i] = (byte)(value >> (8 * b));
        }
    }
}
