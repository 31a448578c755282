namespace System.Diagnostics.CodeAnalysis;

[AttributeUsage(AttributeTargets.Method | AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class UnscopedRefAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Method)]
public sealed class DoesNotReturnAttribute : Attribute { }
