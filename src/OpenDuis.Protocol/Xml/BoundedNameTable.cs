using System.Xml;

namespace OpenDuis.Protocol.Xml;

/// <summary>
/// A name table kept from one request to the next by one thread's reader, so the names every DUIS request
/// repeats are found, not made again; it counts the names it adds, so that hostile requests full of new
/// names cannot grow it without bound: its owner starts a fresh one once <see cref="IsFull"/>.
/// Not thread-safe, like <see cref="NameTable"/>; documents built from a reader keep their own.
/// </summary>
internal sealed class BoundedNameTable(int capacity) : XmlNameTable
{
    private readonly NameTable _names = new();
    private int _added;

    /// <summary>Whether it holds more names than it was made for.</summary>
    public bool IsFull => _added > capacity;

    public override string Add(char[] array, int offset, int length)
    {
        if (_names.Get(array, offset, length) is { } known) return known;
        _added++;
        return _names.Add(array, offset, length);
    }

    public override string Add(string array)
    {
        if (_names.Get(array) is { } known) return known;
        _added++;
        return _names.Add(array);
    }

    public override string? Get(char[] array, int offset, int length) => _names.Get(array, offset, length);

    public override string? Get(string array) => _names.Get(array);
}
