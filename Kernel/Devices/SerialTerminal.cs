// The serial console as a terminal: received bytes (interrupt-driven: COM1's IRQ 4 through the I/O APIC
// to the boot CPU) go through the line discipline; readers block until it has input; ^C, ^\ and ^Z become
// signals for the foreground process group; output goes to the UART with the terminal's output
// processing.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Drivers;
using Kitten.Kernel.Sync;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Devices;

internal static unsafe class SerialTerminal
{
    private const int IsaIrq = 4;

    private static LineDiscipline s_discipline;
    private static WaitQueue s_readers;
    private static SpinLock s_output;
    private static int s_foregroundGroup;
    private static bool s_started;

    // The foreground process group (tcsetpgrp); 0 if none.
    public static int ForegroundGroup
    {
        get => s_foregroundGroup;
        set => s_foregroundGroup = value;
    }

    public static ref LineDiscipline Discipline => ref s_discipline;

    public static void Initialize(int irqLine)
    {
        s_discipline.Initialize();
        InterruptDispatcher.Register(InterruptVectors.Serial, &OnInterrupt);
        IoApic.Route(irqLine, InterruptVectors.Serial, LocalApic.Id);
        Uart16550.EnableReceiveInterrupt();
        s_started = true;
        // Input typed before the kernel ran raised no interrupt: take it now.
        OnInterrupt(null);
    }

    public static int DefaultIrqLine => IsaIrq;

    private static InterruptContext* OnInterrupt(InterruptContext* context)
    {
        int c;
        bool received = false;
        bool locked = s_readers.Lock.Acquire();
        while ((c = Uart16550.TryReadByte()) >= 0)
        {
            TerminalSignal signal = s_discipline.Receive((byte)c);
            if (signal != TerminalSignal.None)
                Processes.Signaling.SendToGroup(s_foregroundGroup, (int)signal);
            received = true;
        }
        s_readers.Lock.Release(locked);
        FlushEcho();
        if (received)
        {
            s_readers.WakeAll();
            FileSystem.Readiness.Changed();
        }
        return context;
    }

    // Blocks until there is input (or end of file); returns bytes read, 0 at end of file, or -EAGAIN.
    public static long Read(byte* buffer, ulong count, bool nonBlocking)
    {
        if (count == 0)
            return 0;
        bool interrupts = s_readers.Lock.Acquire();
        while (!s_discipline.CanRead)
        {
            if (nonBlocking || !s_started)
            {
                s_readers.Lock.Release(interrupts);
                return -LinuxAbi.Errno.EAGAIN;
            }
            s_readers.Wait();
            if (Processes.Signaling.InterruptPending())
            {
                s_readers.Lock.Release(interrupts);
                return -Kitten.Kernel.Signals.RestartErrno.RestartSys;
            }
        }
        int n = s_discipline.Read(new System.Span<byte>(buffer, count > int.MaxValue ? int.MaxValue : (int)count));
        s_readers.Lock.Release(interrupts);
        return n;
    }

    public static bool ReadReady => s_discipline.CanRead;

    public static long Write(byte* buffer, ulong count)
    {
        byte* output = stackalloc byte[256];
        ulong done = 0;
        bool interrupts = s_output.Acquire();
        while (done < count)
        {
            int chunk = count - done > 128 ? 128 : (int)(count - done);
            int consumed = s_discipline.ProcessOutput(new System.ReadOnlySpan<byte>(buffer + done, chunk), new System.Span<byte>(output, 256), out int produced);
            for (int i = 0; i < produced; i++)
                Uart16550.WriteByte(output[i]);
            done += (ulong)consumed;
        }
        s_output.Release(interrupts);
        return (long)count;
    }

    private static void FlushEcho()
    {
        byte* echo = stackalloc byte[512];
        int n = s_discipline.DrainEcho(new System.Span<byte>(echo, 512));
        for (int i = 0; i < n; i++)
            Uart16550.WriteByte(echo[i]);
    }
}
