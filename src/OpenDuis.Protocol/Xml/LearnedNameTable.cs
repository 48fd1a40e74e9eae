using System.Collections.Concurrent;
using System.Xml;

namespace OpenDuis.Protocol.Xml;

/// <summary>
/// The name table of a document the one-pass reader builds (a request's body and signature): names are
/// looked up first in a set shared by the whole process that learns the names requests use, so a document
/// whose names are all known (every usual request, after the first few) adds none of its own. The set is
/// bounded in names and characters; once it is full a document keeps the names it does not know in a table
/// of its own, looked up first, so each name has one string within the document whatever other threads do.
/// Like <see cref="NameTable"/>, one instance is used by one thread at a time; the shared set is thread-safe.
/// </summary>
internal sealed class LearnedNameTable : XmlNameTable
{
    private const int MaxNames = 16_384;
    private const int MaxChars = 1 << 20;

    private static readonly ConcurrentDictionary<string, string> Learned = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> LearnedBySpan =
        Learned.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int _names;
    private static int _chars;

    private NameTable? _own;

    public override string Add(char[] array, int offset, int length)
    {
        if (_own?.Get(array, offset, length) is { } own) return own;
        return LearnedBySpan.TryGetValue(array.AsSpan(offset, length), out var known) ? known : Learn(new string(array, offset, length));
    }

    public override string Add(string array)
    {
        if (_own?.Get(array) is { } own) return own;
        return Learned.TryGetValue(array, out var known) ? known : Learn(array);
    }

    public override string? Get(char[] array, int offset, int length) =>
        _own?.Get(array, offset, length) ?? (LearnedBySpan.TryGetValue(array.AsSpan(offset, length), out var known) ? known : null);

    public override string? Get(string array) => _own?.Get(array) ?? (Learned.TryGetValue(array, out var known) ? known : null);

    private string Learn(string name)
    {
        // The bounds are checked before adding, so two threads may each add one past them: they bound memory, not exactly.
        if (Volatile.Read(ref _names) < MaxNames && Volatile.Read(ref _chars) + name.Length <= MaxChars)
        {
            var kept = Learned.GetOrAdd(name, name);
            if (ReferenceEquals(kept, name))
            {
                Interlocked.Increment(ref _names);
                Interlocked.Add(ref _chars, name.Length);
            }
            return kept;
        }
        return (_own ??= new NameTable()).Add(name);
    }
}
