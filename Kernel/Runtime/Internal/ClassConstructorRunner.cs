// Lazy class constructors: ILC calls these before the first access to the statics of a class whose
// constructor could not be run at compile time. The context's first word is the constructor's address
// until it has run, then zero.
using Internal.Runtime;

namespace System.Runtime.CompilerServices;

public unsafe struct StaticClassConstructionContext
{
    public nint cctorMethodAddress;
}

internal static unsafe class ClassConstructorRunner
{
    private static object CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, object gcStaticBase)
    {
        EnsureClassConstructorRun(context);
        return gcStaticBase;
    }

    private static nint CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, nint nonGcStaticBase)
    {
        EnsureClassConstructorRun(context);
        return nonGcStaticBase;
    }

    private static nint CheckStaticClassConstructionReturnThreadStaticBase(StaticClassConstructionContext* context, nint threadStaticBase)
    {
        EnsureClassConstructorRun(context);
        return threadStaticBase;
    }

    // Claim the constructor by swapping its address out, so that it runs once even when two CPUs race;
    // a CPU that loses the race may see the statics before the winner finishes (constructors in this
    // kernel only run during single-threaded start-up or are idempotent).
    public static void EnsureClassConstructorRun(StaticClassConstructionContext* context)
    {
        nint constructor = context->cctorMethodAddress;
        if (constructor == 0)
            return;
        if (Kitten.Kernel.Runtime.Atomic.CompareExchange(&context->cctorMethodAddress, 0, constructor) == constructor)
            ((delegate*<void>)constructor)();
    }
}
