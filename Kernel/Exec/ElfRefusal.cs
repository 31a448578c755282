// Why an executable was refused: a fixed one-line reason, plus, for a dynamically linked program, the
// interpreter it names (a path inside the file), so that the message can say what the program needs
// without building a string at run time.
using System;

namespace Kitten.Kernel.Exec;

internal unsafe struct ElfRefusal
{
    public string Reason;
    public byte* Interpreter;       // PT_INTERP path without its NUL, or null
    public int InterpreterLength;

    public readonly bool IsRefused => Reason != null;

    // Writes "reason" or "reason (needs /path)" as ASCII into destination, clipped to its length, and
    // returns the byte count. Bytes of the path outside printable ASCII become '?', so that a hostile file
    // cannot break the line or drive a terminal.
    public readonly int WriteMessage(Span<byte> destination)
    {
        int length = 0;
        if (Reason != null)
            length = Append(destination, length, Reason);
        if (Interpreter != null)
        {
            length = Append(destination, length, " (needs ");
            for (int i = 0; i < InterpreterLength && length < destination.Length; i++)
            {
                byte c = Interpreter[i];
                destination[length++] = c >= 0x20 && c < 0x7F ? c : (byte)'?';
            }
            length = Append(destination, length, ")");
        }
        return length;
    }

    private static int Append(Span<byte> destination, int length, string text)
    {
        for (int i = 0; i < text.Length && length < destination.Length; i++)
            destination[length++] = (byte)text[i];
        return length;
    }
}
