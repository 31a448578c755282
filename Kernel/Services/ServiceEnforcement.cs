// The kernel refusing what a process's manifest does not allow (issue 6). A process runs under a policy
// from the moment it execs a bound binary (ServiceRegistry) and keeps it across fork, clone and exec of
// any unbound program, as seccomp filters are kept: a service cannot shed its manifest by exec'ing
// /bin/sh. Exec of another bound binary replaces the policy. Processes never under one are not restricted.
//
// A Linux call goes through the thread's handler table (Thread.SyscallHandlers): the kernel's for an
// unrestricted process, its policy's copy otherwise, where each refused call's handler is RefuseLinux, so
// the check costs the system call path nothing. Kitten's own calls test the policy's bitmap
// (Thread.SyscallFilter: null for an unrestricted process, one branch). What is refused returns EPERM and
// is reported once per process and call:
//     manifest: memory-paged[12] refused socket (41)
// Names are checked here when a process registers or looks one up.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Services;

internal static unsafe class ServiceEnforcement
{
    // execve(2) of the file (device, inode) succeeded: the thread is the process's only one.
    public static void Executed(Process process, Thread* thread, ulong device, ulong inode)
    {
        BoundService bound = ServiceRegistry.Find(device, inode);
        if (bound != null)
            Attach(process, bound);
        Apply(process, thread);
    }

    // Points a thread of the process at its policy's tables, or at the unrestricted ones.
    public static void Apply(Process process, Thread* thread)
    {
        BoundService service = process.Service;
        thread->SyscallFilter = service != null ? service.Filter : null;
        thread->SyscallHandlers = service != null ? service.Handlers : SyscallTable.Handlers;
    }

    // The handler of every Linux call a policy refuses (BoundService.Handlers).
    public static long RefuseLinux(InterruptContext* context)
    {
        Thread* thread = CpuLocal.Current->Running;
        return Refuse(thread, (ulong)thread->SyscallNumber);
    }

    // A new process under `service` (null: none), before its first thread is made (UserThreads.Create
    // points the thread at the policy's bitmap).
    public static void Attach(Process process, BoundService service)
    {
        process.Service = service;
        if (service != null && process.RefusalsReported == null)
            process.RefusalsReported = new ulong[ServicePolicy.BitmapWords];
    }

    // A Linux or Kitten call outside the policy: -EPERM, said once per process and call.
    public static long Refuse(Thread* thread, ulong number)
    {
        Process process = Process.Of(thread);
        BoundService service = process.Service;
        ulong[] reported = process.RefusalsReported;
        ulong bit = number < ServicePolicy.LinuxLimit ? number
            : number - ServicePolicy.KittenFirst < 64 ? number - ServicePolicy.KittenFirst + ServicePolicy.KittenBit
            : ServicePolicy.BitmapWords * 64 - 1;   // any other number: one line for them all
        if (service != null && reported != null && (reported[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
        {
            reported[bit >> 6] |= 1UL << (int)(bit & 63);
            string name = number - ServicePolicy.KittenFirst < 64 ? Ipc.IpcSyscalls.NameOf((long)number) : SyscallNames.Of((long)number);
            Console.WriteLine($"manifest: {service.Name}[{process.Pid}] refused {name} ({number})");
        }
        return -Errno.EPERM;
    }

    // NAME_REGISTER: a process under a policy registers only names it offers; any other process only names
    // that no bound manifest offers (so that no ordinary program can take "memory" first). 0 or -EPERM.
    public static int CheckRegister(byte* name, int length)
    {
        var text = new ReadOnlySpan<byte>(name, length);
        Process process = Process.Current;
        BoundService service = process.Service;
        if (service != null)
        {
            if (service.Policy.OffersName(text))
                return 0;
            Console.WriteLine($"manifest: {service.Name}[{process.Pid}] refused registering '{text}': not offered by its manifest");
            return -Errno.EPERM;
        }
        BoundService owner = ServiceRegistry.Offering(text);
        if (owner == null)
            return 0;
        Console.WriteLine($"manifest: pid {process.Pid} ({process.NameText}) refused registering '{text}': reserved for {owner.Name}");
        return -Errno.EPERM;
    }

    // NAME_LOOKUP: a process under a policy looks up only its peers. 0 or -EPERM.
    public static int CheckLookup(byte* name, int length)
    {
        var text = new ReadOnlySpan<byte>(name, length);
        Process process = Process.Current;
        BoundService service = process.Service;
        if (service == null || service.Policy.HasPeer(text))
            return 0;
        Console.WriteLine($"manifest: {service.Name}[{process.Pid}] refused looking up '{text}': not among its peers");
        return -Errno.EPERM;
    }
}
