// Hello: the smallest ordinary C# program, for the start-up benchmark (`./kitten bench csharp`): how long
// from execve until the program's first line of output. It prints that line before doing anything else,
// then a second line with the figures a harness needs:
//
//   hello from C#
//   bench-result csharp-startup first_line_tsc=T main_stopwatch=S stopwatch_frequency=F cpus=N
//
// first_line_tsc is the time stamp counter read just after the first line's write(2) returned (plus, once,
// the stub set-up of Tsc.cs: one mmap and one mprotect). A harness that read the TSC just before execve
// (the kernel, or the parent process on Linux) subtracts its value: start-up to first output line, in
// ticks, i.e. instructions under QEMU -icount. main_stopwatch is Stopwatch.GetTimestamp() on entry to Main,
// in units of stopwatch_frequency per second (CLOCK_MONOTONIC: comparable within one kernel only).
//
// Exit status 0. Any arguments are printed on a third line, `args: ...`, one per word in brackets.
using System.Diagnostics;
using Kitten.Userland;

long mainStopwatch = Stopwatch.GetTimestamp();
Console.WriteLine("hello from C#");
ulong firstLineTsc = Tsc.Read();
Console.WriteLine($"bench-result csharp-startup first_line_tsc={firstLineTsc} main_stopwatch={mainStopwatch} " +
    $"stopwatch_frequency={Stopwatch.Frequency} cpus={Environment.ProcessorCount}");
if (args.Length > 0)
    Console.WriteLine("args: [" + string.Join("] [", args) + "]");
return 0;
