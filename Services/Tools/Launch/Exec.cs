using System.Collections;
using System.Runtime.InteropServices;

namespace Kitten.Launch;

// The two ways launch replaces itself with the program: kitten_exec_placed (the layout installed as
// planned) and plain execve(2). Both return only on failure, with the errno.
internal static unsafe class Exec
{
    public const int ENOENT = 2, EBUSY = 16;

    public static int Placed(string path, string[] arguments, byte[] placement)
    {
        fixed (byte* buffer = placement)
        {
            Kitten.MemoryManager.KernelPlacement.WriteRegionsAddress(placement, (ulong)buffer);
            return Run(path, arguments, (nint)buffer);
        }
    }

    public static int Plain(string path, string[] arguments) => Run(path, arguments, 0);

    private static int Run(string path, string[] arguments, nint placement)
    {
        var strings = new List<nint>();
        try
        {
            nint pathString = Utf8(path, strings);
            nint* argv = stackalloc nint[arguments.Length + 1];
            for (int i = 0; i < arguments.Length; i++)
                argv[i] = Utf8(arguments[i], strings);
            argv[arguments.Length] = 0;
            var environment = new List<string>();
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
                environment.Add($"{variable.Key}={variable.Value}");
            nint* envp = stackalloc nint[environment.Count + 1];
            for (int i = 0; i < environment.Count; i++)
                envp[i] = Utf8(environment[i], strings);
            envp[environment.Count] = 0;
            long result = placement == 0
                ? Syscall(Execve, pathString, (nint)argv, (nint)envp, 0)
                : Syscall(Kitten.MemoryManager.KernelPlacement.ExecPlaced, pathString, (nint)argv, (nint)envp, placement);
            return result == -1 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            foreach (nint s in strings)
                Marshal.FreeCoTaskMem(s);
        }
    }

    private const long Execve = 59;

    private static nint Utf8(string text, List<nint> strings)
    {
        nint s = Marshal.StringToCoTaskMemUTF8(text);
        strings.Add(s);
        return s;
    }

    // glibc's syscall(2): the number, then the arguments in RDI, RSI, RDX, R10; -1 and errno on failure.
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall(long number, nint a, nint b, nint c, nint d);
}
