namespace Kitten.Launch;

// launch's command line (Program.cs says what each option means).
internal sealed class LaunchOptions
{
    public const ulong DefaultHeap = 8UL << 20;
    public const ulong DefaultStack = 2UL << 20;

    public ulong HeapBytes { get; private set; } = DefaultHeap;
    public ulong StackBytes { get; private set; } = DefaultStack;
    public int Cpu { get; private set; } = -1;
    public bool OrPlain { get; private set; }
    public bool Show { get; private set; }
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(10);
    public string Program { get; private set; } = "";

    // argv as the program gets it: the program as named, then its arguments.
    public string[] Arguments { get; private set; } = Array.Empty<string>();

    public static LaunchOptions? Parse(string[] args, out string? problem)
    {
        problem = null;
        var options = new LaunchOptions();
        int i = 0;
        for (; i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal); i++)
        {
            string option = args[i];
            if (option == "--")
            {
                i++;
                break;
            }
            if (option is "--or-plain" or "--show")
            {
                options.OrPlain |= option == "--or-plain";
                options.Show |= option == "--show";
                continue;
            }
            if (i + 1 == args.Length)
                return Refuse($"{option} needs a value", out problem);
            string value = args[++i];
            switch (option)
            {
                case "--heap" when TryParseSize(value, out ulong heap):
                    options.HeapBytes = heap;
                    break;
                case "--stack" when TryParseSize(value, out ulong stack) && stack > 0:
                    options.StackBytes = stack;
                    break;
                case "--cpu" when int.TryParse(value, out int cpu) && cpu >= 0:
                    options.Cpu = cpu;
                    break;
                case "--timeout" when double.TryParse(value, out double seconds) && seconds > 0:
                    options.Timeout = TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    return Refuse($"bad option '{option} {value}' (usage: launch [--heap SIZE] [--stack SIZE] [--cpu N] [--timeout S] [--or-plain] [--show] PROGRAM [ARG...])", out problem);
            }
        }
        if (i == args.Length)
            return Refuse("no program (usage: launch [--heap SIZE] [--stack SIZE] [--cpu N] [--timeout S] [--or-plain] [--show] PROGRAM [ARG...])", out problem);
        options.Program = args[i];
        options.Arguments = args[i..];
        return options;
    }

    // A size in bytes: digits, optionally followed by K, M or G (powers of 1024).
    public static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        int shift = text.Length == 0 ? 0 : char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
        string digits = shift == 0 ? text : text[..^1];
        if (!ulong.TryParse(digits, System.Globalization.NumberStyles.None, null, out ulong value) || value > ulong.MaxValue >> shift)
            return false;
        bytes = value << shift;
        return true;
    }

    // The file to run: a name with a slash as it is; a bare name looked up in PATH, as execvp(3) does.
    public static string? Resolve(string program)
    {
        if (program.Contains('/'))
            return File.Exists(program) ? program : null;
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/bin:/usr/bin:/sbin";
        foreach (string directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static LaunchOptions? Refuse(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }
}
