// Casting helpers ILC calls for `is`, `as`, casts and array stores (System.Runtime.TypeCast in NativeAOT).
// Supported: exact types, class hierarchies, interfaces listed in a type's interface map, arrays whose
// element types are identical or reference-compatible. Generic variance is not supported and fails the cast.
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime;

internal static unsafe class TypeCast
{
    private static MethodTable* TypeOf(object obj) => *(MethodTable**)RuntimeHelpersEx.AddressOf(obj);

    internal static bool IsAssignable(MethodTable* source, MethodTable* target)
    {
        if (source == target)
            return true;
        if (target->IsInterface)
            return ImplementsInterface(source, target);
        if (source->IsArray)
        {
            if (!target->IsArray)
                return IsSystemArrayOrObject(target);
            MethodTable* sourceElement = source->RelatedType;
            MethodTable* targetElement = target->RelatedType;
            if (sourceElement == targetElement)
                return true;
            // Arrays of references are covariant; arrays of value types are not.
            return !sourceElement->IsValueType && !targetElement->IsValueType
                && IsAssignable(sourceElement, targetElement);
        }
        for (MethodTable* t = source->BaseType; t != null; t = t->BaseType)
            if (t == target)
                return true;
        return false;
    }

    private static bool ImplementsInterface(MethodTable* source, MethodTable* target)
    {
        for (MethodTable* t = source; t != null; t = t->BaseType)
        {
            MethodTable** map = t->InterfaceMap;
            for (int i = 0; i < t->NumInterfaces; i++)
                if (map[i] == target)
                    return true;
        }
        return false;
    }

    // An array converts to System.Array and System.Object: the two non-array classes with no base type
    // chain below them except Object itself.
    private static bool IsSystemArrayOrObject(MethodTable* target)
    {
        MethodTable* arrayBase = target->BaseType;
        return arrayBase == null || arrayBase->BaseType == null;
    }

    public static object IsInstanceOfClass(MethodTable* targetType, object obj)
        => obj is null || IsAssignable(TypeOf(obj), targetType) ? obj : null;

    public static object IsInstanceOfInterface(MethodTable* targetType, object obj)
        => obj is null || IsAssignable(TypeOf(obj), targetType) ? obj : null;

    public static object IsInstanceOfAny(MethodTable* targetType, object obj)
        => obj is null || IsAssignable(TypeOf(obj), targetType) ? obj : null;

    public static bool IsInstanceOfException(MethodTable* targetType, object obj)
        => obj is not null && IsAssignable(TypeOf(obj), targetType);

    public static object CheckCastClass(MethodTable* targetType, object obj) => CheckCast(targetType, obj);

    public static object CheckCastClassSpecial(MethodTable* targetType, object obj) => CheckCast(targetType, obj);

    public static object CheckCastInterface(MethodTable* targetType, object obj) => CheckCast(targetType, obj);

    public static object CheckCastAny(MethodTable* targetType, object obj) => CheckCast(targetType, obj);

    private static object CheckCast(MethodTable* targetType, object obj)
    {
        if (obj is null || IsAssignable(TypeOf(obj), targetType))
            return obj;
        RuntimeFailure.Fail("invalid cast");
        return null;
    }

    // Store into an array of references: the element must be compatible with the array's element type.
    public static void StelemRef(object[] array, nint index, object obj)
    {
        if ((nuint)index >= (uint)array.Length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
        ref object element = ref Unsafe.As<byte, object>(ref array.GetRawArrayData());
        element = ref Unsafe.Add(ref element, index);
        if (obj is not null && !IsAssignable(TypeOf(obj), TypeOf(array)->RelatedType))
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArrayTypeMismatchException();
        Unsafe.As<object, nint>(ref element) = (nint)RuntimeHelpersEx.AddressOf(obj);
    }

    public static ref object LdelemaRef(object[] array, nint index, MethodTable* elementType)
    {
        if ((nuint)index >= (uint)array.Length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
        if (TypeOf(array)->RelatedType != elementType)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArrayTypeMismatchException();
        ref object element = ref Unsafe.As<byte, object>(ref array.GetRawArrayData());
        return ref Unsafe.Add(ref element, index);
    }
}
