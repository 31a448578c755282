// Self-tests of the kernel's own runtime: the things ILC-generated code relies on (static fields, class
// constructors, allocation, casts, boxing, virtual and interface calls, block copies, spans, generics).
using System;
using System.Runtime.CompilerServices;
using Internal.Runtime;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Runtime;

internal static unsafe class RuntimeSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("runtime.static_reference_fields", &StaticReferenceFields);
        tests.Add("runtime.eager_class_constructor", &EagerClassConstructor);
        tests.Add("runtime.lazy_class_constructor_runs_once", &LazyClassConstructor);
        tests.Add("runtime.allocation_zeroed_and_distinct", &AllocationZeroedAndDistinct);
        tests.Add("runtime.free_returns_memory", &FreeReturnsMemory);
        tests.Add("runtime.casts_class_hierarchy", &CastsClassHierarchy);
        tests.Add("runtime.interface_casts_and_calls", &InterfaceCastsAndCalls);
        tests.Add("runtime.array_covariant_store", &ArrayCovariantStore);
        tests.Add("runtime.boxing_round_trip", &BoxingRoundTrip);
        tests.Add("runtime.virtual_dispatch", &VirtualDispatch);
        tests.Add("runtime.large_struct_copy", &LargeStructCopy);
        tests.Add("runtime.span_slice_fill", &SpanSliceFill);
        tests.Add("runtime.string_concat_equality", &StringConcatEquality);
        tests.Add("runtime.generic_instantiations", &GenericInstantiations);
        tests.Add("runtime.utf8_literals_do_not_allocate", &Utf8LiteralsDoNotAllocate);
    }

    // ---- statics and class constructors ----

    private static readonly int[] s_primes = { 2, 3, 5, 7, 11, 13 };
    private static object s_stored;

    private static void StaticReferenceFields(ref TestContext t)
    {
        t.Check(ModuleInitializer.StaticBlocksInitialized > 0, "no GC static blocks were initialised");
        t.Check(s_primes != null, "pre-initialised static array is null");
        if (s_primes != null)
        {
            t.Equal(6, s_primes.Length, "static array length");
            t.Equal(13, s_primes[5], "static array element");
        }
        var value = new Dog("rex");
        s_stored = value;
        t.Check(ReferenceEquals(s_stored, value), "static reference field did not keep the stored object");
        s_stored = null;
    }

    [EagerStaticClassConstruction]
    private static class EagerlyConstructed
    {
        public static readonly ulong TscAtConstruction = Cpu.ReadTsc();
    }

    private static void EagerClassConstructor(ref TestContext t)
    {
        t.Check(EagerlyConstructed.TscAtConstruction != 0, "eager constructor did not run");
        t.Check(EagerlyConstructed.TscAtConstruction < Cpu.ReadTsc(), "eager constructor ran after the test began");
        t.Check(ModuleInitializer.EagerConstructorsRun > 0, "no eager constructors were run at start-up");
    }

    private static int s_lazyConstructions;

    private static class LazilyConstructed
    {
        public static readonly ulong Stamp;

        static LazilyConstructed()
        {
            s_lazyConstructions++;
            Stamp = Cpu.ReadTsc();
        }
    }

    private static void LazyClassConstructor(ref TestContext t)
    {
        ulong before = Cpu.ReadTsc();
        ulong first = LazilyConstructed.Stamp;
        ulong second = LazilyConstructed.Stamp;
        t.Equal(1, s_lazyConstructions, "static constructor runs");
        t.Check(first != 0 && first == second, "static field changed between reads");
        t.Check(first >= before, "static constructor ran before first use");
    }

    // ---- allocation ----

    // Objects that escape (stored in a static) must come from the heap; the JIT may place objects that
    // do not escape on the stack, so the test makes them escape.
    private static object[] s_escaped;

    private static void AllocationZeroedAndDistinct(ref TestContext t)
    {
        ulong allocationsBefore = KernelHeap.AllocationCount;
        var holder = new object[4];
        var bytes = new byte[1000];
        var longs = new long[33];
        holder[0] = bytes;
        holder[1] = longs;
        holder[2] = new Dog("a");
        holder[3] = new Dog("b");
        s_escaped = holder;
        bool zero = true;
        for (int i = 0; i < bytes.Length; i++)
            zero &= bytes[i] == 0;
        for (int i = 0; i < longs.Length; i++)
            zero &= longs[i] == 0;
        t.Check(zero, "new arrays are not zeroed");
        t.Equal(1000, bytes.Length, "array length");
        var a = (Dog)s_escaped[2];
        var b = (Dog)s_escaped[3];
        t.Check(!ReferenceEquals(a, b), "two allocations returned the same object");
        t.Check(a.Name == "a" && b.Name == "b", "constructor fields");
        t.Equal(allocationsBefore + 5, KernelHeap.AllocationCount, "heap allocations");
        for (int i = 0; i < holder.Length; i++)
            System.Runtime.RuntimeExports.Free(holder[i]);
        System.Runtime.RuntimeExports.Free(holder);
        s_escaped = null;
        t.Equal(allocationsBefore, KernelHeap.AllocationCount, "heap allocations after freeing");
    }

    private static void FreeReturnsMemory(ref TestContext t)
    {
        ulong freeBefore = KernelHeap.FreeBytes;
        var big = new byte[64 * 1024];
        s_escaped = new object[] { big };
        t.Check(KernelHeap.FreeBytes + 64 * 1024 <= freeBefore, "allocation did not take heap memory");
        System.Runtime.RuntimeExports.Free(s_escaped);
        System.Runtime.RuntimeExports.Free(big);
        s_escaped = null;
        t.Equal(freeBefore, KernelHeap.FreeBytes, "free heap bytes after free");
    }

    // ---- types ----

    private abstract class Animal
    {
        public string Name;
        protected Animal(string name) => Name = name;
        public abstract int Legs { get; }
        public virtual string Sound => "...";
    }

    private sealed class Dog : Animal
    {
        public Dog(string name) : base(name) { }
        public override int Legs => 4;
        public override string Sound => "woof";
    }

    private sealed class Bird : Animal, IFlyer
    {
        public Bird(string name) : base(name) { }
        public override int Legs => 2;
        public int Altitude => 100;
    }

    private interface IFlyer
    {
        int Altitude { get; }
    }

    private sealed class Plane : IFlyer
    {
        public int Altitude => 10000;
    }

    private static void CastsClassHierarchy(ref TestContext t)
    {
        object dog = new Dog("d");
        object text = "text";
        t.Check(dog is Animal, "Dog is not an Animal");
        t.Check(dog is Dog, "Dog is not a Dog");
        t.Check(!(dog is Bird), "Dog is a Bird");
        t.Check(!(text is Animal), "string is an Animal");
        t.Check((dog as Bird) == null, "as to an unrelated class is not null");
        t.Check(((Animal)dog).Legs == 4, "cast then virtual call");
    }

    private static void InterfaceCastsAndCalls(ref TestContext t)
    {
        object[] things = { new Bird("b"), new Plane(), new Dog("d") };
        int flyers = 0;
        int altitude = 0;
        for (int i = 0; i < things.Length; i++)
        {
            if (things[i] is IFlyer flyer)
            {
                flyers++;
                altitude += flyer.Altitude;
            }
        }
        t.Equal(2, flyers, "objects implementing the interface");
        t.Equal(10100, altitude, "sum over interface calls");
    }

    private static void ArrayCovariantStore(ref TestContext t)
    {
        Animal[] animals = new Dog[2];
        animals[0] = new Dog("x");
        object[] objects = animals;
        objects[1] = new Dog("y");
        t.Check(animals[1] is Dog && animals[1].Name == "y", "store through a covariant array");
        t.Check(objects is Dog[], "array type check");
        t.Check(!(objects is Bird[]), "array of unrelated element type");
    }

    private static void BoxingRoundTrip(ref TestContext t)
    {
        object boxed = 1234567;
        object boxedLong = 9876543210L;
        t.Check(boxed is int, "boxed int is not int");
        t.Check(!(boxed is long), "boxed int is long");
        t.Equal(1234567, (int)boxed, "unboxed int");
        t.Equal(9876543210, (long)boxedLong, "unboxed long");
    }

    private static void VirtualDispatch(ref TestContext t)
    {
        Animal[] animals = { new Dog("a"), new Bird("b") };
        int legs = 0;
        for (int i = 0; i < animals.Length; i++)
            legs += animals[i].Legs;
        t.Equal(6, legs, "legs through abstract property");
        t.Check(animals[0].Sound == "woof" && animals[1].Sound == "...", "override and base virtual");
    }

    // ---- value types and memory ----

    private struct Big
    {
        public fixed ulong Words[32];
    }

    private static void LargeStructCopy(ref TestContext t)
    {
        Big a = default;
        for (int i = 0; i < 32; i++)
            a.Words[i] = (ulong)i * 0x0101010101010101;
        Big b = a;
        a.Words[7] = 0;
        bool same = true;
        for (int i = 0; i < 32; i++)
            same &= b.Words[i] == (ulong)i * 0x0101010101010101;
        t.Check(same, "struct copy lost data or aliases the original");
    }

    private static void SpanSliceFill(ref TestContext t)
    {
        Span<int> numbers = stackalloc int[16];
        numbers.Fill(7);
        Span<int> middle = numbers.Slice(4, 8);
        middle.Fill(1);
        int sum = 0;
        for (int i = 0; i < numbers.Length; i++)
            sum += numbers[i];
        t.Equal(8 * 7 + 8 * 1, sum, "sum after slice fill");
        t.Equal(8, middle.Length, "slice length");
    }

    private static void StringConcatEquality(ref TestContext t)
    {
        string joined = string.Concat("kit", "ten");
        t.Check(joined == "kitten", "concatenation");
        t.Check(!ReferenceEquals(joined, "kitten"), "concatenation returned the literal");
        t.Equal((ulong)(uint)"kitten".GetHashCode(), (ulong)(uint)joined.GetHashCode(), "hash of equal strings");
        t.Check("kitten".StartsWith("kit") && !"kit".StartsWith("kitten"), "StartsWith");
    }

    private sealed class Pair<TFirst, TSecond>
    {
        public TFirst First;
        public TSecond Second;
        public Pair(TFirst first, TSecond second)
        {
            First = first;
            Second = second;
        }
    }

    private static T Largest<T>(T[] items, delegate*<T, T, bool> greater)
    {
        T best = items[0];
        for (int i = 1; i < items.Length; i++)
            if (greater(items[i], best))
                best = items[i];
        return best;
    }

    private static bool GreaterInt(int a, int b) => a > b;
    private static bool LongerString(string a, string b) => a.Length > b.Length;

    private static void GenericInstantiations(ref TestContext t)
    {
        var pair = new Pair<int, string>(3, "three");
        var other = new Pair<string, long>("big", 1L << 40);
        t.Check(pair.First == 3 && pair.Second == "three", "generic class over int and string");
        t.Check(other.First == "big" && other.Second == 1L << 40, "generic class over string and long");
        t.Equal(9, Largest(new[] { 4, 9, 1 }, &GreaterInt), "generic method over int");
        t.Check(Largest(new[] { "a", "abc", "ab" }, &LongerString) == "abc", "generic method over string");
    }

    private static void Utf8LiteralsDoNotAllocate(ref TestContext t)
    {
        ulong allocationsBefore = KernelHeap.AllocationCount;
        int total = 0;
        for (int i = 0; i < 100; i++)
        {
            ReadOnlySpan<byte> text = "kitten"u8;
            total += text.Length + text[5];
        }
        t.Equal(100 * (6 + 'n'), total, "length and last byte of the literal");
        t.Equal(allocationsBefore, KernelHeap.AllocationCount, "heap allocations by u8 literals");
    }
}
