using Internal.Runtime;

namespace System.Runtime.InteropServices;

// ILC's interface dispatch refers to this hook for objects that implement interfaces at run time. No
// kernel type does, so reaching it is a bug.
public unsafe interface IDynamicInterfaceCastable
{
    internal static nint GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, MethodTable* interfaceType, ushort slot)
    {
        RuntimeFailure.Unreachable("IDynamicInterfaceCastable.GetDynamicInterfaceImplementation");
        return 0;
    }
}
