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
        if (!IsUserRange(source, length))
            return -Errno.EFAULT;
        ulong left = SafeMemory.Copy(destination, (void*)source, length);
        // A fault in the stack's reservation commits more stack (ProcessMemory.Stack) and the copy goes on.
        while (left != 0 && GrowStack(source + (length - left)))
            left = SafeMemory.Copy((byte*)destination + (length - left), (void*)(source + (length - left)), left);
        return left == 0 ? 0 : -Errno.EFAULT;
    }

    // As CopyOut, but into committed memory only (no stack growth, which may wait for the memory lock):
    // for callers that must not block. 0, or -EFAULT.
    public static int CopyOutCommitted(ulong destination, void* source, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(destination, length))
            return -Errno.EFAULT;
        return SafeMemory.Copy((void*)destination, source, length) == 0 ? 0 : -Errno.EFAULT;
    }

    public static int CopyOut(ulong destination, void* source, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(destination, length))
            return -Errno.EFAULT;
        ulong left = SafeMemory.Copy((void*)destination, source, length);
        while (left != 0 && GrowStack(destination + (length - left)))
            left = SafeMemory.Copy((void*)(destination + (length - left)), (byte*)source + (length - left), left);
        return left == 0 ? 0 : -Errno.EFAULT;
    }

    public static int Zero(ulong destination, ulong length)
    {
        if (length == 0)
            return 0;
        if (!IsUserRange(destination, length))
            return -Errno.EFAULT;
        ulong left = SafeMemory.Fill((void*)destination, 0, length);
        while (left != 0 && GrowStack(destination + (length - left)))
            left = SafeMemory.Fill((void*)(destination + (length - left)), 0, left);
        return left == 0 ? 0 : -Errno.EFAULT;
    }

    // The stack growth a kernel access into the stack's reservation needs (in a system call, where the
    // thread may wait for its process's memory lock; a caller that holds it already goes on under it).
    private static bool GrowStack(ulong address)
    {
        Process process = Process.Current;
        if (process == null || process.Memory == null)
            return false;
        bool held = process.MemoryLock.HeldByCurrentThread;
        if (!held)
            process.MemoryLock.Acquire();
        bool grown = process.Memory.GrowStack(address);
        if (!held)
            process.MemoryLock.Release();
        return grown;
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
