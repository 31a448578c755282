using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kitten.Userland.RuntimeTests;

// The checks, in the order they run. Each says in a comment which part of the kernel it leans on.
public static class Checks
{
    public static IReadOnlyList<Check> All(Options options) => new Check[]
    {
        new("console", ConsoleOutput),
        new("arguments", () => Arguments(options)),
        new("environment", () => EnvironmentVariables(options)),
        new("threads", Threads),
        new("parallel_for", ParallelFor),
        new("tasks", () => Tasks().GetAwaiter().GetResult()),
        new("lock_contention", LockContention),
        new("monitor_wait_pulse", MonitorWaitPulse),
        new("gc_pressure", GcPressure),
        new("gc_finalizers", GcFinalizers),
        new("exceptions", Exceptions),
        new("null_reference", NullReference),
        new("divide_by_zero", DivideByZero),
        new("stopwatch", StopwatchCheck),
        new("processor_count", () => ProcessorCount(options)),
        new("file_read", () => FileRead(options)),
    };

    private static void Expect(bool condition, string reason)
    {
        if (!condition)
            throw new CheckFailed(reason);
    }

    private static void Note(string check, string text) => Console.WriteLine($"# {check}: {text}");

    private const long MiB = 1 << 20;

    // write(2) on fd 1 and 2 (a terminal, a pipe or a file); the UTF-8 line is compared byte for byte by the
    // host test (and should look right on the serial console).
    private static void ConsoleOutput()
    {
        Console.WriteLine("# console: h\u00e9llo, w\u00f6rld \u2713 (UTF-8)");
        Console.Out.Write("# console: ");
        Console.Out.Write('W');
        Console.Out.Write(42);
        Console.Out.WriteLine(" pieces written one by one");
        using (Stream raw = Console.OpenStandardOutput())
            raw.Write("# console: raw bytes on the standard output stream\n"u8);
        Console.Error.WriteLine("runtime.console: a line on stderr");
        Note("console", $"encoding {Console.OutputEncoding.WebName}; redirected: in={Console.IsInputRedirected} " +
            $"out={Console.IsOutputRedirected} err={Console.IsErrorRedirected}");
    }

    // argv as the kernel laid it out on the initial stack.
    private static void Arguments(Options options)
    {
        string[] args = options.Arguments;
        string[] all = Environment.GetCommandLineArgs();
        for (int i = 0; i < all.Length; i++)
            Note("arguments", $"argv[{i}] = [{Printable(all[i])}]");
        Expect(all.Length == args.Length + 1, $"GetCommandLineArgs has {all.Length} entries, Main got {args.Length} arguments");
        Expect(all[0].Length > 0, "argv[0] is empty");
        for (int i = 0; i < args.Length; i++)
            Expect(all[i + 1] == args[i], $"GetCommandLineArgs()[{i + 1}] = [{all[i + 1]}] but Main's args[{i}] = [{args[i]}]");
        if (options.ExpectedArgumentCount is int count)
            Expect(args.Length == count, $"{args.Length} arguments arrived, argc={count} says {count}");
    }

    // A diagnostic line must stay one line: control characters as \n, \t or \xNN.
    private static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            printable.Append(c switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return printable.ToString();
    }

    // envp as the kernel laid it out; then the process's own copy, changed and read back.
    private static void EnvironmentVariables(Options options)
    {
        var all = Environment.GetEnvironmentVariables();
        Note("environment", $"{all.Count} variables");
        if (options.Variable is (string name, string value))
        {
            Expect(Environment.GetEnvironmentVariable(name) == value,
                $"{name} is [{Environment.GetEnvironmentVariable(name)}], expected [{value}]");
            Expect(all[name] as string == value, $"{name} is missing from GetEnvironmentVariables()");
        }
        const string Probe = "KITTEN_RUNTIME_TESTS_PROBE";
        Environment.SetEnvironmentVariable(Probe, "set");
        Expect(Environment.GetEnvironmentVariable(Probe) == "set", "a variable just set reads back differently");
        Environment.SetEnvironmentVariable(Probe, null);
        Expect(Environment.GetEnvironmentVariable(Probe) == null, "a variable just removed is still there");
    }

    [ThreadStatic]
    private static int t_value;

    // clone with CLONE_SETTLS (thread-locals through FS), new stacks (the default size and a small one),
    // join through futex on the child's TID (CLONE_CHILD_CLEARTID).
    private static void Threads()
    {
        const int Count = 8;
        var results = new int[Count];
        var ids = new int[Count];
        var threads = new Thread[Count];
        t_value = -1;
        for (int i = 0; i < Count; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                t_value = index + 1;
                Thread.Sleep(10);
                Thread.Yield();
                results[index] = t_value * 1000 + Depth(200);
                ids[index] = Environment.CurrentManagedThreadId;
            }, index % 2 == 0 ? 0 : 256 * 1024)
            { Name = $"worker {i}" };
        }
        foreach (Thread thread in threads)
            thread.Start();
        foreach (Thread thread in threads)
            thread.Join();
        for (int i = 0; i < Count; i++)
        {
            Expect(!threads[i].IsAlive, $"thread {i} is still alive after Join");
            Expect(results[i] == (i + 1) * 1000 + 200, $"thread {i} computed {results[i]}, expected {(i + 1) * 1000 + 200} (thread-local or stack broken)");
        }
        Expect(ids.Distinct().Count() == Count && !ids.Contains(Environment.CurrentManagedThreadId), "thread IDs are not distinct");
        Expect(t_value == -1, $"the main thread's thread-local changed to {t_value}");
    }

    // A recursion that uses the stack (256 bytes a frame) and returns n.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Depth(int n)
    {
        Span<byte> pad = stackalloc byte[256];
        pad[n % 256] = 1;
        return n == 0 ? 0 : Depth(n - 1) + pad[n % 256];
    }

    // The thread pool on every CPU: the result of a reduction, each index exactly once, and as many
    // iterations running at the same time as there are processors (they wait for each other).
    private static void ParallelFor()
    {
        const int N = 1_000_000;
        long total = 0;
        Parallel.For(0, N, () => 0L, (i, _, local) => local + (long)i * i, local => Interlocked.Add(ref total, local));
        long expected = (long)(N - 1) * N * (2L * N - 1) / 6;
        Expect(total == expected, $"sum of squares below {N} is {total}, expected {expected}");

        var hits = new int[100_000];
        Parallel.For(0, hits.Length, i => Interlocked.Increment(ref hits[i]));
        int wrong = Array.FindIndex(hits, h => h != 1);
        Expect(wrong < 0, wrong < 0 ? "" : $"index {wrong} ran {hits[wrong]} times");

        int processors = Environment.ProcessorCount;
        using var barrier = new Barrier(processors);
        int met = 0;
        var threadIds = new int[processors];
        var cpus = new int[processors];
        Parallel.For(0, processors, new ParallelOptions { MaxDegreeOfParallelism = processors }, i =>
        {
            if (barrier.SignalAndWait(TimeSpan.FromSeconds(120)))
                Interlocked.Increment(ref met);
            threadIds[i] = Environment.CurrentManagedThreadId;
            cpus[i] = Thread.GetCurrentProcessorId();
        });
        Note("parallel_for", $"{processors} iterations at once on {threadIds.Distinct().Count()} threads, " +
            $"processor IDs seen: {string.Join(',', cpus.Order())}");
        Expect(met == processors, $"only {met} of {processors} iterations met at the barrier within 120 s");
    }

    // Task.Run on the pool, WhenAll, continuations after a timer (Task.Delay), Yield, a TaskCompletionSource
    // completed by another thread, and a fault that comes back out of await.
    private static async Task Tasks()
    {
        var tasks = new Task<long>[32];
        for (int i = 0; i < tasks.Length; i++)
        {
            int n = i * 1000;
            tasks[i] = Task.Run(() => SumTo(n));
        }
        long[] sums = await Task.WhenAll(tasks);
        for (int i = 0; i < sums.Length; i++)
            Expect(sums[i] == (long)i * 1000 * (i * 1000 + 1) / 2, $"task {i} returned {sums[i]}");

        // The timer queue runs on Environment.TickCount64 (CLOCK_MONOTONIC_COARSE on Linux, 4 ms steps with
        // HZ=250), so a delay may end up to one step early by Stopwatch.
        var stopwatch = Stopwatch.StartNew();
        await Task.Delay(20);
        Expect(stopwatch.ElapsedMilliseconds >= 10, $"Task.Delay(20) ended after {stopwatch.ElapsedMilliseconds} ms");
        await Task.Yield();
        int nested = await Task.Run(async () =>
        {
            await Task.Delay(1);
            return 7;
        });
        Expect(nested == 7, $"a nested async task returned {nested}");

        var completion = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completer = new Thread(() =>
        {
            Thread.Sleep(10);
            completion.SetResult(5);
        });
        completer.Start();
        Expect(await completion.Task == 5, "TaskCompletionSource gave another value");
        completer.Join();

        try
        {
            await Task.Run(() => throw new InvalidOperationException("from a task"));
            throw new CheckFailed("a faulted task did not throw on await");
        }
        catch (InvalidOperationException e) when (e.Message == "from a task")
        {
        }
    }

    private static long SumTo(int n)
    {
        long sum = 0;
        for (int i = 1; i <= n; i++)
            sum += i;
        return sum;
    }

    // Monitor (lock) and System.Threading.Lock under contention: spinning, then futex waits and wakes. Each
    // increment is a read, a yield now and then, a write: without mutual exclusion updates get lost.
    private static void LockContention()
    {
        int workers = Math.Max(4, Environment.ProcessorCount);
        const int Rounds = 50_000;
        object gate = new();
        Lock newLock = new();
        long counterMonitor = 0, counterLock = 0;
        using var start = new ManualResetEventSlim();
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            threads[w] = new Thread(() =>
            {
                start.Wait();
                for (int r = 0; r < Rounds; r++)
                {
                    lock (gate)
                    {
                        long value = counterMonitor;
                        if ((r & 63) == 0)
                            Thread.Yield();
                        counterMonitor = value + 1;
                    }
                    lock (newLock)
                    {
                        long value = counterLock;
                        if ((r & 63) == 32)
                            Thread.Yield();
                        counterLock = value + 1;
                    }
                }
            });
            threads[w].Start();
        }
        start.Set();
        foreach (Thread thread in threads)
            thread.Join();
        Expect(counterMonitor == (long)workers * Rounds, $"lock (Monitor): {counterMonitor} increments, expected {workers * Rounds}");
        Expect(counterLock == (long)workers * Rounds, $"System.Threading.Lock: {counterLock} increments, expected {workers * Rounds}");

        // TryEnter with a timeout while another thread holds the lock: times out, then gets it.
        using var held = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            lock (gate)
            {
                held.Set();
                Thread.Sleep(200);
            }
        });
        holder.Start();
        held.Wait();
        bool early = Monitor.TryEnter(gate, 10);
        if (early)
            Monitor.Exit(gate);
        Expect(!early, "Monitor.TryEnter got a lock another thread holds");
        bool later = Monitor.TryEnter(gate, TimeSpan.FromSeconds(60));
        if (later)
            Monitor.Exit(gate);
        Expect(later, "Monitor.TryEnter did not get the lock after its holder let go");
        holder.Join();
    }

    // Two threads hand a turn back and forth with Monitor.Wait and Monitor.Pulse, then a timed Wait that
    // nobody pulses: futex wait and wake, and a futex wait with a timeout.
    private static void MonitorWaitPulse()
    {
        const int Rounds = 2000;
        object gate = new();
        int turn = 0, next = 0;
        var log = new int[2 * Rounds];
        void Play(int me)
        {
            for (int r = 0; r < Rounds; r++)
            {
                lock (gate)
                {
                    while (turn != me)
                        Monitor.Wait(gate);
                    log[next++] = me;
                    turn = 1 - me;
                    Monitor.Pulse(gate);
                }
            }
        }
        var players = new[] { new Thread(() => Play(0)), new Thread(() => Play(1)) };
        foreach (Thread player in players)
            player.Start();
        foreach (Thread player in players)
            player.Join();
        Expect(next == 2 * Rounds, $"{next} turns taken, expected {2 * Rounds}");
        for (int i = 0; i < next; i++)
            Expect(log[i] == i % 2, $"turn {i} was taken by player {log[i]}");

        lock (gate)
        {
            var stopwatch = Stopwatch.StartNew();
            bool pulsed = Monitor.Wait(gate, 50);
            Expect(!pulsed, "Monitor.Wait(50 ms) reported a pulse nobody sent");
            Expect(stopwatch.ElapsedMilliseconds >= 45, $"Monitor.Wait(50 ms) returned after {stopwatch.ElapsedMilliseconds} ms");
        }
    }

    // 512 MiB allocated and dropped by two threads at once, objects large and small, about 10 MiB of them
    // kept alive for a while and checked when they are dropped (the GC moves them meanwhile), old objects
    // pointing to new ones (the card table), forced full collections from one of the threads, and all the
    // while a third thread that spins in managed code without allocating: the GC must stop it for every
    // collection, which the runtime does with a signal to that thread. The heap must stay bounded: the GC
    // reuses memory (GC.GetTotalMemory and the committed bytes stay below a quarter of what was allocated).
    // Two allocators, not one per CPU: with four, Linux in a 256 MiB QEMU machine killed the program for
    // want of memory (the GC lets garbage grow with the allocation rate; about 170 MiB with four threads).
    private static void GcPressure()
    {
        const long Total = 512 * MiB;
        const int Allocators = 2;
        int gen0Before = GC.CollectionCount(0), gen1Before = GC.CollectionCount(1), gen2Before = GC.CollectionCount(2);
        TimeSpan pauseBefore = GC.GetTotalPauseDuration();
        long maxTotalMemory = 0, maxCommitted = 0;
        var failures = new string?[Allocators];
        bool stop = false;
        long spins = 0;

        var spinner = new Thread(() =>
        {
            ulong x = 1;
            long count = 0;
            while (!Volatile.Read(ref stop))
            {
                x = x * 6364136223846793005UL + 1442695040888963407UL;
                count++;
            }
            spins = count + (long)(x & 1);
        })
        { Name = "spinner" };
        spinner.Start();

        var threads = new Thread[Allocators];
        for (int t = 0; t < Allocators; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    Churn(id, Total / Allocators, ref maxTotalMemory, ref maxCommitted);
                }
                catch (Exception e)
                {
                    failures[id] = $"allocator {id}: {e.GetType().Name}: {e.Message}";
                }
            })
            { Name = $"allocator {t}" };
            threads[t].Start();
        }
        foreach (Thread thread in threads)
            thread.Join();
        Volatile.Write(ref stop, true);
        spinner.Join();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        int gen0 = GC.CollectionCount(0) - gen0Before, gen1 = GC.CollectionCount(1) - gen1Before, gen2 = GC.CollectionCount(2) - gen2Before;
        Note("gc_pressure", $"{Total / MiB} MiB on {Allocators} threads (and one spinning: {spins} rounds); collections " +
            $"gen0={gen0} gen1={gen1} gen2={gen2}, pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms; " +
            $"largest GetTotalMemory {maxTotalMemory / MiB} MiB, committed {maxCommitted / MiB} MiB; afterwards {after / MiB} MiB");
        foreach (string? failure in failures)
            Expect(failure == null, failure!);
        Expect(gen0 >= 4, $"only {gen0} collections for {Total / MiB} MiB");
        Expect(maxTotalMemory < Total / 4, $"GetTotalMemory reached {maxTotalMemory / MiB} MiB: memory is not reused");
        Expect(maxCommitted < Total / 4, $"the GC committed {maxCommitted / MiB} MiB: memory is not reused");
        Expect(after < 64 * MiB, $"{after / MiB} MiB still allocated after everything was dropped");
    }

    private sealed class Node(long value, Node? next)
    {
        public readonly long Value = value;
        public readonly Node? Next = next;
    }

    private static void Churn(int id, long bytes, ref long maxTotalMemory, ref long maxCommitted)
    {
        var ring = new byte[256][];
        var ringSequence = new long[ring.Length];
        var chains = new Node?[1024];
        var chainLength = new int[chains.Length];
        long allocated = 0, nextSample = 0;
        ulong random = (ulong)id * 0x9E3779B97F4A7C15UL + 1;
        for (long sequence = 0; allocated < bytes; sequence++)
        {
            int slot = (int)(sequence % ring.Length);
            if (ring[slot] is byte[] old)
                CheckPattern(old, ringSequence[slot]);

            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            // Mostly small arrays; every 64th one is 256 KiB, on the large object heap.
            int size = sequence % 64 == 63 ? 256 * 1024 : 16 + (int)(random % (64 * 1024));
            var array = new byte[size];
            FillPattern(array, sequence);
            ring[slot] = array;
            ringSequence[slot] = sequence;
            allocated += size;

            // A new node at the head of an old chain: an old object (the array) points to a young one.
            int chain = (int)(random >> 40) % chains.Length;
            chains[chain] = chainLength[chain] < 64 ? new Node(sequence, chains[chain]) : new Node(sequence, null);
            chainLength[chain] = chainLength[chain] < 64 ? chainLength[chain] + 1 : 1;

            if (allocated >= nextSample)
            {
                nextSample += 16 * MiB;
                InterlockedMax(ref maxTotalMemory, GC.GetTotalMemory(false));
                InterlockedMax(ref maxCommitted, GC.GetGCMemoryInfo().TotalCommittedBytes);
                if (id == 0 && nextSample % (128 * MiB) == 0)
                    GC.Collect();
            }
        }
        for (int slot = 0; slot < ring.Length; slot++)
        {
            if (ring[slot] is byte[] array)
                CheckPattern(array, ringSequence[slot]);
        }
        for (int chain = 0; chain < chains.Length; chain++)
        {
            int length = 0;
            long previous = long.MaxValue;
            for (Node? node = chains[chain]; node != null; node = node.Next)
            {
                if (node.Value >= previous)
                    throw new CheckFailed($"chain {chain}: node {length} holds {node.Value} after {previous}");
                previous = node.Value;
                length++;
            }
            if (length != chainLength[chain])
                throw new CheckFailed($"chain {chain} has {length} nodes, expected {chainLength[chain]}");
        }
    }

    // First, middle and last bytes carry the array's sequence number.
    private static void FillPattern(byte[] array, long sequence)
    {
        array[0] = (byte)sequence;
        array[array.Length / 2] = (byte)(sequence >> 8);
        array[^1] = (byte)(sequence >> 16);
    }

    private static void CheckPattern(byte[] array, long sequence)
    {
        if (array[0] != (byte)sequence || array[array.Length / 2] != (byte)(sequence >> 8) || array[^1] != (byte)(sequence >> 16))
            throw new CheckFailed($"array {sequence} ({array.Length} bytes) was corrupted while it was alive");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current = Volatile.Read(ref target);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    private static int s_finalized;

    private sealed class Finalizable
    {
        ~Finalizable() => Interlocked.Increment(ref s_finalized);
    }

    // The finalizer thread (woken by the GC) runs every finalizer of dropped objects; weak references to
    // them are cleared.
    private static void GcFinalizers()
    {
        const int Count = 1000;
        s_finalized = 0;
        WeakReference weak = MakeGarbage(Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Expect(s_finalized == Count, $"{s_finalized} of {Count} finalizers ran");
        Expect(!weak.IsAlive, "a weak reference to a dropped object is still alive");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference MakeGarbage(int count)
    {
        for (int i = 0; i < count; i++)
            _ = new Finalizable();
        return new WeakReference(new object());
    }

    private sealed class DeepException(int depth) : Exception($"thrown at depth {depth}")
    {
        public int Depth { get; } = depth;
    }

    // Managed exceptions: thrown 30 frames down through finally blocks and filters that decline, caught at
    // the top; rethrown; thrown and caught on another thread; 10,000 in a row (the unwinder, no leaks).
    private static void Exceptions()
    {
        int finallies = 0, filtersAsked = 0;
        DeepException? caught = null;
        try
        {
            ThrowDeep(30, ref finallies, ref filtersAsked);
        }
        catch (DeepException e) when (e.Depth == 0)
        {
            caught = e;
        }
        Expect(caught != null, "the exception thrown 30 frames down was not caught");
        Expect(finallies == 30, $"{finallies} of 30 finally blocks ran");
        Expect(filtersAsked == 30, $"{filtersAsked} of 30 exception filters were asked");
        Expect(!string.IsNullOrEmpty(caught!.StackTrace), "the exception has no stack trace");

        try
        {
            try
            {
                throw new ArgumentException("first");
            }
            catch (ArgumentException)
            {
                throw;
            }
        }
        catch (ArgumentException e)
        {
            Expect(e.Message == "first", $"a rethrown exception changed: {e.Message}");
        }

        string? onThread = null;
        var thread = new Thread(() =>
        {
            try
            {
                ThrowDeep(10, ref finallies, ref filtersAsked);
            }
            catch (DeepException e)
            {
                onThread = e.Message;
            }
        });
        thread.Start();
        thread.Join();
        Expect(onThread == "thrown at depth 0", $"on another thread: [{onThread}]");

        int count = 0;
        for (int i = 0; i < 10_000; i++)
        {
            try
            {
                throw new InvalidOperationException();
            }
            catch (InvalidOperationException)
            {
                count++;
            }
        }
        Expect(count == 10_000, $"{count} of 10,000 exceptions caught");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDeep(int depth, ref int finallies, ref int filtersAsked)
    {
        if (depth == 0)
            throw new DeepException(0);
        try
        {
            ThrowDeep(depth - 1, ref finallies, ref filtersAsked);
        }
        catch (DeepException e) when (Decline(e, ref filtersAsked))
        {
            throw new CheckFailed("a filter that declines caught an exception");
        }
        finally
        {
            finallies++;
        }
    }

    private static bool Decline(Exception e, ref int filtersAsked)
    {
        filtersAsked++;
        return e is not DeepException;
    }

    private sealed class Holder
    {
        public int Value = 1;
    }

    // Hides a value from the compiler, so that a null stays unknown until run time.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T Opaque<T>(T value) => value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReadField(Holder holder) => holder.Value;

    // Real null dereferences: a load from address 8 faults, the kernel delivers SIGSEGV with the fault
    // address in siginfo, the runtime's handler turns it into a NullReferenceException by changing the
    // context that rt_sigreturn resumes. 100 times on the main thread (the handler must keep working), on
    // another thread, and through a virtual call and an array length.
    private static void NullReference()
    {
        int caught = 0;
        for (int i = 0; i < 100; i++)
        {
            try
            {
                _ = ReadField(Opaque<Holder>(null!));
            }
            catch (NullReferenceException)
            {
                caught++;
            }
        }
        Expect(caught == 100, $"{caught} of 100 null dereferences became NullReferenceException");
        Expect(ReadField(Opaque(new Holder())) == 1, "a field read after the faults gave another value");

        try
        {
            _ = Opaque<object>(null!).GetHashCode();
            throw new CheckFailed("a virtual call through null did not throw");
        }
        catch (NullReferenceException)
        {
        }
        try
        {
            _ = Opaque<int[]>(null!).Length;
            throw new CheckFailed("the length of a null array did not throw");
        }
        catch (NullReferenceException)
        {
        }

        bool onThread = false;
        var thread = new Thread(() =>
        {
            try
            {
                _ = ReadField(Opaque<Holder>(null!));
            }
            catch (NullReferenceException)
            {
                onThread = true;
            }
        });
        thread.Start();
        thread.Join();
        Expect(onThread, "a null dereference on another thread did not become NullReferenceException");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Divide(int a, int b) => a / b;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Remainder(long a, long b) => a % b;

    // Real integer division by zero: IDIV raises #DE, the kernel delivers SIGFPE, the runtime's handler makes
    // a DivideByZeroException of it. 100 times, 32- and 64-bit, on another thread; and int.MinValue / -1,
    // an OverflowException.
    private static void DivideByZero()
    {
        int caught = 0;
        for (int i = 0; i < 100; i++)
        {
            try
            {
                _ = Divide(Opaque(7), Opaque(0));
            }
            catch (DivideByZeroException)
            {
                caught++;
            }
        }
        Expect(caught == 100, $"{caught} of 100 divisions by zero became DivideByZeroException");
        Expect(Divide(Opaque(7), Opaque(2)) == 3, "7 / 2 after the faults is not 3");
        try
        {
            _ = Remainder(Opaque(7L), Opaque(0L));
            throw new CheckFailed("a 64-bit remainder by zero did not throw");
        }
        catch (DivideByZeroException)
        {
        }
        try
        {
            _ = Divide(Opaque(int.MinValue), Opaque(-1));
            throw new CheckFailed("int.MinValue / -1 did not throw");
        }
        catch (OverflowException)
        {
        }

        bool onThread = false;
        var thread = new Thread(() =>
        {
            try
            {
                _ = Divide(Opaque(1), Opaque(0));
            }
            catch (DivideByZeroException)
            {
                onThread = true;
            }
        });
        thread.Start();
        thread.Join();
        Expect(onThread, "a division by zero on another thread did not become DivideByZeroException");
    }

    // CLOCK_MONOTONIC through Stopwatch: never backwards, plausible against a 100 ms sleep, and the other
    // clocks (Environment.TickCount64, DateTime.UtcNow) move too.
    private static void StopwatchCheck()
    {
        Expect(Stopwatch.Frequency > 0, $"Stopwatch.Frequency is {Stopwatch.Frequency}");
        long previous = Stopwatch.GetTimestamp();
        for (int i = 0; i < 10_000; i++)
        {
            long now = Stopwatch.GetTimestamp();
            Expect(now >= previous, $"Stopwatch went back from {previous} to {now}");
            previous = now;
        }
        var stopwatch = Stopwatch.StartNew();
        long ticks = Environment.TickCount64;
        DateTime utc = DateTime.UtcNow;
        Thread.Sleep(100);
        TimeSpan elapsed = stopwatch.Elapsed;
        long tickDelta = Environment.TickCount64 - ticks;
        TimeSpan utcDelta = DateTime.UtcNow - utc;
        Note("stopwatch", $"frequency {Stopwatch.Frequency} Hz, high resolution {Stopwatch.IsHighResolution}; " +
            $"Sleep(100) took {elapsed.TotalMilliseconds:F1} ms (TickCount64 {tickDelta} ms, UtcNow {utcDelta.TotalMilliseconds:F1} ms); " +
            $"UtcNow {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}");
        Expect(elapsed >= TimeSpan.FromMilliseconds(99), $"Sleep(100) ended after {elapsed.TotalMilliseconds:F1} ms by Stopwatch");
        Expect(elapsed < TimeSpan.FromSeconds(60), $"Sleep(100) took {elapsed.TotalSeconds:F1} s by Stopwatch");
        Expect(tickDelta is >= 90 and < 60_000, $"Environment.TickCount64 moved {tickDelta} ms over Sleep(100)");
        Expect(utcDelta > TimeSpan.Zero, $"DateTime.UtcNow moved {utcDelta.TotalMilliseconds} ms over Sleep(100)");
    }

    // sched_getaffinity and the CPUs online: the runtime's count must be the CPUs booted.
    private static void ProcessorCount(Options options)
    {
        int count = Environment.ProcessorCount;
        if (options.ExpectedCpus is not int expected)
            throw new Skip($"no cpus=N given (Environment.ProcessorCount is {count})");
        Expect(count == expected, $"Environment.ProcessorCount is {count}, expected {expected}");
    }

    // open, fstat, read (or pread), close on files of the initial file system: the program's own file (its
    // ELF magic), and the file named on the command line with its expected content, whole and in small
    // pieces. A missing file is a FileNotFoundException (ENOENT).
    private static void FileRead(Options options)
    {
        string self = Environment.GetCommandLineArgs()[0];
        bool checkedSomething = false;
        if (self.Contains('/'))
        {
            using var stream = new FileStream(self, FileMode.Open, FileAccess.Read);
            Span<byte> magic = stackalloc byte[4];
            stream.ReadExactly(magic);
            Expect(magic.SequenceEqual("\u007fELF"u8), $"{self} does not start with the ELF magic");
            checkedSomething = true;
        }
        if (options.FilePath is string path && options.FileContent is string content)
        {
            Expect(File.Exists(path), $"File.Exists({path}) is false");
            string text = File.ReadAllText(path);
            string withoutNewline = text.EndsWith('\n') ? text[..^1] : text;
            Expect(withoutNewline == content, $"{path} holds [{text}], expected [{content}]");

            byte[] whole = File.ReadAllBytes(path);
            Expect(new FileInfo(path).Length == whole.Length, $"FileInfo.Length is {new FileInfo(path).Length}, {whole.Length} bytes were read");
            using var pieces = new MemoryStream();
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
            {
                var buffer = new byte[7];
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                    pieces.Write(buffer, 0, read);
            }
            Expect(pieces.ToArray().AsSpan().SequenceEqual(whole), $"{path} read 7 bytes at a time differs from a whole read");
            Note("file_read", $"{path}: {whole.Length} bytes as expected");
            checkedSomething = true;

            try
            {
                _ = File.ReadAllText(path + ".missing");
                throw new CheckFailed($"reading {path}.missing did not throw");
            }
            catch (FileNotFoundException)
            {
            }
        }
        if (!checkedSomething)
            throw new Skip("argv[0] is not a path and no file=PATH content=TEXT given");
    }
}
