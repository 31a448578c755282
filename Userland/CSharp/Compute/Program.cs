// Compute: a dense matrix multiply, C = A·B with N×N matrices of doubles, the compute kernel of
// `./kitten bench csharp`. The same binary runs on Kitten and on Linux in the same QEMU machine: the
// instructions of the multiply are identical, so any difference in its time is the kernel's (timer
// interrupts, page faults, TLB misses, other threads it runs).
//
//   Compute [N [REPEATS [THREADS]]]     defaults: N=256, REPEATS=4, THREADS=1
//
// Prints exactly one line and exits 0, or prints why and exits 1 (wrong result) or 2 (bad arguments):
//
//   bench-result csharp-compute ticks=T stopwatch_ns=S n=N repeats=R threads=P flops=F checksum=C
//
// ticks are time stamp counter ticks over the REPEATS multiplies only (not start-up, not the set-up of
// the matrices, not the check): under QEMU `-icount shift=0,sleep=off` one tick is one instruction, on
// either kernel, so the figures compare exactly. stopwatch_ns is the same interval by Stopwatch
// (CLOCK_MONOTONIC), for runs without -icount. flops = 2·N³·REPEATS.
//
// The entries are small integers (A in -3..3, B in -2..2), so every product and sum is exact in double
// and the result does not depend on the order of the additions: the checksum is the same on any machine,
// and the result is verified exactly (Freivalds' check, C·x = A·(B·x) for two fixed vectors x, O(N²)).
//
// The default size was chosen for about a second of QEMU TCG on one core (README.md has the figures).
// With THREADS > 1, Parallel.For splits the rows of C between that many workers.
using System.Diagnostics;
using Kitten.Userland;

int n = 256, repeats = 4, threads = 1;
if (args.Length > 3 || !TryParseArgument(args, 0, ref n) || !TryParseArgument(args, 1, ref repeats)
    || !TryParseArgument(args, 2, ref threads))
{
    Console.Error.WriteLine("usage: Compute [N [REPEATS [THREADS]]]   (positive numbers)");
    return 2;
}

double[] a = new double[n * n], b = new double[n * n], c = new double[n * n];
for (int i = 0; i < n; i++)
{
    for (int j = 0; j < n; j++)
    {
        a[i * n + j] = (i * 3 + j * 5) % 7 - 3;
        b[i * n + j] = (i * 2 + j * 7) % 5 - 2;
    }
}

// One untimed multiply first: the pages of C are touched and the code is warm on both kernels alike.
Multiply(a, b, c, n, threads);

long startStopwatch = Stopwatch.GetTimestamp();
ulong startTsc = Tsc.Read();
for (int r = 0; r < repeats; r++)
    Multiply(a, b, c, n, threads);
ulong ticks = Tsc.Read() - startTsc;
long stopwatchNs = (long)(Stopwatch.GetElapsedTime(startStopwatch).Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond));

string? error = Verify(a, b, c, n);
if (error != null)
{
    Console.WriteLine($"csharp-compute: wrong result: {error}");
    return 1;
}
Console.WriteLine($"bench-result csharp-compute ticks={ticks} stopwatch_ns={stopwatchNs} n={n} repeats={repeats} " +
    $"threads={threads} flops={2L * n * n * n * repeats} checksum={Checksum(c, n)}");
return 0;

// C = A·B, row by row in i-k-j order: the innermost loop runs along a row of B and a row of C, both
// contiguous, so it streams through memory (the textbook order for row-major matrices).
static void Multiply(double[] a, double[] b, double[] c, int n, int threads)
{
    if (threads == 1)
    {
        for (int i = 0; i < n; i++)
            MultiplyRow(a, b, c, n, i);
    }
    else
    {
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => MultiplyRow(a, b, c, n, i));
    }
}

static void MultiplyRow(double[] a, double[] b, double[] c, int n, int i)
{
    Span<double> row = c.AsSpan(i * n, n);
    row.Clear();
    for (int k = 0; k < n; k++)
    {
        double aik = a[i * n + k];
        ReadOnlySpan<double> bRow = b.AsSpan(k * n, n);
        for (int j = 0; j < row.Length; j++)
            row[j] += aik * bRow[j];
    }
}

// Freivalds: C·x must equal A·(B·x). With integer entries all of it is exact, so any wrong element of C
// shows unless it is cancelled by another for both vectors, which a wrong multiply does not do by chance.
static string? Verify(double[] a, double[] b, double[] c, int n)
{
    for (int vector = 0; vector < 2; vector++)
    {
        var x = new double[n];
        for (int j = 0; j < n; j++)
            x[j] = vector == 0 ? 1 : j % 4 + 1;
        double[] expected = MultiplyVector(a, MultiplyVector(b, x, n), n), actual = MultiplyVector(c, x, n);
        for (int i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
                return $"row {i}: (C·x)[{i}] = {actual[i]}, (A·(B·x))[{i}] = {expected[i]} (x number {vector})";
        }
    }
    return null;
}

static double[] MultiplyVector(double[] m, double[] x, int n)
{
    var y = new double[n];
    for (int i = 0; i < n; i++)
    {
        double sum = 0;
        for (int j = 0; j < n; j++)
            sum += m[i * n + j] * x[j];
        y[i] = sum;
    }
    return y;
}

// A position-weighted sum of C, exact (|C[i,j]| <= 6N): it changes if any element moves or changes.
static long Checksum(double[] c, int n)
{
    long sum = 0;
    for (int i = 0; i < n * n; i++)
        sum += (long)c[i] * (i % 7 + 1);
    return sum;
}

static bool TryParseArgument(string[] args, int index, ref int value)
{
    if (index >= args.Length)
        return true;
    return int.TryParse(args[index], out value) && value > 0 && value <= 10_000;
}
