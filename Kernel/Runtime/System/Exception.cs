// Exceptions exist so that code reads naturally, but the kernel does not unwind: a throw is a
// panic that prints the exception's type and message (see System.Runtime.RuntimeExports.RhpThrowEx).
namespace System;

public class Exception
{
    private readonly string _message;

    public Exception() { }

    public Exception(string message) => _message = message;

    public virtual string Message => _message ?? "exception";
}

public class SystemException : Exception
{
    public SystemException() { }
    public SystemException(string message) : base(message) { }
}

public sealed class InvalidOperationException : SystemException
{
    public InvalidOperationException(string message) : base(message) { }
}

public sealed class ArgumentException : SystemException
{
    public ArgumentException(string message) : base(message) { }
}

public sealed class OutOfMemoryException : SystemException
{
    public OutOfMemoryException(string message) : base(message) { }
}
