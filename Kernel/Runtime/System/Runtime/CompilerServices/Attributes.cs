// Compiler-facing attributes and markers.
namespace System.Runtime.CompilerServices;

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method | AttributeTargets.Field)]
internal sealed class IntrinsicAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Constructor | AttributeTargets.Method)]
public sealed class MethodImplAttribute : Attribute
{
    public MethodImplAttribute(MethodImplOptions methodImplOptions) { }
    public MethodImplAttribute(short value) { }
    public MethodImplAttribute() { }
}

[Flags]
public enum MethodImplOptions
{
    Unmanaged = 0x0004,
    NoInlining = 0x0008,
    ForwardRef = 0x0010,
    Synchronized = 0x0020,
    NoOptimization = 0x0040,
    PreserveSig = 0x0080,
    AggressiveInlining = 0x0100,
    AggressiveOptimization = 0x0200,
    InternalCall = 0x1000,
}

public static class RuntimeFeature
{
    public const string ByRefFields = nameof(ByRefFields);
    public const string NumericIntPtr = nameof(NumericIntPtr);
    public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
    public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
    public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
}

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class InterpolatedStringHandlerAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class InterpolatedStringHandlerArgumentAttribute : Attribute
{
    public InterpolatedStringHandlerArgumentAttribute(string argument) { }
    public InterpolatedStringHandlerArgumentAttribute(params string[] arguments) { }
}

[AttributeUsage(AttributeTargets.Struct)]
public sealed class InlineArrayAttribute : Attribute
{
    public InlineArrayAttribute(int length) => Length = length;
    public int Length { get; }
}

[AttributeUsage(AttributeTargets.Field)]
public sealed class FixedBufferAttribute : Attribute
{
    public FixedBufferAttribute(Type elementType, int length) { }
}

[AttributeUsage(AttributeTargets.Struct)]
public sealed class UnsafeValueTypeAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class CompilerGeneratedAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Property)]
public sealed class IndexerNameAttribute : Attribute
{
    public IndexerNameAttribute(string indexerName) { }
}

[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ExtensionAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class IsReadOnlyAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Struct)]
public sealed class IsByRefLikeAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class IsUnmanagedAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Module | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface
    | AttributeTargets.Constructor | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Event)]
public sealed class SkipLocalsInitAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Method)]
public sealed class ModuleInitializerAttribute : Attribute { }

public static class IsExternalInit { }

public static class IsVolatile { }

public static class IsConst { }

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Field | AttributeTargets.Property)]
public sealed class RequiredMemberAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All, AllowMultiple = true)]
public sealed class CompilerFeatureRequiredAttribute : Attribute
{
    public CompilerFeatureRequiredAttribute(string featureName) { }
}

// Marks a class whose static constructor runs at start-up (module initialisation) instead of lazily.
[AttributeUsage(AttributeTargets.Class)]
public sealed class EagerStaticClassConstructionAttribute : Attribute { }

public class CallConvCdecl { }
public class CallConvStdcall { }
public class CallConvSuppressGCTransition { }
