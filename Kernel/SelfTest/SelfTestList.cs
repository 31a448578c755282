// A growable list of self-tests, filled by each subsystem's Register method.
namespace Kitten.Kernel.SelfTest;

internal sealed unsafe class SelfTestList
{
    private SelfTestCase[] _items = new SelfTestCase[64];
    private int _count;

    public void Add(string name, delegate*<ref TestContext, void> body)
    {
        if (_count == _items.Length)
        {
            var larger = new SelfTestCase[_items.Length * 2];
            for (int i = 0; i < _count; i++)
                larger[i] = _items[i];
            _items = larger;
        }
        _items[_count].Name = name;
        _items[_count].Body = body;
        _count++;
    }

    public SelfTestCase[] ToArray()
    {
        var result = new SelfTestCase[_count];
        for (int i = 0; i < _count; i++)
            result[i] = _items[i];
        return result;
    }
}
