// The root of the type system. The kernel has no garbage collector: objects live until freed
// explicitly (Kernel.Memory.KernelHeap) or for the life of the kernel.
using Internal.Runtime;

namespace System;

public class Object
{
    // The first word of every object is its MethodTable pointer; ILC lays objects out this way.
#pragma warning disable CS0649, CS0169
    internal unsafe MethodTable* _methodTable;
#pragma warning restore CS0649, CS0169

    public Object() { }

    public virtual bool Equals(object obj) => ReferenceEquals(this, obj);

    public virtual unsafe int GetHashCode()
    {
        nuint address = (nuint)Runtime.RuntimeHelpersEx.AddressOf(this);
        return (int)(address ^ (address >> 32));
    }

    public virtual string ToString() => "object";

    public static bool ReferenceEquals(object a, object b) => a == b;

    internal unsafe MethodTable* GetMethodTable() => _methodTable;
}
