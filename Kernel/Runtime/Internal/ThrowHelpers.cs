// Targets of the throws that ILC inserts (bounds checks, overflow, null, ...). The kernel does not unwind,
// so each one is a panic that names what went wrong.
using System.Diagnostics.CodeAnalysis;

namespace Internal.Runtime.CompilerHelpers;

internal static class ThrowHelpers
{
    [DoesNotReturn] public static void ThrowOverflowException() => RuntimeFailure.Fail("arithmetic overflow");
    [DoesNotReturn] public static void ThrowIndexOutOfRangeException() => RuntimeFailure.Fail("index out of range");
    [DoesNotReturn] public static void ThrowNullReferenceException() => RuntimeFailure.Fail("null reference");
    [DoesNotReturn] public static void ThrowDivideByZeroException() => RuntimeFailure.Fail("division by zero");
    [DoesNotReturn] public static void ThrowArrayTypeMismatchException() => RuntimeFailure.Fail("array type mismatch");
    [DoesNotReturn] public static void ThrowPlatformNotSupportedException() => RuntimeFailure.Fail("platform not supported");
    [DoesNotReturn] public static void ThrowTypeLoadException() => RuntimeFailure.Fail("type load failure");
    [DoesNotReturn] public static void ThrowArgumentException() => RuntimeFailure.Fail("invalid argument");
    [DoesNotReturn] public static void ThrowArgumentOutOfRangeException() => RuntimeFailure.Fail("argument out of range");
    [DoesNotReturn] public static void ThrowInvalidProgramException() => RuntimeFailure.Fail("invalid program");
    [DoesNotReturn] public static void ThrowNotImplementedException() => RuntimeFailure.Fail("not implemented");
    [DoesNotReturn] public static void ThrowFeatureBodyRemoved() => RuntimeFailure.Fail("method body removed by the compiler");
}
