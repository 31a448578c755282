namespace System.Runtime;

// Binds an extern method to a native symbol (an assembly routine in Kernel/Arch/X64 or Kernel/Runtime).
[AttributeUsage(AttributeTargets.Method)]
public sealed class RuntimeImportAttribute : Attribute
{
    public RuntimeImportAttribute(string entry) => EntryPoint = entry;
    public RuntimeImportAttribute(string dllName, string entry) => EntryPoint = entry;
    public string EntryPoint { get; }
}

// Gives a managed method a fixed native symbol name, so that assembly code can call it.
[AttributeUsage(AttributeTargets.Method)]
public sealed class RuntimeExportAttribute : Attribute
{
    public RuntimeExportAttribute(string entry) => EntryPoint = entry;
    public string EntryPoint { get; }
}
