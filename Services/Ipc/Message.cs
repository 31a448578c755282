using System.Runtime.CompilerServices;

namespace Kitten.Ipc;

// The words of a short message, inline (no array), so a Message is a plain value on the stack.
[InlineArray(Message.MaxWords)]
public struct MessageWords
{
    private ulong _element0;
}

// A short message: a label that says what it is (the contract's message) and up to MaxWords machine words,
// which the kernel back end carries in registers. Longer data travels as a separate payload of bytes, and
// one capability (an endpoint, a notification or a grant) may ride along.
public struct Message
{
    // What the kernel's fast path carries in registers besides the label (see Kernel/Ipc/README.md).
    public const int MaxWords = 4;

    private MessageWords _words;
    private int _wordCount;

    public ulong Label;
    public Capability Capability;

    public Message(ulong label)
    {
        Label = label;
    }

    public Message(ulong label, ulong word0) : this(label)
    {
        this[0] = word0;
    }

    public Message(ulong label, ulong word0, ulong word1) : this(label, word0)
    {
        this[1] = word1;
    }

    public Message(ulong label, ulong word0, ulong word1, ulong word2) : this(label, word0, word1)
    {
        this[2] = word2;
    }

    public Message(ulong label, ulong word0, ulong word1, ulong word2, ulong word3) : this(label, word0, word1, word2)
    {
        this[3] = word3;
    }

    public readonly int WordCount => _wordCount;

    // Reading a word past WordCount gives 0; setting one makes the message that long.
    public ulong this[int index]
    {
        readonly get
        {
            CheckIndex(index);
            return index < _wordCount ? _words[index] : 0;
        }
        set
        {
            CheckIndex(index);
            for (int i = _wordCount; i < index; i++)
                _words[i] = 0;
            _words[index] = value;
            if (index >= _wordCount)
                _wordCount = index + 1;
        }
    }

    // Sets the length directly (the back ends, receiving); words past the old length read as 0.
    internal void SetWordCount(int count)
    {
        if ((uint)count > MaxWords)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a message has at most {MaxWords} words");
        for (int i = _wordCount; i < count; i++)
            _words[i] = 0;
        _wordCount = count;
    }

    internal readonly ulong RawWord(int index) => _words[index];

    public override readonly string ToString()
    {
        var text = $"label {Label:x}";
        for (int i = 0; i < _wordCount; i++)
            text += $" {_words[i]:x}";
        return Capability.Kind == CapabilityKind.None ? text : $"{text} + {Capability.Kind}";
    }

    private static void CheckIndex(int index)
    {
        if ((uint)index >= MaxWords)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"a message has at most {MaxWords} words");
    }
}
