// What the portable IPC code needs from its surroundings: memory for objects and a way to make a blocked
// thread run again. The kernel points these at its heap and scheduler at start-up; the host tests at
// native memory and a recorder.
namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcPlatform
{
    public static delegate*<ulong, void*> AllocateZeroed;
    public static delegate*<void*, void> Free;

    // Makes a thread that waits in an IPC call runnable; it finds its result (Completed) in its registers.
    public static delegate*<ThreadIpc*, void> Wake;
}
