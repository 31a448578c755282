// Where every interrupt and exception lands after interrupts.asm saved the registers. Exceptions in
// ring 0 are panics unless the faulting instruction has a fix-up (see ExceptionFixups) or a test has
// claimed the vector; external interrupts go to the handler registered for their vector.
using System.Runtime;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class InterruptDispatcher
{
    // Returns the context to resume: the one passed in, or another thread's after a switch.
    private static delegate*<InterruptContext*, InterruptContext*>* s_handlers;

    private static delegate*<InterruptContext*, bool> s_exceptionHook;

    public static void Initialize()
    {
        s_handlers = (delegate*<InterruptContext*, InterruptContext*>*)Memory.KernelHeap.AllocateZeroed(256 * 8);
    }

    public static void Register(int vector, delegate*<InterruptContext*, InterruptContext*> handler)
    {
        if (vector < ExceptionNames.FirstExternal || vector > 255)
            Panic.Fail("interrupt handler for a reserved vector");
        s_handlers[vector] = handler;
    }

    public static void Unregister(int vector) => s_handlers[vector] = null;

    // For tests of the exception path: the hook sees each exception first and returns true if it
    // handled it (having fixed up the context so that execution can continue).
    public static void SetExceptionHook(delegate*<InterruptContext*, bool> hook) => s_exceptionHook = hook;

    public static ulong ExceptionCount { get; private set; }

    [RuntimeExport("InterruptDispatch")]
    private static InterruptContext* Dispatch(InterruptContext* context)
    {
        int vector = (int)context->Vector;
        CpuLocal* cpu = CpuLocal.Current;
        cpu->KernelEntries++;
        if (vector == ExceptionNames.Nmi)
            return Diagnostics.NmiReport.Write(context);
        if (vector < ExceptionNames.FirstExternal)
        {
            ExceptionCount++;
            if (context->FromUserMode)
                return Processes.UserFaults.Handle(context);
            if (ExceptionFixups.TryApply(context))
                return context;
            if (s_exceptionHook != null && s_exceptionHook(context))
                return context;
            Panic.FromException(context);
        }

        if (vector == InterruptVectors.Spurious)
            return context; // spurious LAPIC interrupts take no EOI (Intel SDM vol. 3, 11.9)
        if (vector == InterruptVectors.Yield)
            return Processes.UserReturn.Prepare(Scheduler.Switch(context));

        delegate*<InterruptContext*, InterruptContext*> handler = s_handlers[vector];
        LocalApic.EndOfInterrupt();
        if (handler == null)
            Console.WriteLine($"kitten: unexpected interrupt on vector {vector}");
        else
            context = handler(context);
        if (cpu->NeedReschedule)
            context = Scheduler.Switch(context);
        return Processes.UserReturn.Prepare(context);
    }
}
