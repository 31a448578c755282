// Turns the handles ILC embeds for `ldtoken` into RuntimeTypeHandle/RuntimeFieldHandle values. The kernel
// has no reflection; these exist because array initialisers load a field token that the JIT then folds.
using System;

namespace Internal.Runtime.CompilerHelpers;

internal static class LdTokenHelpers
{
    private static RuntimeTypeHandle GetRuntimeTypeHandle(nint type)
    {
        RuntimeTypeHandle handle;
        handle._value = type;
        return handle;
    }

    private static RuntimeFieldHandle GetRuntimeFieldHandle(nint field)
    {
        RuntimeFieldHandle handle;
        handle._value = field;
        return handle;
    }

    private static RuntimeMethodHandle GetRuntimeMethodHandle(nint method)
    {
        RuntimeMethodHandle handle;
        handle._value = method;
        return handle;
    }
}
