using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Kitten.Kernel.Tests.Exec;

// Real executables for the ELF tests, built once per test run with the machine's gcc: a static program
// (ET_EXEC), a static-PIE (ET_DYN, self-relocating) and an ordinary dynamically linked one. The facts the
// tests compare against come from readelf, not from the code under test.
internal static class TestPrograms
{
    private const string Source = """
        #include <stdio.h>
        __thread int counter = 7;          /* a PT_TLS with an initialised part */
        static char big[100000];           /* a bss */
        int main(int argc, char **argv)
        {
            big[argc] = 1;
            printf("hello from %s, %d\n", argv[0], counter + big[1]);
            return 0;
        }
        """;

    private static readonly Lazy<string> Directory = new(BuildAll);

    public static string Static => Path.Combine(Directory.Value, "static");
    public static string StaticPie => Path.Combine(Directory.Value, "static-pie");
    public static string Dynamic => Path.Combine(Directory.Value, "dynamic");

    private static string BuildAll()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"kitten-elf-tests-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(directory);
        string source = Path.Combine(directory, "hello.c");
        File.WriteAllText(source, Source);
        Run("gcc", $"-O2 -static -o {directory}/static {source}");
        Run("gcc", $"-O2 -static-pie -o {directory}/static-pie {source}");
        Run("gcc", $"-O2 -o {directory}/dynamic {source}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(directory, true); } catch (IOException) { }
        };
        return directory;
    }

    public static string Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {errors}");
        return output;
    }
}

// What `readelf -lhW` says about a file.
internal sealed class ReadelfFacts
{
    public record Header(string Type, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize,
        string Flags, ulong Alignment);

    public string Type = "";
    public ulong Entry;
    public ulong ProgramHeaderOffset;
    public int ProgramHeaderCount;
    public string Interpreter;
    public List<Header> Headers = new();

    public IEnumerable<Header> Loads => Headers.Where(h => h.Type == "LOAD");

    private static readonly Regex HeaderLine = new(
        @"^\s+(\w+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s(.{3})\s0x([0-9a-f]+)$");

    public static ReadelfFacts Of(string path)
    {
        var facts = new ReadelfFacts();
        foreach (string line in TestPrograms.Run("readelf", $"-lhW {path}").Split('\n'))
        {
            Match match = HeaderLine.Match(line);
            if (match.Success)
            {
                facts.Headers.Add(new Header(match.Groups[1].Value, Hex(match.Groups[2].Value), Hex(match.Groups[3].Value),
                    Hex(match.Groups[4].Value), Hex(match.Groups[5].Value), match.Groups[6].Value, Hex(match.Groups[7].Value)));
            }
            else if (line.Trim().StartsWith("Type:"))
            {
                facts.Type = line.Split(':', 2)[1].Trim().Split(' ')[0];
            }
            else if (line.Trim().StartsWith("Entry point address:"))
            {
                facts.Entry = Hex(line.Split("0x")[1].Trim());
            }
            else if (line.Trim().StartsWith("Start of program headers:"))
            {
                facts.ProgramHeaderOffset = ulong.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            else if (line.Trim().StartsWith("Number of program headers:"))
            {
                facts.ProgramHeaderCount = int.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.Contains("[Requesting program interpreter: "))
            {
                facts.Interpreter = line.Split(": ")[1].TrimEnd(']', ' ');
            }
        }
        return facts;
    }

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
