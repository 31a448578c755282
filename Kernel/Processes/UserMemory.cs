// Copies between the kernel and the current process's memory through addresses user space gave us. Every
// access is range-checked (the whole range must lie in the user half, [0, 512 GiB)) and done with the
// fault-tolerant copies of SafeMemory, so that an unmapped, protected or hostile address becomes EFAULT,
// never a kernel fault. The current process's page tables are loaded while its thread runs.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Processes;

internal static unsafe class UserMemory
{
    public const ulong End = 512UL << 30;

    public static bool IsUserRange(ulong address, ulong length) => length <= End && address <= End - length;

    // 0, or -EFAULT.
    public static int CopyIn(void* destination, ulong source, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(source, length) || SafeMemory.Copy(destination, (void*)source, length) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    public static int CopyOut(ulong destination, void* source, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(destination, length) || SafeMemory.Copy((void*)destination, source, length) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    public static int Zero(ulong destination, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(destination, length) || SafeMemory.Fill((void*)destination, 0, length) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    public static bool Read64(ulong address, out ulong value)
    {
        ulong v;
        bool ok = CopyIn(&v, address, 8) == 0;
        value = ok ? v : 0;
        return ok;
    }

    public static bool Write64(ulong address, ulong value) => CopyOut(address, &value, 8) == 0;

    public static bool Write32(ulong address, uint value) => CopyOut(address, &value, 4) == 0;

    // Copies a NUL-terminated string of at most capacity - 1 bytes (plus the NUL) into destination.
    // Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL comes within the capacity.
    public static int CopyString(ulong source, byte* destination, int capacity)
    {
        int copied = 0;
        while (copied < capacity)
        {
            // Never read across a page boundary in one go: the next page may be unmapped.
            ulong address = source + (ulong)copied;
            int chunk = (int)(4096 - (address & 4095));
            if (chunk > capacity - copied)
                chunk = capacity - copied;
            if (CopyIn(destination + copied, address, (ulong)chunk) != 0)
                return -Errno.EFAULT;
            for (int i = 0; i < chunk; i++)
            {
                if (destination[copied + i] == 0)
                    return copied + i;
            }
            copied += chunk;
        }
        return -Errno.ENAMETOOLONG;
    }
}
