// The kernel side of the portable IPC code: where its objects are allocated, how its threads are woken,
// how a thread and a process find their IPC state, and the IPC system calls' entry checks.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcKernel
{
    public static void Initialize()
    {
        IpcPlatform.AllocateZeroed = &Allocate;
        IpcPlatform.Free = &KernelHeap.Free;
        IpcPlatform.Wake = &Wake;
        GrantTable.UnmapFromSpace = &IpcGrants.UnmapFromSpace;
        IpcGrants.Initialize();
        NameRegistry.Prepare();
        IpcMemoryView.Initialize();
    }

    private static void* Allocate(ulong size) => KernelHeap.AllocateZeroed(size);

    private static void Wake(ThreadIpc* t) => Scheduler.Wake((Thread*)t->Thread);

    // Where a thread's user registers are while it is in a system call: syscall.asm pushes them at the
    // top of its kernel stack.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterruptContext* UserRegisters(Thread* thread)
        => (InterruptContext*)(thread->StackTop - (ulong)sizeof(InterruptContext));

    // The calling thread's IPC state, made ready for a call: its registers, and its process's IPC state
    // (created on first use). Null if memory is short.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadIpc* Begin(InterruptContext* context, out Thread* self)
    {
        self = CpuLocal.Current->Running;
        if (context != UserRegisters(self))
            Panic.Fail("IPC: a system call's registers are not at the top of its kernel stack");
        ThreadIpc* t = &self->Ipc;
        t->Thread = (nint)self;
        t->Registers = context;
        Process process = Process.Of(self);
        ProcessIpc* p = process.Ipc;
        if (p == null)
            p = CreateProcessIpc(process);
        t->Process = p;
        return p == null ? null : t;
    }

    // The process's IPC state on its first IPC call, made under IpcLock: two of its threads may make
    // their first call at once, and both must find the same table.
    private static ProcessIpc* CreateProcessIpc(Process process)
    {
        IpcLock.Acquire();
        ProcessIpc* p = process.Ipc;
        if (p == null)
        {
            p = (ProcessIpc*)IpcPlatform.AllocateZeroed((ulong)sizeof(ProcessIpc));
            if (p != null)
            {
                p->Process = process.Handle;
                p->Pid = process.Pid;
                process.Ipc = p;
            }
        }
        IpcLock.Release();
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterruptContext* Fail(InterruptContext* context, long error)
    {
        context->Rax = (ulong)error;
        return context;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterruptContext* Result(InterruptContext* context, long value)
    {
        context->Rax = (ulong)value;
        return context;
    }

    // The TSC deadline for a non-zero timeout (0: none).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong DeadlineFor(ulong timeout)
        => timeout == IpcTimeout.Forever ? 0 : IpcTimeout.Deadline(timeout, Cpu.ReadTsc(), TimeBase.TscHz);

    // Copies a message's long part (RBX, length from the info word) into kernel memory: 0, -ENOMEM, -EFAULT.
    public static int CaptureLong(ThreadIpc* t, InterruptContext* context, ulong info)
    {
        uint length = MessageInfo.LongLength(info);
        if (length == 0)
            return 0;
        byte* buffer = (byte*)KernelHeap.AllocateZeroed(length);
        if (buffer == null)
            return -Errno.ENOMEM;
        if (UserMemory.CopyIn(buffer, context->Rbx, length) != 0)
        {
            KernelHeap.Free(buffer);
            return -Errno.EFAULT;
        }
        t->OutLong = buffer;
        return 0;
    }

    // Whether the receive buffer (RBX, capacity R10) is writable user memory, as far as a message can reach;
    // a part in the stack's reservation is committed now (ProcessMemory.Stack.cs), so that the copy into
    // it later (IpcBlocking.Finish, which cannot wait for the memory lock) finds it. Under the process's
    // memory lock: another thread may be unmapping page tables this walks.
    public static bool BufferWritable(InterruptContext* context)
    {
        ulong capacity = context->R10 < MessageInfo.MaxLong ? context->R10 : MessageInfo.MaxLong;
        if (capacity == 0)
            return true;
        ulong start = context->Rbx;
        if (!UserMemory.IsUserRange(start, capacity))
            return false;
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        ProcessMemory memory = process.Memory;
        bool writable = true;
        for (ulong page = start & ~(ProcessMemory.PageSize - 1); writable && page < start + capacity; page += ProcessMemory.PageSize)
            writable = Writable(memory, page) || (memory.GrowStack(page) && Writable(memory, page));
        process.MemoryLock.Release();
        return writable;
    }

    private static bool Writable(ProcessMemory memory, ulong page)
        => memory.Tables.Translate(page, out _, out PageFlags flags, out _)
            && (flags & (PageFlags.User | PageFlags.Writable)) == (PageFlags.User | PageFlags.Writable);

    // A name from user memory (RDI address, RSI length) into `name`: its length, -EINVAL, -EFAULT.
    public static int CopyName(InterruptContext* context, byte* name)
    {
        ulong length = context->Rsi;
        if (length < 1 || length > NameEntry.MaxLength)
            return -Errno.EINVAL;
        if (UserMemory.CopyIn(name, context->Rdi, length) != 0)
            return -Errno.EFAULT;
        if (!NameRegistry.IsValid(name, (int)length))
            return -Errno.EINVAL;
        return (int)length;
    }
}
