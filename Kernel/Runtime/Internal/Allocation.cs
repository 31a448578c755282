// Object allocation entry points that ILC-generated code calls (RhpNewFast and friends). Objects come from
// the kernel heap, zeroed; there is no garbage collector, so an object lives until freed explicitly.
using System.Runtime;
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime;

internal static unsafe class RuntimeExports
{
    // NativeAOT objects are preceded by an 8-byte header (the sync block word) that BaseSize includes.
    private const int ObjectHeaderSize = 8;

    private static void* AllocateRaw(nuint size)
    {
        byte* memory = (byte*)Kitten.Kernel.Memory.KernelHeap.AllocateZeroed(size);
        if (memory == null)
            RuntimeFailure.Fail("kernel heap exhausted");
        return memory + ObjectHeaderSize;
    }

    [RuntimeExport("RhpNewFast")]
    internal static object AllocateObject(MethodTable* type)
    {
        void* obj = AllocateRaw(type->BaseSize);
        *(MethodTable**)obj = type;
        return RuntimeHelpersEx.ToObject(obj);
    }

    [RuntimeExport("RhpNewFinalizable")]
    private static object RhpNewFinalizable(MethodTable* type) => AllocateObject(type);

    [RuntimeExport("RhpNewArrayFast")]
    private static object RhpNewArrayFast(MethodTable* type, int length)
    {
        if (length < 0)
            RuntimeFailure.Fail("negative array length");
        ulong size = type->BaseSize + (ulong)type->ComponentSize * (ulong)length;
        size = (size + 7) & ~7UL;
        void* obj = AllocateRaw((nuint)size);
        *(MethodTable**)obj = type;
        *(int*)((byte*)obj + sizeof(void*)) = length;
        return RuntimeHelpersEx.ToObject(obj);
    }

    [RuntimeExport("RhpNewPtrArrayFast")]
    private static object RhpNewPtrArrayFast(MethodTable* type, int length) => RhpNewArrayFast(type, length);

    [RuntimeExport("RhpNewArray")]
    private static object RhpNewArray(MethodTable* type, int length) => RhpNewArrayFast(type, length);

    [RuntimeExport("RhNewString")]
    private static object RhNewString(MethodTable* type, int length) => RhpNewArrayFast(type, length);

    internal static string NewString(int length)
    {
        MethodTable* stringType = *(MethodTable**)RuntimeHelpersEx.AddressOf("");
        return Unsafe.As<string>(RhpNewArrayFast(stringType, length));
    }

    // Boxing: copy a value type's bytes into a new object.
    [RuntimeExport("RhBox")]
    private static object RhBox(MethodTable* type, ref byte data)
    {
        object box = AllocateObject(type);
        byte* dst = (byte*)RuntimeHelpersEx.AddressOf(box) + sizeof(void*);
        fixed (byte* src = &data)
        {
            uint size = type->BaseSize - (uint)(ObjectHeaderSize + sizeof(void*));
            for (uint i = 0; i < size; i++)
                dst[i] = src[i];
        }
        return box;
    }

    private static object RhBoxAny(ref byte data, MethodTable* type)
    {
        if (!type->IsValueType)
            return Unsafe.As<byte, object>(ref data);
        return RhBox(type, ref data);
    }

    private static object RhNewObject(MethodTable* type) => AllocateObject(type);

    // The address of a boxed value's data, after checking the box holds exactly that type.
    private static ref byte RhUnbox2(MethodTable* type, object obj)
    {
        if (obj is null)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowNullReferenceException();
        if (*(MethodTable**)RuntimeHelpersEx.AddressOf(obj) != type)
            RuntimeFailure.Fail("invalid cast while unboxing");
        return ref *((byte*)RuntimeHelpersEx.AddressOf(obj) + sizeof(void*));
    }

    private static void RhUnbox(object obj, ref byte data, MethodTable* type)
    {
        ref byte source = ref RhUnbox2(type, obj);
        uint size = type->BaseSize - (uint)(ObjectHeaderSize + sizeof(void*));
        fixed (byte* dst = &data)
        fixed (byte* src = &source)
            Kitten.Kernel.Runtime.MemoryOps.Move(dst, src, size);
    }

    // The kernel never unboxes into a Nullable<T>, whose value offset this runtime does not track.
    private static void RhUnboxNullable(ref byte data, MethodTable* type, object obj)
        => RuntimeFailure.Unreachable("RhUnboxNullable");

    // Frees an object allocated by the helpers above. Only for code that owns the object outright.
    internal static void Free(object obj)
    {
        if (obj is null) return;
        Kitten.Kernel.Memory.KernelHeap.Free((byte*)RuntimeHelpersEx.AddressOf(obj) - ObjectHeaderSize);
    }
}

internal static unsafe class RuntimeHelpersEx
{
    public static void* AddressOf(object obj) => (void*)Unsafe.As<object, nint>(ref obj);

    public static object ToObject(void* address)
    {
        nint value = (nint)address;
        return Unsafe.As<nint, object>(ref value);
    }
}
