// The part of NativeAOT's MethodTable (the per-type descriptor ILC emits) that the kernel's runtime reads:
// sizes for allocation, the base type and interface list for casts.
// Layout: src/coreclr/nativeaot/Runtime/inc/MethodTable.h in dotnet/runtime (v10).
using System.Runtime.InteropServices;

namespace Internal.Runtime;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MethodTable
{
    // Low 16 bits: the component size of arrays and strings (when HasComponentSize), else extended flags.
    private uint _flags;
    private uint _baseSize;
    // Base type for classes and value types; element type for arrays and pointers.
    private MethodTable* _relatedType;
    private ushort _numVtableSlots;
    private ushort _numInterfaces;
    private uint _hashCode;

    private const uint KindMask = 0x00030000;
    private const uint ParameterizedKind = 0x00020000;
    private const uint HasComponentSizeFlag = 0x80000000;
    private const uint ElementTypeMask = 0x7C000000;
    private const int ElementTypeShift = 26;

    // EETypeElementType values that matter here (MethodTable.h, enum EETypeElementType).
    private const uint ElementTypeClass = 0x14;
    private const uint ElementTypeInterface = 0x15;
    private const uint ElementTypeArray = 0x17;
    private const uint ElementTypeSzArray = 0x18;

    public uint BaseSize => _baseSize;
    public ushort ComponentSize => HasComponentSize ? (ushort)_flags : (ushort)0;
    public bool HasComponentSize => (_flags & HasComponentSizeFlag) != 0;
    public MethodTable* RelatedType => _relatedType;
    public ushort NumInterfaces => _numInterfaces;
    public ushort NumVtableSlots => _numVtableSlots;

    private uint ElementType => (_flags & ElementTypeMask) >> ElementTypeShift;
    public bool IsParameterized => (_flags & KindMask) == ParameterizedKind;
    public bool IsArray => IsParameterized && (ElementType == ElementTypeSzArray || ElementType == ElementTypeArray);
    public bool IsInterface => ElementType == ElementTypeInterface;
    public bool IsValueType => ElementType < ElementTypeClass;

    // Base type of a class; arrays report none here (their base is System.Array, handled by callers).
    public MethodTable* BaseType => IsParameterized ? null : _relatedType;

    // The interface map follows the vtable slots.
    public MethodTable** InterfaceMap
    {
        get
        {
            fixed (MethodTable* self = &this)
                return (MethodTable**)((byte*)self + sizeof(MethodTable) + _numVtableSlots * sizeof(void*));
        }
    }
}
