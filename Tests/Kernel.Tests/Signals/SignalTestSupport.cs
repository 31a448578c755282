using System.Globalization;
using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using Kitten.Kernel.Tests.Exec;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// User memory for the frame code: a few mapped ranges backed by managed arrays, reached only through the
// UserMemory copies. Writes or reads can be made to fail, everywhere or over one range, to stand for an
// unmapped or read-only stack.
internal sealed unsafe class FakeUserMemory : IDisposable
{
    private readonly List<(ulong Base, byte[] Bytes)> _ranges = new();
    private GCHandle _self;

    public bool FailAllWrites;
    public bool FailAllReads;
    public (ulong Start, ulong End)? FailWritesIn;
    public int WriteCount, ReadCount;

    public FakeUserMemory() => _self = GCHandle.Alloc(this);

    public void Dispose()
    {
        if (_self.IsAllocated)
            _self.Free();
    }

    public UserMemory Memory => new()
    {
        CopyOut = &CopyOut,
        CopyIn = &CopyIn,
        State = (void*)GCHandle.ToIntPtr(_self),
    };

    public void Map(ulong start, ulong size, byte fill = 0xCC)
    {
        byte[] bytes = new byte[size];
        Array.Fill(bytes, fill);
        _ranges.Add((start, bytes));
    }

    private bool TryFind(ulong address, ulong length, out byte[] bytes, out int offset)
    {
        foreach (var (start, range) in _ranges)
        {
            ulong size = (ulong)range.Length;
            if (address >= start && length <= size && address - start <= size - length)
            {
                bytes = range;
                offset = (int)(address - start);
                return true;
            }
        }
        bytes = null;
        offset = 0;
        return false;
    }

    public Span<byte> Bytes(ulong address, int length)
    {
        Assert.That(TryFind(address, (ulong)length, out byte[] bytes, out int offset), Is.True,
            $"0x{address:x}+{length} is not mapped");
        return bytes.AsSpan(offset, length);
    }

    public T Read<T>(ulong address) where T : unmanaged => MemoryMarshal.Read<T>(Bytes(address, sizeof(T)));

    public void Write<T>(ulong address, T value) where T : unmanaged => MemoryMarshal.Write(Bytes(address, sizeof(T)), value);

    private static FakeUserMemory From(void* state) => (FakeUserMemory)GCHandle.FromIntPtr((IntPtr)state).Target;

    private static bool CopyOut(void* state, ulong user, void* source, ulong length)
    {
        FakeUserMemory memory = From(state);
        memory.WriteCount++;
        if (memory.FailAllWrites)
            return false;
        if (memory.FailWritesIn is var (start, end) && user < end && user + length > start)
            return false;
        if (!memory.TryFind(user, length, out byte[] bytes, out int offset))
            return false;
        new ReadOnlySpan<byte>(source, (int)length).CopyTo(bytes.AsSpan(offset));
        return true;
    }

    private static bool CopyIn(void* state, void* destination, ulong user, ulong length)
    {
        FakeUserMemory memory = From(state);
        memory.ReadCount++;
        if (memory.FailAllReads || !memory.TryFind(user, length, out byte[] bytes, out int offset))
            return false;
        bytes.AsSpan(offset, (int)length).CopyTo(new Span<byte>(destination, (int)length));
        return true;
    }
}

// An InterruptContext in native memory (16-byte aligned, as the kernel's are).
internal sealed unsafe class NativeContext : IDisposable
{
    public InterruptContext* Pointer { get; private set; }

    public NativeContext()
    {
        Pointer = (InterruptContext*)NativeMemory.AlignedAlloc((nuint)sizeof(InterruptContext), 64);
        NativeMemory.Clear(Pointer, (nuint)sizeof(InterruptContext));
    }

    public void Dispose()
    {
        if (Pointer != null)
            NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }

    public Span<byte> FxSave => new(Pointer->FxSave, InterruptContext.FxSaveSize);

    // A user thread interrupted at rip/rsp with recognisable registers and FPU state.
    public static NativeContext User(ulong rip, ulong rsp)
    {
        var context = new NativeContext();
        InterruptContext* c = context.Pointer;
        ulong* registers = &c->R15;
        for (int i = 0; i < 15; i++)
            registers[i] = 0x1100UL + (ulong)i * 0x11;   // R15 = 0x1100 ... RAX = 0x11EE
        c->Rip = rip;
        c->Rsp = rsp;
        c->Rflags = 0x202 | 0x400 | 0x1;                 // IF, DF, CF
        c->Cs = SignalDelivery.UserCodeSelector;
        c->Ss = SignalDelivery.UserDataSelector;
        c->Vector = 0x100;
        Span<byte> fx = context.FxSave;
        for (int i = 0; i < fx.Length; i++)
            fx[i] = (byte)(i * 7 + 1);
        MemoryMarshal.Write(fx[FxSaveImage.MxcsrOffset..], 0x1F80u | 0x6000u);  // round toward zero
        MemoryMarshal.Write(fx[FxSaveImage.MxcsrMaskOffset..], 0x2FFFFu);
        return context;
    }
}

// C programs compiled with the machine's gcc, once per test run: facts about Linux and glibc come from
// them, never from the code under test.
internal static class CProbe
{
    private static readonly object Lock = new();
    private static readonly Dictionary<string, string> Built = new();

    public static string Build(string name, string source, string flags = "-O1")
    {
        lock (Lock)
        {
            if (Built.TryGetValue(name, out string existing))
                return existing;
            string directory = Path.Combine(Path.GetTempPath(), $"kitten-signal-tests-{Environment.ProcessId}");
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, name);
            File.WriteAllText(path + ".c", source);
            TestPrograms.Run("gcc", $"{flags} -o {path} {path}.c");
            Built[name] = path;
            return path;
        }
    }

    // Runs a probe; its lines "key value..." as a dictionary (last one wins) plus all lines.
    public static Dictionary<string, string> RunKeyed(string program, string arguments = "")
    {
        var result = new Dictionary<string, string>();
        foreach (string line in TestPrograms.Run(program, arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.IndexOf(' ');
            if (space > 0)
                result[line[..space]] = line[(space + 1)..];
        }
        return result;
    }

    public static long Number(this Dictionary<string, string> facts, string key)
    {
        Assert.That(facts.ContainsKey(key), Is.True, $"the probe did not print {key}");
        string text = facts[key].Trim();
        return text.StartsWith("0x", StringComparison.Ordinal)
            ? (long)ulong.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(text, CultureInfo.InvariantCulture);
    }

    public static byte[] Hex(string text) => Convert.FromHexString(text.Trim());
}

// What the frame tests share: a mapped thread stack and alternate stack, a caught SIGSEGV from a page fault.
internal static class FrameFixture
{
    public const ulong StackBase = 0x7FFF_F000_0000, StackSize = 0x10000;
    public const ulong StackTop = StackBase + StackSize;
    public const ulong AltBase = 0x7FFF_E000_0000, AltSize = 0x4000;
    public const ulong Handler = 0x401200, Restorer = 0x401800, InterruptedRip = 0x400ABC;

    public static SignalAction Action(ulong flags = SignalActionFlags.SigInfo, ulong mask = 0) => new()
    {
        Handler = Handler,
        Flags = flags | SignalActionFlags.Restorer,
        Restorer = Restorer,
        Mask = mask,
    };

    public static FakeUserMemory NewMemory()
    {
        var memory = new FakeUserMemory();
        memory.Map(StackBase, StackSize);
        memory.Map(AltBase, AltSize);
        return memory;
    }

    public static readonly SignalInfo Fault = SignalInfo.FromFault(Signal.SIGSEGV, SignalCode.SegvMapError, 0xDEAD0);
    public static readonly TrapInfo PageFault = new() { TrapNumber = 14, ErrorCode = 6, FaultAddress = 0xDEAD0 };
}
