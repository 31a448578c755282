// Which of the services in the boot image the kernel has the supervisor start. A service folder named
// GROUP-VARIANT is one of the alternatives for GROUP (memory-contiguous, memory-paged: two programs that
// offer the same contract under the name GROUP); one named GROUP has no alternatives. For each group one
// service runs: the one the command line names with GROUP=VARIANT (`memory=paged`), else the first
// alternative in byte order; GROUP=none runs none. The supervisor itself is not a choice: it is what
// starts the others. Portable: unit-tested on the host.
using System;
using Kitten.Kernel.FileSystem;

namespace Kitten.Kernel.Boot;

internal static class ServiceChoice
{
    public const string Supervisor = "supervisor";

    // chosen[i]: whether names[i] runs. A GROUP=VARIANT word naming no service of the image is an error:
    // badGroupIndex is then the index of one of the group's services and badChoice the word's value, and
    // the group runs nothing (a boot choice that cannot be honoured is not replaced by another).
    public static void Choose(byte[][] names, CommandLine commandLine, bool[] chosen, out int badGroupIndex, out byte[] badChoice)
    {
        badGroupIndex = -1;
        badChoice = null;
        for (int i = 0; i < names.Length; i++)
            chosen[i] = false;
        for (int i = 0; i < names.Length; i++)
        {
            if (IsSupervisor(names[i]) || FirstOfGroupBefore(names, i))
                continue;
            ReadOnlySpan<byte> group = GroupOf(names[i]);
            if (TryGetChoice(commandLine, group, out ReadOnlySpan<byte> choice))
            {
                if (CommandLine.Equals(choice, "none"))
                    continue;
                int match = FindVariant(names, group, choice);
                if (match >= 0)
                {
                    chosen[match] = true;
                }
                else if (badGroupIndex < 0)
                {
                    badGroupIndex = i;
                    badChoice = Bytes.ToArray(choice);
                }
                continue;
            }
            chosen[Smallest(names, group)] = true;
        }
    }

    // The name a service of this folder registers: its group.
    public static ReadOnlySpan<byte> GroupOf(ReadOnlySpan<byte> name)
    {
        for (int i = 1; i < name.Length; i++)
            if (name[i] == '-')
                return name.Slice(0, i);
        return name;
    }

    public static bool IsSupervisor(ReadOnlySpan<byte> name) => Bytes.Equal(name, Supervisor);

    private static bool FirstOfGroupBefore(byte[][] names, int index)
    {
        ReadOnlySpan<byte> group = GroupOf(names[index]);
        for (int j = 0; j < index; j++)
            if (!IsSupervisor(names[j]) && Bytes.Equal(GroupOf(names[j]), group))
                return true;
        return false;
    }

    // The folder GROUP-VARIANT.
    private static int FindVariant(byte[][] names, ReadOnlySpan<byte> group, ReadOnlySpan<byte> variant)
    {
        for (int i = 0; i < names.Length; i++)
        {
            ReadOnlySpan<byte> name = names[i];
            if (IsSupervisor(name) || !Bytes.Equal(GroupOf(name), group))
                continue;
            if (name.Length == group.Length + 1 + variant.Length && Bytes.Equal(name.Slice(group.Length + 1), variant))
                return i;
        }
        return -1;
    }

    private static int Smallest(byte[][] names, ReadOnlySpan<byte> group)
    {
        int best = -1;
        for (int i = 0; i < names.Length; i++)
        {
            if (IsSupervisor(names[i]) || !Bytes.Equal(GroupOf(names[i]), group))
                continue;
            if (best < 0 || Compare(names[i], names[best]) < 0)
                best = i;
        }
        return best;
    }

    private static int Compare(byte[] a, byte[] b)
    {
        for (int i = 0; i < a.Length && i < b.Length; i++)
            if (a[i] != b[i])
                return a[i] - b[i];
        return a.Length - b.Length;
    }

    private static bool TryGetChoice(CommandLine commandLine, ReadOnlySpan<byte> group, out ReadOnlySpan<byte> value)
        => commandLine.TryGetValue(group, out value);
}
