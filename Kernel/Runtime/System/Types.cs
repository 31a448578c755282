// Type handles, delegates and the few reference types the compiler needs to exist.
namespace System;

public struct RuntimeTypeHandle
{
    internal nint _value;
}

public struct RuntimeMethodHandle
{
    internal nint _value;
}

public struct RuntimeFieldHandle
{
    internal nint _value;
}

public abstract class Type
{
    public abstract RuntimeTypeHandle TypeHandle { get; }
}

public abstract class Delegate
{
    // Field layout expected by ILC's delegate constructors.
#pragma warning disable CS0649, CS0169
    internal object _firstParameter;
    internal object _helperObject;
    internal nint _extraFunctionPointerOrData;
    internal nint _functionPointer;
#pragma warning restore CS0649, CS0169
}

public abstract class MulticastDelegate : Delegate { }

public interface IDisposable
{
    void Dispose();
}

public struct TypedReference { }

public struct ArgIterator { }

public sealed class RuntimeArgumentHandle { }

// ILC's name for the concrete Type class; the kernel has no reflection, so it carries only the handle.
internal sealed class RuntimeType : Type
{
    internal nint _typeHandle;

    public override RuntimeTypeHandle TypeHandle
    {
        get
        {
            RuntimeTypeHandle handle;
            handle._value = _typeHandle;
            return handle;
        }
    }
}
