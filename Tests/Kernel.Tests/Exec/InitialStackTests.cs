using System.Globalization;
using System.Text;
using CsCheck;
using Kitten.Kernel.Exec;
using NUnit.Framework;
using At = Kitten.Kernel.Exec.AuxiliaryVectorType;

namespace Kitten.Kernel.Tests.Exec;

public unsafe class InitialStackTests
{
    private const ulong Top = 0x7F_FFFF_F000;
    private static readonly byte[] RandomBytes = Enumerable.Range(0xA0, 16).Select(i => (byte)i).ToArray();

    // A stack built into a host buffer, read back the way a C library reads it.
    private sealed class Built
    {
        public byte[] Buffer;
        public ulong Top;
        public bool Ok;
        public string Error;
        public InitialStackLayout Layout;
        public List<string> Argv = new(), Envp = new();
        public List<(ulong Type, ulong Value)> Auxv = new();
        public List<ulong> ArgvPointers = new(), EnvpPointers = new();

        public ulong Bottom => Top - (ulong)Buffer.Length;
        public bool Inside(ulong user, ulong size = 1) => user >= Bottom && user + size <= Top;
        public ulong Word(ulong user)
        {
            Assert.That(Inside(user, 8), Is.True, $"word at 0x{user:x} outside the buffer");
            return BitConverter.ToUInt64(Buffer, (int)(user - Bottom));
        }
        public string String(ulong user)
        {
            var bytes = new List<byte>();
            for (; ; user++)
            {
                Assert.That(Inside(user), Is.True, "string runs out of the buffer");
                byte b = Buffer[user - Bottom];
                if (b == 0) return Encoding.ASCII.GetString(bytes.ToArray());
                bytes.Add(b);
            }
        }
        public ulong Value(ulong type) => Auxv.Single(a => a.Type == type).Value;
    }

    private static AuxiliaryValues AllValues() => new()
    {
        ProgramHeaders = 0x400040,
        ProgramHeaderCount = 10,
        Entry = 0x4014F0,
        PageSize = 4096,
        ClockTicks = 100,
        HardwareCapabilities = 0x178BFBFF,
        HardwareCapabilities2 = 2,
        UserId = 1000,
        EffectiveUserId = 1001,
        GroupId = 1002,
        EffectiveGroupId = 1003,
        Secure = 0,
        Flags = 0,
        InterpreterBase = 0,
        VdsoBase = 0x7FC5_FB94_1000,
        MinimumSignalStackSize = 0xD30,
        RseqFeatureSize = 0x1C,
        RseqAlignment = 0x20,
    };

    private static Built Build(string[] argv, string[] envp, string execfn, AuxiliaryValues values, int capacity,
        string platform = InitialStack.Platform, byte fill = 0xAB, ulong top = Top)
    {
        var built = new Built { Buffer = new byte[capacity], Top = top };
        Array.Fill(built.Buffer, fill);
        var pinned = new List<byte[]>();
        ByteString Str(string s)
        {
            byte[] bytes = GC.AllocateArray<byte>(s.Length + 1, pinned: true);
            Encoding.ASCII.GetBytes(s).CopyTo(bytes, 0);
            pinned.Add(bytes);
            fixed (byte* p = bytes) return new ByteString(p, s.Length);
        }
        ByteString[] args = argv.Select(Str).ToArray(), env = envp.Select(Str).ToArray();
        ByteString name = Str(execfn);
        fixed (byte* buffer = built.Buffer)
        {
            built.Ok = InitialStack.TryBuild(buffer + capacity, top, (ulong)capacity, args, env, name,
                platform, RandomBytes, values, out built.Layout, out built.Error);
        }
        GC.KeepAlive(pinned);
        if (!built.Ok)
            return built;

        ulong sp = built.Layout.StackPointer;
        ulong argc = built.Word(sp);
        ulong at = sp + 8;
        for (ulong i = 0; i < argc; i++, at += 8)
            built.ArgvPointers.Add(built.Word(at));
        Assert.That(built.Word(at), Is.Zero, "argv ends with NULL");
        at += 8;
        for (ulong pointer; (pointer = built.Word(at)) != 0; at += 8)
            built.EnvpPointers.Add(pointer);
        at += 8;
        Assert.That(at, Is.EqualTo(built.Layout.AuxiliaryVector));
        for (; ; at += 16)
        {
            built.Auxv.Add((built.Word(at), built.Word(at + 8)));
            if (built.Auxv[^1].Type == At.Null) break;
        }
        Assert.That(built.Auxv.Count, Is.EqualTo(built.Layout.AuxiliaryVectorLength));
        built.Argv = built.ArgvPointers.Select(built.String).ToList();
        built.Envp = built.EnvpPointers.Select(built.String).ToList();
        return built;
    }

    private static readonly ulong[] LinuxOrder =
    {
        At.VdsoBase, At.MinimumSignalStackSize, At.HardwareCapabilities, At.PageSize, At.ClockTicks, At.ProgramHeaders,
        At.ProgramHeaderSize, At.ProgramHeaderCount, At.InterpreterBase, At.Flags, At.Entry, At.UserId, At.EffectiveUserId, At.GroupId,
        At.EffectiveGroupId, At.Secure, At.Random, At.HardwareCapabilities2, At.ExecutableName, At.Platform, At.RseqFeatureSize,
        At.RseqAlignment, At.Null,
    };

    // The layout a static program printed of its own stack on Linux 6.18 (`env -i A=1 BB=22 ./probe x yy`),
    // relative to the top: the strings at exactly these offsets, RSP 512 bytes below the top (Linux adds
    // a random offset below the strings, which this kernel does not).
    [Test]
    public void LaysOutTheStackExactlyAsLinuxDoes()
    {
        var built = Build(new[] { "./probe", "x", "yy" }, new[] { "A=1", "BB=22" }, "./probe", AllValues(), 4096);
        Assert.That(built.Ok, Is.True, built.Error);
        Assert.Multiple(() =>
        {
            Assert.That(built.Argv, Is.EqualTo(new[] { "./probe", "x", "yy" }));
            Assert.That(built.Envp, Is.EqualTo(new[] { "A=1", "BB=22" }));
            Assert.That(built.ArgvPointers, Is.EqualTo(new[] { Top - 39, Top - 31, Top - 29 }));
            Assert.That(built.EnvpPointers, Is.EqualTo(new[] { Top - 26, Top - 22 }));
            Assert.That(built.Value(At.ExecutableName), Is.EqualTo(Top - 16));
            Assert.That(built.String(Top - 16), Is.EqualTo("./probe"));
            Assert.That(built.Word(Top - 8), Is.Zero, "the top word is zero");
            Assert.That(built.Value(At.Platform), Is.EqualTo(Top - 55));
            Assert.That(built.String(Top - 55), Is.EqualTo("x86_64"));
            Assert.That(built.Value(At.Random), Is.EqualTo(Top - 71));
            Assert.That(built.Buffer.AsSpan((int)(Top - 71 - built.Bottom), 16).ToArray(), Is.EqualTo(RandomBytes));
            Assert.That(built.Layout.StackPointer, Is.EqualTo(Top - 512));
            Assert.That(built.Layout.StackPointer % 16, Is.Zero);
            Assert.That(built.Auxv.Select(a => a.Type), Is.EqualTo(LinuxOrder));
            AuxiliaryValues v = AllValues();
            Assert.That(built.Value(At.ProgramHeaders), Is.EqualTo(v.ProgramHeaders));
            Assert.That(built.Value(At.ProgramHeaderSize), Is.EqualTo(56UL));
            Assert.That(built.Value(At.ProgramHeaderCount), Is.EqualTo(10UL));
            Assert.That(built.Value(At.Entry), Is.EqualTo(v.Entry));
            Assert.That(built.Value(At.PageSize), Is.EqualTo(4096UL));
            Assert.That(built.Value(At.ClockTicks), Is.EqualTo(100UL));
            Assert.That(built.Value(At.HardwareCapabilities), Is.EqualTo(v.HardwareCapabilities));
            Assert.That(built.Value(At.HardwareCapabilities2), Is.EqualTo(2UL));
            Assert.That((built.Value(At.UserId), built.Value(At.EffectiveUserId), built.Value(At.GroupId), built.Value(At.EffectiveGroupId)),
                Is.EqualTo((1000UL, 1001UL, 1002UL, 1003UL)));
            Assert.That(built.Value(At.VdsoBase), Is.EqualTo(v.VdsoBase));
            Assert.That(built.Value(At.MinimumSignalStackSize), Is.EqualTo(0xD30UL));
            Assert.That((built.Value(At.RseqFeatureSize), built.Value(At.RseqAlignment)), Is.EqualTo((0x1CUL, 0x20UL)));
            Assert.That(built.Value(At.Secure), Is.Zero);
            Assert.That(built.Value(At.InterpreterBase), Is.Zero);
            Assert.That(built.Layout.ArgumentsStart, Is.EqualTo(Top - 39));
            Assert.That(built.Layout.EnvironmentStart, Is.EqualTo(Top - 26));
            Assert.That(built.Layout.EnvironmentEnd, Is.EqualTo(Top - 16));
            // Below RSP nothing was touched; between RSP and the top every byte was written (the same
            // whatever the buffer held before), so nothing stale reaches the program.
            int spIndex = (int)(built.Layout.StackPointer - built.Bottom);
            Assert.That(built.Buffer.AsSpan(0, spIndex).IndexOfAnyExcept((byte)0xAB), Is.EqualTo(-1));
            var other = Build(new[] { "./probe", "x", "yy" }, new[] { "A=1", "BB=22" }, "./probe", AllValues(), 4096, fill: 0x54);
            Assert.That(other.Buffer.AsSpan(spIndex).SequenceEqual(built.Buffer.AsSpan(spIndex)), Is.True);
        });
    }

    // The same comparison, live: a static program prints its own initial stack on this machine's Linux and
    // the builder, given the same strings and the same optional entries, must reproduce it.
    [Test]
    public void MatchesWhatThisMachinesLinuxBuilds()
    {
        string directory = Path.GetDirectoryName(TestPrograms.Static);
        string probe = Path.Combine(directory, "probe");
        File.WriteAllText(probe + ".c", """
            #include <stdio.h>
            #include <elf.h>
            int main(int argc, char **argv, char **envp)
            {
                printf("sp %lx\n", (unsigned long)((unsigned long *)argv - 1));
                for (int i = 0; i < argc; i++) printf("arg %lx\n", (unsigned long)argv[i]);
                int n = 0;
                for (; envp[n]; n++) printf("env %lx\n", (unsigned long)envp[n]);
                for (Elf64_auxv_t *a = (Elf64_auxv_t *)(envp + n + 1); ; a++) {
                    printf("aux %lx %lx\n", a->a_type, a->a_un.a_val);
                    if (a->a_type == 0) break;
                }
                return 0;
            }
            """);
        TestPrograms.Run("gcc", $"-O1 -static -o {probe} {probe}.c");
        var start = new System.Diagnostics.ProcessStartInfo("env", "-i A=1 BB=22 ./probe x yy")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToList();
        process.WaitForExit();
        ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong linuxSp = Hex(lines.Single(l => l[0] == "sp")[1]);
        var linuxArgs = lines.Where(l => l[0] == "arg").Select(l => Hex(l[1])).ToList();
        var linuxEnv = lines.Where(l => l[0] == "env").Select(l => Hex(l[1])).ToList();
        var linuxAux = lines.Where(l => l[0] == "aux").Select(l => (Type: Hex(l[1]), Value: Hex(l[2]))).ToList();
        var unknown = linuxAux.Select(a => a.Type).Except(LinuxOrder).ToList();
        if (unknown.Count > 0)
            Assert.Ignore($"this Linux emits auxv types the builder does not know: {string.Join(", ", unknown)}");

        ulong LinuxValue(ulong type) => linuxAux.FirstOrDefault(a => a.Type == type).Value;
        var values = new AuxiliaryValues
        {
            VdsoBase = LinuxValue(At.VdsoBase),
            MinimumSignalStackSize = LinuxValue(At.MinimumSignalStackSize),
            RseqFeatureSize = LinuxValue(At.RseqFeatureSize),
            RseqAlignment = LinuxValue(At.RseqAlignment),
            HardwareCapabilities = LinuxValue(At.HardwareCapabilities),
            HardwareCapabilities2 = LinuxValue(At.HardwareCapabilities2),
            PageSize = LinuxValue(At.PageSize),
            ClockTicks = LinuxValue(At.ClockTicks),
            ProgramHeaders = LinuxValue(At.ProgramHeaders),
            ProgramHeaderCount = LinuxValue(At.ProgramHeaderCount),
            Entry = LinuxValue(At.Entry),
            UserId = LinuxValue(At.UserId),
            EffectiveUserId = LinuxValue(At.EffectiveUserId),
            GroupId = LinuxValue(At.GroupId),
            EffectiveGroupId = LinuxValue(At.EffectiveGroupId),
            Secure = LinuxValue(At.Secure),
        };
        var built = Build(new[] { "./probe", "x", "yy" }, new[] { "A=1", "BB=22" }, "./probe", values, 4096);
        Assert.That(built.Ok, Is.True, built.Error);

        // Strings: the same offsets from the top of the stack (execfn + its length + NUL + 8).
        ulong linuxTop = LinuxValue(At.ExecutableName) + (ulong)"./probe".Length + 1 + 8;
        Assert.That(linuxArgs.Select(a => linuxTop - a), Is.EqualTo(built.ArgvPointers.Select(a => Top - a)));
        Assert.That(linuxEnv.Select(a => linuxTop - a), Is.EqualTo(built.EnvpPointers.Select(a => Top - a)));
        // Below the strings Linux subtracts a random multiple of 16; from the platform string down the
        // layout is the same.
        ulong linuxPlatform = LinuxValue(At.Platform), ourPlatform = built.Value(At.Platform);
        Assert.That(LinuxValue(At.Random), Is.EqualTo(linuxPlatform - 16));
        Assert.That(linuxPlatform - linuxSp, Is.EqualTo(ourPlatform - built.Layout.StackPointer));
        Assert.That(built.Auxv.Select(a => a.Type), Is.EqualTo(linuxAux.Select(a => a.Type)));
        foreach (var (type, value) in linuxAux.Where(a => a.Type is not (At.Random or At.ExecutableName or At.Platform)))
            Assert.That(built.Value(type), Is.EqualTo(value), $"auxv type {type}");
    }

    [Test]
    public void EmptyArgvAndEnvpAndNoOptionalEntries()
    {
        var built = Build(Array.Empty<string>(), Array.Empty<string>(), "", new AuxiliaryValues { PageSize = 4096 }, 1024, platform: "");
        Assert.That(built.Ok, Is.True, built.Error);
        Assert.That(built.Word(built.Layout.StackPointer), Is.Zero, "argc");
        Assert.That(built.Argv, Is.Empty);
        Assert.That(built.Envp, Is.Empty);
        Assert.That(built.Layout.AuxiliaryVector, Is.EqualTo(built.Layout.StackPointer + 24));
        Assert.That(built.Auxv.Select(a => a.Type), Is.EqualTo(LinuxOrder.Except(new[] { At.VdsoBase, At.MinimumSignalStackSize, At.Platform, At.RseqFeatureSize, At.RseqAlignment })));
        Assert.That(built.Layout.Platform, Is.Zero);
        Assert.That(built.String(built.Value(At.ExecutableName)), Is.Empty);
        Assert.That(built.Layout.StackPointer % 16, Is.Zero);
    }

    [Test]
    public void FailsWithoutWritingWhenItDoesNotFitAndFitsExactly()
    {
        string[] argv = { "/bin/app", "--size", "1000" }, envp = { "PMI_RANK=3", "HOME=/" };
        var roomy = Build(argv, envp, "/bin/app", AllValues(), 8192);
        Assert.That(roomy.Ok, Is.True);
        int needed = (int)(Top - roomy.Layout.StackPointer);
        var exact = Build(argv, envp, "/bin/app", AllValues(), needed);
        Assert.That(exact.Ok, Is.True, exact.Error);
        Assert.That(exact.Layout.StackPointer, Is.EqualTo(roomy.Layout.StackPointer));
        var tight = Build(argv, envp, "/bin/app", AllValues(), needed - 1);
        Assert.That(tight.Ok, Is.False);
        Assert.That(tight.Error, Is.EqualTo("arguments and environment do not fit on the stack"));
        Assert.That(tight.Buffer.All(b => b == 0xAB), Is.True, "nothing written");
        Assert.That(tight.Layout.StackPointer, Is.Zero);
        var tiny = Build(argv, envp, "/bin/app", AllValues(), 3);
        Assert.That(tiny.Ok, Is.False);
        var huge = Build(new[] { new string('x', 5000) }, envp, "/bin/app", AllValues(), 4096);
        Assert.That(huge.Ok, Is.False);
    }

    [Test]
    public void RefusesMalformedInput()
    {
        fixed (byte* buffer = new byte[256])
        {
            ByteString name = default;
            Assert.That(InitialStack.TryBuild(buffer + 256, Top, 256, default, default, name, default, new byte[15], default, out _, out string error), Is.False);
            Assert.That(error, Is.EqualTo("AT_RANDOM needs exactly 16 bytes"));
            Assert.That(InitialStack.TryBuild(buffer + 256, 100, 256, default, default, name, default, RandomBytes, default, out _, out error), Is.False);
            Assert.That(error, Is.EqualTo("stack buffer lies outside the address space"));
            ByteString[] bad = { new(buffer, -1) };
            Assert.That(InitialStack.TryBuild(buffer + 256, Top, 256, bad, default, name, default, RandomBytes, default, out _, out error), Is.False);
            Assert.That(error, Is.EqualTo("malformed argument string"));
            ByteString[] nullWithLength = { new(null, 3) };
            Assert.That(InitialStack.TryBuild(buffer + 256, Top, 256, default, nullWithLength, name, default, RandomBytes, default, out _, out error), Is.False);
            Assert.That(error, Is.EqualTo("malformed argument string"));
        }
    }

    // Random argv and envp and buffer sizes: it either fits and reads back exactly, with RSP aligned and
    // everything inside the buffer, or it reports that it does not fit and writes nothing.
    [Test]
    public void RandomArgumentsReadBackExactly()
    {
        var text = Gen.String[Gen.Char['!', '~'], 0, 40];
        Gen.Select(text.Array[0, 12], text.Array[0, 12], text, Gen.Int[64, 3000], Gen.Bool)
            .Sample((argv, envp, execfn, capacity, platform) =>
            {
                ulong top = Top - (ulong)capacity % 13;   // tops that are not aligned either
                var built = Build(argv, envp, execfn, AllValues(), capacity, platform ? "x86_64" : "", 0x5A, top);
                // The layout restated: strings, align, platform, random, then the words, aligned.
                ulong strings = 8 + (ulong)execfn.Length + 1 + (ulong)argv.Sum(a => a.Length + 1) + (ulong)envp.Sum(e => e.Length + 1);
                ulong below = ((top - strings) & ~15UL) - (platform ? 7UL : 0) - 16;
                ulong words = 2UL * (22 + (platform ? 1UL : 0)) + (ulong)(argv.Length + envp.Length + 3);
                ulong sp = (below - 8 * words) & ~15UL;
                bool fits = top - sp <= (ulong)capacity;
                if (built.Ok != fits)
                    return false;
                if (!built.Ok)
                    return built.Buffer.All(b => b == 0x5A);
                return built.Layout.StackPointer == sp && sp % 16 == 0
                    && built.Argv.SequenceEqual(argv) && built.Envp.SequenceEqual(envp)
                    && built.String(built.Value(At.ExecutableName)) == execfn
                    && built.ArgvPointers.Concat(built.EnvpPointers).All(p => built.Inside(p))
                    && built.Value(At.Random) == built.Layout.Random && built.Inside(built.Layout.Random, 16)
                    && (platform ? built.String(built.Value(At.Platform)) == "x86_64" : built.Auxv.All(a => a.Type != At.Platform))
                    && built.Auxv[^1] == (At.Null, 0)
                    && built.Buffer.AsSpan(0, (int)(built.Layout.StackPointer - built.Bottom)).IndexOfAnyExcept((byte)0x5A) == -1;
            }, iter: 3000);
    }
}
