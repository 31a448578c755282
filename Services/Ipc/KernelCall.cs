namespace Kitten.Ipc;

// The IPC operations a manifest may allow (its `calls` line), by the names manifests use.
public enum KernelCall
{
    Call,       // ipc.call: call endpoints (Channel.Call, Lookup needs ipc.lookup too)
    Receive,    // ipc.receive: own endpoints, receive and reply
    Notify,     // ipc.notify: create, signal and wait on notifications
    Grant,      // ipc.grant: create shared regions and grant them
    Map,        // ipc.map: map grants received
    Register,   // ipc.register: register names (those the manifest offers)
    Lookup,     // ipc.lookup: look names up (those the manifest lists as peers)
    MemoryView, // memory.view: the kernel's free-memory view, to pass to the memory manager (IpcSystem.FreeMemoryView)
    ExecPlaced, // exec_placed: exec a program in a physical placement (kitten_exec_placed, a launcher's call)
}

public static class KernelCalls
{
    public static string NameOf(KernelCall call) => call switch
    {
        KernelCall.Call => "ipc.call",
        KernelCall.Receive => "ipc.receive",
        KernelCall.Notify => "ipc.notify",
        KernelCall.Grant => "ipc.grant",
        KernelCall.Map => "ipc.map",
        KernelCall.Register => "ipc.register",
        KernelCall.Lookup => "ipc.lookup",
        KernelCall.MemoryView => "memory.view",
        KernelCall.ExecPlaced => "exec_placed",
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    public static bool TryParse(string name, out KernelCall call)
    {
        foreach (KernelCall candidate in Enum.GetValues<KernelCall>())
        {
            if (NameOf(candidate) == name)
            {
                call = candidate;
                return true;
            }
        }
        call = default;
        return false;
    }
}
