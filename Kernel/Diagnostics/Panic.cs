// The end of the line: print why, with the machine state when there is one, and stop the machine with
// the panic status. Everything here must work with a broken heap and without locks.
using System.Diagnostics.CodeAnalysis;
using System.Runtime;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Platform;

namespace Kitten.Kernel.Diagnostics;

internal static unsafe class Panic
{
    private static int s_depth;

    [DoesNotReturn]
    public static void Fail(string reason) => Fail2(reason, null);

    [DoesNotReturn]
    public static void Fail2(string reason, string detail)
    {
        Begin();
        Console.WriteRaw("\nKERNEL PANIC: ");
        Console.WriteRaw(reason);
        Console.WriteRaw(detail);
        Console.WriteRaw("\n  rsp=0x");
        Console.WriteRawHex(Cpu.ReadStackPointer(), 16);
        Console.WriteRaw(" cr3=0x");
        Console.WriteRawHex(Cpu.ReadCr3(), 16);
        Console.WriteRaw('\n');
        WriteLikelyReturnAddresses(Cpu.ReadStackPointer());
        End();
    }

    // Words near the top of the stack (kernel stacks live in the direct map, so reading 2 KiB past one
    // stays in mapped memory) that point into the kernel's image (linked at 0xffffffff80000000,
    // Kernel/Boot/linker.ld): most are return addresses, which name the calls that led here (the nearest
    // symbol at or below each in `nm -n Kernel/out/kitten.elf`; Build/boot.sh names them for NMI reports).
    internal static void WriteLikelyReturnAddresses(ulong rsp)
    {
        if (rsp < 0xFFFF800000000000)
            return; // not a kernel stack
        const ulong ImageStart = 0xFFFFFFFF80000000, ImageEnd = 0xFFFFFFFF90000000;
        Console.WriteRaw("  stack:");
        ulong* word = (ulong*)rsp;
        int shown = 0;
        for (int i = 0; i < 256 && shown < 16; i++)
        {
            ulong value = word[i];
            if (value >= ImageStart && value < ImageEnd)
            {
                Console.WriteRaw(" 0x");
                Console.WriteRawHex(value, 16);
                shown++;
            }
        }
        Console.WriteRaw('\n');
    }

    // A CPU exception in ring 0: vector and name, error code, and every register at the fault.
    [DoesNotReturn]
    public static void FromException(InterruptContext* context)
    {
        Begin();
        Console.WriteRaw("\nKERNEL PANIC: CPU exception ");
        Console.WriteRawUnsigned(context->Vector);
        Console.WriteRaw(" (");
        Console.WriteRaw(ExceptionNames.Of(context->Vector));
        Console.WriteRaw(") error code 0x");
        Console.WriteRawHex(context->ErrorCode, 1);
        Console.WriteRaw('\n');
        WriteRegister("rip", context->Rip, false);
        WriteRegister("rsp", context->Rsp, false);
        WriteRegister("rflags", context->Rflags, false);
        WriteRegister("cs", context->Cs, true);
        WriteRegister("cr2", Cpu.ReadCr2(), false);
        WriteRegister("cr3", Cpu.ReadCr3(), false);
        WriteRegister("cr0", Cpu.ReadCr0(), false);
        WriteRegister("cr4", Cpu.ReadCr4(), true);
        WriteRegister("rax", context->Rax, false);
        WriteRegister("rbx", context->Rbx, false);
        WriteRegister("rcx", context->Rcx, false);
        WriteRegister("rdx", context->Rdx, true);
        WriteRegister("rsi", context->Rsi, false);
        WriteRegister("rdi", context->Rdi, false);
        WriteRegister("rbp", context->Rbp, false);
        WriteRegister("r8", context->R8, true);
        WriteRegister("r9", context->R9, false);
        WriteRegister("r10", context->R10, false);
        WriteRegister("r11", context->R11, false);
        WriteRegister("r12", context->R12, true);
        WriteRegister("r13", context->R13, false);
        WriteRegister("r14", context->R14, false);
        WriteRegister("r15", context->R15, true);
        if (context->Vector == ExceptionNames.PageFault)
            DescribePageFault(context->ErrorCode);
        WriteLikelyReturnAddresses(context->Rsp);
        End();
    }

    private static void DescribePageFault(ulong errorCode)
    {
        // Error code bits: Intel SDM vol. 3, 4.7 "Page-Fault Exceptions".
        Console.WriteRaw("  page fault: ");
        Console.WriteRaw((errorCode & 1) != 0 ? "protection violation" : "page not present");
        Console.WriteRaw((errorCode & 2) != 0 ? ", write" : ", read");
        if ((errorCode & 16) != 0) Console.WriteRaw(", instruction fetch");
        Console.WriteRaw((errorCode & 4) != 0 ? ", user mode\n" : ", kernel mode\n");
    }

    private static void WriteRegister(string name, ulong value, bool endOfLine)
    {
        Console.WriteRaw("  ");
        Console.WriteRaw(name);
        for (int i = name.Length; i < 7; i++)
            Console.WriteRaw(' ');
        Console.WriteRaw("0x");
        Console.WriteRawHex(value, 16);
        if (endOfLine)
            Console.WriteRaw('\n');
    }

    private static void Begin()
    {
        Cpu.DisableInterrupts();
        Console.EnterPanicMode();
        // A fault inside the panic path: print nothing more and stop.
        if (++s_depth > 1)
        {
            Console.WriteRaw("\nKERNEL PANIC: fault while panicking\n");
            Shutdown.PowerOff(ShutdownReason.Panic);
        }
    }

    [DoesNotReturn]
    private static void End()
    {
        Console.WriteRaw("kitten: system halted\n");
        Shutdown.PowerOff(ShutdownReason.Panic);
        for (; ; ) { }
    }

    // The last resort that the runtime's assembly calls (RhpFallbackFailFast).
    [RuntimeExport("RuntimeFailFast")]
    private static void RuntimeFailFast() => Fail("runtime fail-fast");
}
