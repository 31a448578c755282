using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Kitten.Kernel.Exec;

namespace Kitten.Kernel.Tests.Exec;

// The parser keeps a pointer into the file, so tests hand it pinned copies.
internal static unsafe class ElfTestMemory
{
    public static byte[] Pin(byte[] bytes)
    {
        byte[] pinned = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(pinned, 0);
        return pinned;
    }

    public static byte* Address(byte[] pinned) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    // Parses a pinned file; message is the one-line refusal (null if accepted).
    public static bool Parse(byte[] pinned, out ElfImage image, out string message)
    {
        bool accepted = ElfImage.TryParse(Address(pinned), (ulong)pinned.Length, out image, out ElfRefusal refusal);
        message = accepted ? null : Message(refusal);
        return accepted;
    }

    public static string Message(in ElfRefusal refusal)
    {
        Span<byte> line = stackalloc byte[512];
        int length = refusal.WriteMessage(line);
        return Encoding.ASCII.GetString(line[..length]);
    }
}
