// Every process and thread, what it waits for, and each CPU's queues: printed once with the NMI reports
// (NmiReport), so that a hung boot shows who waits on what, as Linux's SysRq-T does. It runs on a machine
// that may be stuck with locks held, so it takes none: it reads fields that may be changing, and a line
// may be stale, but it never waits.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Diagnostics;

internal static unsafe class TaskDump
{
    public static void Write()
    {
        ulong now = Cpu.ReadTsc();
        Console.WriteRaw("kitten: tasks at tsc=");
        Console.WriteRawUnsigned(now);
        Console.WriteRaw('\n');
        for (int index = 0; index < Smp.CpuCount; index++)
        {
            CpuLocal* cpu = Smp.CpuAt(index);
            Console.WriteRaw("  cpu ");
            Console.WriteRawUnsigned((ulong)index);
            Console.WriteRaw(": ready ");
            Console.WriteRawUnsigned((ulong)cpu->Queue.Count);
            Console.WriteRaw(cpu->Queue.IsEmpty ? " (empty list)" : " (first tid ");
            if (!cpu->Queue.IsEmpty)
            {
                Console.WriteRawUnsigned((ulong)cpu->Queue.First->Tid);
                Console.WriteRaw(")");
            }
            Console.WriteRaw(cpu->Timers.IsEmpty ? ", no timers" : ", earliest timer in ");
            if (!cpu->Timers.IsEmpty)
                WriteTicksFrom(now, cpu->Timers.EarliestDeadline);
            Console.WriteRaw(", timer armed for ");
            WriteTicksFrom(now, cpu->ArmedDeadline);
            Console.WriteRaw(cpu->NeedReschedule ? ", reschedule wanted" : "");
            Console.WriteRaw(", timer interrupts ");
            Console.WriteRawUnsigned(cpu->TimerInterrupts);
            Console.WriteRaw(", reschedule IPIs ");
            Console.WriteRawUnsigned(cpu->RescheduleIpis);
            Console.WriteRaw(", switches ");
            Console.WriteRawUnsigned(cpu->ContextSwitches);
            Console.WriteRaw('\n');
        }
        ProcessTable.ForEachWithoutLock(&WriteProcess, null);
    }

    private static void WriteProcess(Process process, void* unused)
    {
        Console.WriteRaw("  pid ");
        Console.WriteRawUnsigned((ulong)process.Pid);
        Console.WriteRaw(" (");
        Console.WriteRaw(process.NameText);
        Console.WriteRaw(process.State == ProcessState.Zombie ? ") zombie" : ") running");
        Console.WriteRaw(", parent ");
        Console.WriteRawUnsigned(process.Parent == null ? 0UL : (ulong)process.Parent.Pid);
        Console.WriteRaw(process.GroupExiting ? ", exiting\n" : "\n");
        int shown = 0;
        for (Thread* thread = process.FirstThread; thread != null && shown < 64; thread = thread->GroupNext, shown++)
            WriteThread(thread);
    }

    private static void WriteThread(Thread* thread)
    {
        Console.WriteRaw("    tid ");
        Console.WriteRawUnsigned((ulong)thread->Tid);
        Console.WriteRaw(thread->State switch
        {
            ThreadState.Ready => " ready",
            ThreadState.Running => " running",
            ThreadState.Blocked => " blocked",
            ThreadState.Sleeping => " sleeping",
            _ => " exited",
        });
        Console.WriteRaw(" on cpu ");
        Console.WriteRawUnsigned((ulong)thread->Cpu);
        if (thread->SyscallNumber >= 0)
        {
            Console.WriteRaw(", in syscall ");
            Console.WriteRawUnsigned((ulong)thread->SyscallNumber);
        }
        if (thread->FutexQueued)
        {
            Console.WriteRaw(", futex key 0x");
            Console.WriteRawHex(thread->FutexKey, 1);
        }
        if (thread->InTimerQueue)
        {
            Console.WriteRaw(", wakes in ");
            WriteTicksFrom(Cpu.ReadTsc(), thread->WakeTsc);
        }
        if (thread->State == ThreadState.Ready)
        {
            Console.WriteRaw(thread->LastReady switch
            {
                ReadyReason.Preempted => ", preempted ",
                ReadyReason.TimerExpired => ", sleep ended ",
                ReadyReason.WokenHere => ", woken from its cpu ",
                ReadyReason.WokenRemotely => ", woken from another cpu ",
                ReadyReason.Migrated => ", migrated ",
                _ => ", ready ",
            });
            WriteTicksFrom(thread->LastReadyTsc, Cpu.ReadTsc());
            Console.WriteRaw(" ago while ");
            if (thread->LastReadyRunning < 0)
                Console.WriteRaw("idle");
            else
            {
                Console.WriteRaw("tid ");
                Console.WriteRawUnsigned((ulong)thread->LastReadyRunning);
            }
            Console.WriteRaw(" ran");
        }
        if (thread->KillStatus != 0)
            Console.WriteRaw(", being killed");
        if (thread->ExitRequested)
            Console.WriteRaw(", exit requested");
        Console.WriteRaw(", pending signals 0x");
        Console.WriteRawHex(thread->Signals.Pending.Set, 1);
        Console.WriteRaw(", blocked 0x");
        Console.WriteRawHex(thread->Signals.Blocked, 1);
        Console.WriteRaw('\n');
    }

    private static void WriteTicksFrom(ulong now, ulong deadline)
    {
        if (deadline == 0 || deadline == ulong.MaxValue)
        {
            Console.WriteRaw("never");
            return;
        }
        if (deadline < now)
        {
            Console.WriteRaw("-");
            Console.WriteRawUnsigned(now - deadline);
        }
        else
            Console.WriteRawUnsigned(deadline - now);
        Console.WriteRaw(" ticks");
    }
}
