using System.Diagnostics;
using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Exec;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Exec.ElfTestMemory;

namespace Kitten.Kernel.Tests.Exec;

// 100,000+ mutated images made from the real static and static-PIE programs: bit flips, byte writes,
// truncations and writes of boundary values into chosen header and program header fields. Each must be
// accepted with an image that keeps every promise the parser makes (and then loads without writing
// outside its region), or refused with a one-line reason; no exception, no hang.
public unsafe class ElfFuzzTests
{
    private const int Iterations = 120_000;
    private const ulong MaxLoadedSpan = 16 << 20;   // larger accepted spans are checked but not loaded
    private const int Guard = 4096;

    private readonly record struct Mutation(int Kind, uint Where, ulong Value, uint Extra);
    private readonly record struct Case(int Program, Mutation[] Mutations, int Cut, uint CutAt, ulong Bias);

    private sealed class Target
    {
        public byte[] File;                  // pinned, mutated in place and restored after each case
        public byte* Data;
        public int ProgramHeaderCount;
        public readonly List<(int Offset, byte Old)> Undo = new();

        public void Set(ulong offset, byte value)
        {
            if (offset >= (ulong)File.Length) return;
            Undo.Add(((int)offset, File[offset]));
            File[offset] = value;
        }
        public void Set(ulong offset, ulong value, int width)
        {
            for (int i = 0; i < width; i++)
                Set(offset + (ulong)i, (byte)(value >> (8 * i)));
        }
        public ulong Get(ulong offset, int width)
        {
            ulong value = 0;
            for (int i = width - 1; i >= 0; i--)
                value = (value << 8) | (offset + (ulong)i < (ulong)File.Length ? File[offset + (ulong)i] : 0UL);
            return value;
        }
        public void Restore()
        {
            for (int i = Undo.Count - 1; i >= 0; i--)
                File[Undo[i].Offset] = Undo[i].Old;
            Undo.Clear();
        }
    }

    // Header fields: (offset, width).
    private static readonly (int Offset, int Width)[] HeaderFields =
    {
        (0, 1), (4, 1), (5, 1), (6, 1), (7, 1), (16, 2), (18, 2), (20, 4), (24, 8), (32, 8), (54, 2), (56, 2),
    };
    // Program header fields: (offset, width): type, flags, offset, vaddr, paddr, filesz, memsz, align.
    private static readonly (int Offset, int Width)[] SegmentFields =
    {
        (0, 4), (4, 4), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 8),
    };
    private static readonly ulong[] SegmentTypes = { 0, 1, 2, 3, 6, 7, 0x6474E551, 4 };

    private static ulong Interesting(ulong random, ulong original, ulong fileLength) => (random % 14) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => original + (random >> 8) % 64 - 32,
        4 => original ^ (1UL << (int)((random >> 8) % 64)),
        5 => ElfImage.UserTop,
        6 => ElfImage.UserTop - 0x1000,
        7 => fileLength + (random >> 8) % 16 - 8,
        8 => ElfImage.MinimumAddress,
        9 => 1UL << (int)((random >> 8) % 64),
        10 => original * 2,
        11 => original / 2,
        12 => (random >> 8) % 0x2000,
        _ => random,
    };

    private static void Apply(Target target, Mutation m)
    {
        ulong length = (ulong)target.File.Length;
        ulong phoff = target.Get(32, 8);
        switch (m.Kind)
        {
            case 0: // flip bits in the headers
                for (int i = 0; i <= (int)(m.Extra % 8); i++)
                    target.Set((m.Where + (uint)i * 97) % 4096, (byte)(target.File[(m.Where + (uint)i * 97) % 4096] ^ (1 << (int)((m.Value >> (3 * i)) % 8))));
                break;
            case 1: // write a byte anywhere
                target.Set(m.Where % length, (byte)m.Value);
                break;
            case 2: // a header field
                {
                    var (offset, width) = HeaderFields[m.Extra % (uint)HeaderFields.Length];
                    target.Set((ulong)offset, Interesting(m.Value, target.Get((ulong)offset, width), length), width);
                    break;
                }
            case 3: // a program header field
                {
                    ulong header = phoff + (ulong)(m.Where % (uint)target.ProgramHeaderCount) * 56;
                    var (offset, width) = SegmentFields[m.Extra % (uint)SegmentFields.Length];
                    ulong value = offset == 0
                        ? SegmentTypes[m.Value % (ulong)SegmentTypes.Length]
                        : Interesting(m.Value, target.Get(header + (ulong)offset, width), length);
                    target.Set(header + (ulong)offset, value, width);
                    break;
                }
            case 4: // copy one program header over another
                {
                    ulong from = phoff + (ulong)(m.Where % (uint)target.ProgramHeaderCount) * 56;
                    ulong to = phoff + (ulong)(m.Extra % (uint)target.ProgramHeaderCount) * 56;
                    for (ulong i = 0; i < 56; i++)
                        target.Set(to + i, (byte)target.Get(from + i, 1));
                    break;
                }
            default: // swap two program headers
                {
                    ulong a = phoff + (ulong)(m.Where % (uint)target.ProgramHeaderCount) * 56;
                    ulong b = phoff + (ulong)(m.Extra % (uint)target.ProgramHeaderCount) * 56;
                    for (ulong i = 0; i < 56; i++)
                    {
                        byte x = (byte)target.Get(a + i, 1), y = (byte)target.Get(b + i, 1);
                        target.Set(a + i, y);
                        target.Set(b + i, x);
                    }
                    break;
                }
        }
    }

    // Everything an accepted image promises, checked from the file with no help from the parser.
    private static string Broken(in ElfImage image, ulong length)
    {
        if (image.SegmentCount < 1 || image.SegmentCount > ElfImage.MaxProgramHeaders) return "segment count";
        ulong previousEnd = 0;
        bool entryInside = false, phdrInside = false;
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment s = image.GetSegment(i);
            if (s.MemorySize == 0 || s.FileSize > s.MemorySize) return "sizes";
            if (s.FileOffset > length || s.FileSize > length - s.FileOffset) return "outside the file";
            if (s.VirtualAddress >= ElfImage.UserTop || s.MemorySize > ElfImage.UserTop - s.VirtualAddress) return "outside user space";
            if (i > 0 && s.VirtualAddress < previousEnd) return "unsorted or overlapping";
            if (s.VirtualAddress < image.LowestAddress || s.End > image.HighestAddress) return "outside the span";
            previousEnd = s.End;
            entryInside |= image.Entry >= s.VirtualAddress && image.Entry < s.End;
            phdrInside |= image.ProgramHeaderAddress >= s.VirtualAddress
                && image.ProgramHeaderAddress + (ulong)image.ProgramHeaderCount * 56 <= s.VirtualAddress + s.FileSize;
        }
        if (!entryInside) return "entry";
        if (!phdrInside) return "program headers";
        if (image.SpanStart > image.LowestAddress || image.SpanEnd < image.HighestAddress || image.SpanEnd > ElfImage.UserTop) return "span";
        if ((image.Alignment & (image.Alignment - 1)) != 0 || image.Alignment < 4096 || image.Alignment > ElfImage.MaximumAlignment) return "alignment";
        return null;
    }

    private static bool Check(Target target, byte* region, Case c, Dictionary<string, int> reasons, ref int accepted, ref int loaded)
    {
        target.Undo.Clear();
        for (int i = 0; i < c.Mutations.Length; i++)
            Apply(target, c.Mutations[i]);
        ulong length = (ulong)target.File.Length;
        if (c.Cut == 0) length = c.CutAt % length;
        else if (c.Cut == 1) length = c.CutAt % 8192;
        try
        {
            bool ok = ElfImage.TryParse(target.Data, length, out ElfImage image, out ElfRefusal refusal);
            if (!ok)
            {
                string message = Message(refusal);
                reasons[refusal.Reason ?? "(none)"] = reasons.GetValueOrDefault(refusal.Reason ?? "(none)") + 1;
                return !string.IsNullOrEmpty(refusal.Reason) && message.Length > 0 && message.All(ch => ch >= ' ' && ch < 0x7F);
            }
            accepted++;
            string broken = Broken(image, length);
            if (broken != null)
                throw new AssertionException($"accepted an image that breaks a promise: {broken}");

            // A bias: 0 for fixed-address programs; for PIEs a random one, which must be refused unless it
            // keeps the image in user space.
            ulong bias = 0;
            if (image.IsPositionIndependent)
            {
                bias = c.Bias % ElfImage.UserTop;
                string biasError = image.CheckLoadBias(bias);
                if (biasError == null && (bias % image.Alignment != 0 || bias + image.SpanStart < ElfImage.MinimumAddress || bias + image.SpanEnd > ElfImage.UserTop))
                    throw new AssertionException("accepted a bad bias");
                if (biasError != null)
                    bias = (ElfImage.MinimumAddress + image.Alignment - 1) & ~(image.Alignment - 1);
                if (image.CheckLoadBias(bias) != null)
                    return true;    // no room for it at all: a refusal the caller will report
            }
            if (image.SpanSize > MaxLoadedSpan)
                return true;
            int span = (int)image.SpanSize;
            // Guards on both sides; every 16th image also checks that the whole span was written.
            bool full = loaded % 16 == 0;
            new Span<byte>(region - Guard, Guard).Fill(0xC5);
            new Span<byte>(region + span, Guard).Fill(0xC5);
            if (full) new Span<byte>(region, span).Fill(0xC5);
            if (!ElfLoader.TryLoad(image, bias, region, image.SpanSize, out string error))
                throw new AssertionException($"could not load an accepted image: {error}");
            loaded++;
            if (new Span<byte>(region - Guard, Guard).IndexOfAnyExcept((byte)0xC5) >= 0
                || new Span<byte>(region + span, Guard).IndexOfAnyExcept((byte)0xC5) >= 0)
                throw new AssertionException("the loader wrote outside its region");
            if (full)
            {
                for (int i = 0; i < image.SegmentCount; i++)
                {
                    ElfSegment s = image.GetSegment(i);
                    var copy = new ReadOnlySpan<byte>(region + (s.VirtualAddress - image.SpanStart), (int)s.FileSize);
                    if (!copy.SequenceEqual(new ReadOnlySpan<byte>(target.Data + s.FileOffset, (int)s.FileSize)))
                        throw new AssertionException("segment bytes differ from the file");
                }
                ulong done = 0;
                for (int i = 0; i <= image.SegmentCount; i++)
                {
                    ElfSegment s = image.GetSegment(i);
                    ulong next = i < image.SegmentCount ? s.VirtualAddress - image.SpanStart : image.SpanSize;
                    if (new ReadOnlySpan<byte>(region + done, (int)(next - done)).IndexOfAnyExcept((byte)0) >= 0)
                        throw new AssertionException("a gap was not zeroed");
                    if (i < image.SegmentCount)
                    {
                        ulong bss = next + s.FileSize;
                        if (new ReadOnlySpan<byte>(region + bss, (int)(s.MemorySize - s.FileSize)).IndexOfAnyExcept((byte)0) >= 0)
                            throw new AssertionException("a bss was not zeroed");
                        done = next + s.MemorySize;
                    }
                }
            }
            return true;
        }
        finally
        {
            target.Restore();
        }
    }

    [Test]
    public void MutatedRealProgramsAreLoadedOrRefusedWithAReason()
    {
        var targets = new[] { TestPrograms.Static, TestPrograms.StaticPie }.Select(path =>
        {
            var target = new Target { File = Pin(File.ReadAllBytes(path)) };
            target.Data = Address(target.File);
            target.ProgramHeaderCount = (int)target.Get(56, 2);
            return target;
        }).ToArray();
        var mutation = Gen.Select(Gen.Int[0, 5], Gen.UInt, Gen.ULong, Gen.UInt, (k, w, v, e) => new Mutation(k, w, v, e));
        var cases = Gen.Select(Gen.Int[0, 1], mutation.Array[1, 6], Gen.Int[0, 9], Gen.UInt, Gen.ULong,
            (p, m, cut, at, bias) => new Case(p, m, cut, at, bias));

        int accepted = 0, loaded = 0, total = 0;
        var reasons = new Dictionary<string, int>();
        byte* memory = (byte*)NativeMemory.Alloc((nuint)(MaxLoadedSpan + 2 * Guard));
        var clock = Stopwatch.StartNew();
        try
        {
            // On its own thread, so that a parser that loops fails the test instead of hanging the run.
            var run = Task.Run(() => cases.Sample(c =>
            {
                total++;
                return Check(targets[c.Program], memory + Guard, c, reasons, ref accepted, ref loaded);
            }, iter: Iterations, threads: 1));
            Assert.That(run.Wait(TimeSpan.FromMinutes(3)), Is.True, "the fuzz run hung");
            run.GetAwaiter().GetResult();
        }
        finally
        {
            NativeMemory.Free(memory);
        }
        TestContext.Out.WriteLine($"{total} mutated images in {clock.Elapsed.TotalSeconds:F1} s: {accepted} accepted ({loaded} loaded), {total - accepted} refused");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value))
            TestContext.Out.WriteLine($"{count,7}  {reason}");
        Assert.That(total, Is.GreaterThanOrEqualTo(100_000));
        Assert.That(accepted, Is.GreaterThan(Iterations / 20), "the mutations should leave many images loadable");
        Assert.That(total - accepted, Is.GreaterThan(Iterations / 5), "and break many others");
    }
}
