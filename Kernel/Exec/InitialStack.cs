// Builds a new program's initial stack exactly as Linux does on x86-64 (fs/binfmt_elf.c create_elf_tables,
// with the strings placed by fs/exec.c) and as the psABI describes it (section 3.4.1 "Initial Stack and
// Register State"). From the top down:
//
//   8 zero bytes                       Linux: bprm->p = stack top - sizeof(void *)
//   execfn string                      the path given to execve (AT_EXECFN)
//   envp strings, argv strings         each NUL-terminated, argv[0] lowest, contiguous (arg_start..env_end)
//   (align down to 16)                 arch_align_stack, without Linux's random offset
//   platform string "x86_64"           AT_PLATFORM
//   16 random bytes                    AT_RANDOM
//   (padding so that RSP is 16-aligned)
//   auxv pairs ... AT_NULL             Linux's order (see WriteAuxiliaryVector)
//   envp[0..n-1], NULL
//   argv[0..n-1], NULL
//   argc                               <- RSP, 16-byte aligned
//
// Checked against a static program on Linux 6.18 that printed its own stack. Portable and allocation-free:
// the buffer is any memory the caller maps at the user addresses given; unused bytes inside the part
// written are zeroed, so that no stale kernel data reaches the program.
using System;

namespace Kitten.Kernel.Exec;

// A byte string passed in from the caller (an argv or envp entry, a path): its bytes without a NUL.
internal unsafe struct ByteString
{
    public byte* Bytes;
    public int Length;

    public ByteString(byte* bytes, int length)
    {
        Bytes = bytes;
        Length = length;
    }
}

// Where InitialStack put things, as user addresses: the stack pointer to start with and what the kernel
// keeps for later (Linux's mm->arg_start.. for /proc/self/cmdline and environ, saved_auxv for auxv).
internal struct InitialStackLayout
{
    public ulong StackPointer;          // RSP at the entry point; argc is there
    public ulong ArgumentsStart;        // the argv strings: [ArgumentsStart, EnvironmentStart)
    public ulong EnvironmentStart;      // the envp strings: [EnvironmentStart, EnvironmentEnd)
    public ulong EnvironmentEnd;
    public ulong ExecutableName;        // AT_EXECFN
    public ulong Platform;              // AT_PLATFORM, 0 if none
    public ulong Random;                // AT_RANDOM
    public ulong AuxiliaryVector;       // the first auxv pair
    public int AuxiliaryVectorLength;   // pairs, AT_NULL included
}

internal static unsafe class InitialStack
{
    public const int RandomSize = 16;
    // AT_PLATFORM on x86-64 Linux (ELF_PLATFORM, arch/x86/include/asm/elf.h: utsname()->machine).
    public const string Platform = "x86_64";

    // top: the byte after the buffer (maps to user address userTop); capacity: bytes usable below top.
    // platform: ASCII, normally Platform (null or empty: no AT_PLATFORM). random: exactly 16 bytes.
    // False (and nothing written) when the contents do not fit or an argument is malformed.
    public static bool TryBuild(byte* top, ulong userTop, ulong capacity,
        ReadOnlySpan<ByteString> arguments, ReadOnlySpan<ByteString> environment, ByteString executableName,
        string platform, ReadOnlySpan<byte> random, in AuxiliaryValues values,
        out InitialStackLayout layout, out string error)
    {
        layout = default;
        int platformLength = platform == null ? 0 : platform.Length;
        if (random.Length != RandomSize)
        {
            error = "AT_RANDOM needs exactly 16 bytes";
            return false;
        }
        if (top == null || capacity > userTop)
        {
            error = "stack buffer lies outside the address space";
            return false;
        }
        if (executableName.Length < 0 || (executableName.Bytes == null && executableName.Length > 0)
            || !StringsAreValid(arguments) || !StringsAreValid(environment))
        {
            error = "malformed argument string";
            return false;
        }

        // First pass: place everything, writing nothing, so that a stack that does not fit leaves the
        // buffer as it was. Every step checks the room left above the buffer's bottom.
        ulong bottom = userTop - capacity;
        ulong cursor = userTop;
        bool fits = Reserve(ref cursor, bottom, 8);
        fits = fits && Reserve(ref cursor, bottom, (ulong)executableName.Length + 1);
        layout.ExecutableName = cursor;
        fits = fits && Reserve(ref cursor, bottom, TotalSize(environment));
        layout.EnvironmentStart = cursor;
        layout.EnvironmentEnd = layout.ExecutableName;
        fits = fits && Reserve(ref cursor, bottom, TotalSize(arguments));
        layout.ArgumentsStart = cursor;
        fits = fits && Reserve(ref cursor, bottom, cursor & 15);
        if (platformLength > 0)
        {
            fits = fits && Reserve(ref cursor, bottom, (ulong)platformLength + 1);
            layout.Platform = cursor;
        }
        fits = fits && Reserve(ref cursor, bottom, RandomSize);
        layout.Random = cursor;
        layout.AuxiliaryVectorLength = AuxiliaryVectorLength(values, platformLength > 0);
        ulong words = (ulong)layout.AuxiliaryVectorLength * 2 + (ulong)arguments.Length + 1
            + (ulong)environment.Length + 1 + 1;
        fits = fits && Reserve(ref cursor, bottom, words * 8);
        fits = fits && Reserve(ref cursor, bottom, cursor & 15);
        if (!fits)
        {
            layout = default;
            error = "arguments and environment do not fit on the stack";
            return false;
        }
        layout.StackPointer = cursor;
        layout.AuxiliaryVector = cursor + ((ulong)arguments.Length + 1 + (ulong)environment.Length + 1 + 1) * 8;

        // Second pass: write, lowest address first.
        Zero(At(top, userTop, cursor), userTop - cursor);
        ulong* slot = (ulong*)At(top, userTop, cursor);
        *slot++ = (ulong)arguments.Length;
        ulong text = layout.ArgumentsStart;
        for (int i = 0; i < arguments.Length; i++)
        {
            *slot++ = text;
            text = CopyString(At(top, userTop, text), text, arguments[i].Bytes, arguments[i].Length);
        }
        slot++;                                 // argv NULL
        for (int i = 0; i < environment.Length; i++)
        {
            *slot++ = text;
            text = CopyString(At(top, userTop, text), text, environment[i].Bytes, environment[i].Length);
        }
        slot++;                                 // envp NULL
        CopyString(At(top, userTop, layout.ExecutableName), layout.ExecutableName, executableName.Bytes,
            executableName.Length);
        if (platformLength > 0)
        {
            byte* platformCopy = At(top, userTop, layout.Platform);
            for (int i = 0; i < platformLength; i++)
                platformCopy[i] = (byte)platform[i]; // its NUL is there already: the area was zeroed
        }
        byte* randomCopy = At(top, userTop, layout.Random);
        for (int i = 0; i < RandomSize; i++)
            randomCopy[i] = random[i];
        WriteAuxiliaryVector(slot, values, layout);
        error = null;
        return true;
    }

    // Linux's order (create_elf_tables, with x86-64's ARCH_DLINFO first); AT_NULL ends it.
    private static void WriteAuxiliaryVector(ulong* slot, in AuxiliaryValues values, in InitialStackLayout layout)
    {
        if (values.VdsoBase != 0)
            Put(ref slot, AuxiliaryVectorType.VdsoBase, values.VdsoBase);
        if (values.MinimumSignalStackSize != 0)
            Put(ref slot, AuxiliaryVectorType.MinimumSignalStackSize, values.MinimumSignalStackSize);
        Put(ref slot, AuxiliaryVectorType.HardwareCapabilities, values.HardwareCapabilities);
        Put(ref slot, AuxiliaryVectorType.PageSize, values.PageSize);
        Put(ref slot, AuxiliaryVectorType.ClockTicks, values.ClockTicks);
        Put(ref slot, AuxiliaryVectorType.ProgramHeaders, values.ProgramHeaders);
        Put(ref slot, AuxiliaryVectorType.ProgramHeaderSize, ElfImage.ProgramHeaderSize);
        Put(ref slot, AuxiliaryVectorType.ProgramHeaderCount, values.ProgramHeaderCount);
        Put(ref slot, AuxiliaryVectorType.InterpreterBase, values.InterpreterBase);
        Put(ref slot, AuxiliaryVectorType.Flags, values.Flags);
        Put(ref slot, AuxiliaryVectorType.Entry, values.Entry);
        Put(ref slot, AuxiliaryVectorType.UserId, values.UserId);
        Put(ref slot, AuxiliaryVectorType.EffectiveUserId, values.EffectiveUserId);
        Put(ref slot, AuxiliaryVectorType.GroupId, values.GroupId);
        Put(ref slot, AuxiliaryVectorType.EffectiveGroupId, values.EffectiveGroupId);
        Put(ref slot, AuxiliaryVectorType.Secure, values.Secure);
        Put(ref slot, AuxiliaryVectorType.Random, layout.Random);
        Put(ref slot, AuxiliaryVectorType.HardwareCapabilities2, values.HardwareCapabilities2);
        Put(ref slot, AuxiliaryVectorType.ExecutableName, layout.ExecutableName);
        if (layout.Platform != 0)
            Put(ref slot, AuxiliaryVectorType.Platform, layout.Platform);
        if (values.RseqFeatureSize != 0)
        {
            Put(ref slot, AuxiliaryVectorType.RseqFeatureSize, values.RseqFeatureSize);
            Put(ref slot, AuxiliaryVectorType.RseqAlignment, values.RseqAlignment);
        }
        Put(ref slot, AuxiliaryVectorType.Null, 0);
    }

    // Pairs WriteAuxiliaryVector writes, AT_NULL included.
    private static int AuxiliaryVectorLength(in AuxiliaryValues values, bool hasPlatform)
    {
        int pairs = 18;                         // AT_HWCAP .. AT_EXECFN, and AT_NULL
        if (values.VdsoBase != 0) pairs++;
        if (values.MinimumSignalStackSize != 0) pairs++;
        if (hasPlatform) pairs++;
        if (values.RseqFeatureSize != 0) pairs += 2;
        return pairs;
    }

    private static void Put(ref ulong* slot, ulong type, ulong value)
    {
        slot[0] = type;
        slot[1] = value;
        slot += 2;
    }

    private static bool StringsAreValid(ReadOnlySpan<ByteString> strings)
    {
        for (int i = 0; i < strings.Length; i++)
            if (strings[i].Length < 0 || (strings[i].Bytes == null && strings[i].Length > 0))
                return false;
        return true;
    }

    // Bytes the strings take with their NULs. At most 2^31 strings of under 2^31 bytes: no overflow.
    private static ulong TotalSize(ReadOnlySpan<ByteString> strings)
    {
        ulong total = 0;
        for (int i = 0; i < strings.Length; i++)
            total += (ulong)strings[i].Length + 1;
        return total;
    }

    private static bool Reserve(ref ulong cursor, ulong bottom, ulong size)
    {
        if (cursor - bottom < size)
            return false;
        cursor -= size;
        return true;
    }

    // The buffer byte that user address `user` maps to.
    private static byte* At(byte* top, ulong userTop, ulong user) => top - (userTop - user);

    // Copies a string and its NUL to destination (user address at); returns the user address after it.
    private static ulong CopyString(byte* destination, ulong at, byte* source, int length)
    {
        for (int i = 0; i < length; i++)
            destination[i] = source[i];
        destination[length] = 0;
        return at + (ulong)length + 1;
    }

    // Eight bytes per store where they fit (every execve zeroes its argument area: ~400 bytes).
    private static void Zero(byte* destination, ulong length)
    {
        ulong i = 0;
        for (; i + 8 <= length; i += 8)
            *(ulong*)(destination + i) = 0;
        for (; i < length; i++)
            destination[i] = 0;
    }
}
