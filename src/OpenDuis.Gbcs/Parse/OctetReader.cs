using System.Buffers.Binary;

namespace OpenDuis.Gbcs.Parse;

/// <summary>
/// Why a GBCS message could not be read: the octet offset (from the first octet of the message as
/// given) where reading stopped, and what was expected there.
/// </summary>
public sealed record GbcsParseError(int Offset, string Expected)
{
    public override string ToString() => $"at octet {Offset}: expected {Expected}";
}

/// <summary>A GBCS message that does not read; <see cref="Error"/> names the octet offset and what was expected.</summary>
public sealed class GbcsParseException(GbcsParseError error) : FormatException($"Not a readable GBCS message {error}.")
{
    public GbcsParseError Error { get; } = error;
}

/// <summary>
/// A cursor over a message's octets that knows its offset from the message's first octet, so every
/// failure names where it happened (GBCS parse errors are reported by offset, not by exception trace).
/// </summary>
internal ref struct OctetReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    // The same octets as memory when the reader was made over memory: values read then share it instead of each being copied.
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly int _base;
    private int _at;

    public OctetReader(ReadOnlySpan<byte> bytes, int baseOffset = 0)
    {
        _bytes = bytes;
        _base = baseOffset;
    }

    public OctetReader(ReadOnlyMemory<byte> memory, int baseOffset = 0)
    {
        _memory = memory;
        _bytes = memory.Span;
        _base = baseOffset;
    }

    /// <summary>Offset of the next octet from the start of the whole message.</summary>
    public readonly int Offset => _base + _at;
    public readonly int Remaining => _bytes.Length - _at;
    public readonly bool AtEnd => _at >= _bytes.Length;
    public readonly int Peek() => _at < _bytes.Length ? _bytes[_at] : -1;
    public readonly int PeekAt(int ahead) => _at + ahead < _bytes.Length ? _bytes[_at + ahead] : -1;

    public static GbcsParseException Fail(int offset, string expected) => new(new GbcsParseError(offset, expected));
    public readonly GbcsParseException Fail(string expected) => Fail(Offset, expected);

    public ReadOnlySpan<byte> Take(int n, string what)
    {
        if (n < 0 || n > Remaining)
            throw Fail($"{what} ({n} octets, {Math.Max(0, Remaining)} remain)");
        var s = _bytes.Slice(_at, n);
        _at += n;
        return s;
    }

    /// <summary>The next <paramref name="n"/> octets as memory: a slice of the reader's memory, or a copy when it reads a span.</summary>
    public ReadOnlyMemory<byte> TakeMemory(int n, string what)
    {
        var start = _at;
        var s = Take(n, what);
        return _memory.Length == _bytes.Length && !_memory.IsEmpty ? _memory.Slice(start, n) : s.ToArray();
    }

    public byte Byte(string what) => Take(1, what)[0];
    public ushort UInt16(string what) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, what));
    /// <summary>ZCL's multi-octet counts and lengths are little-endian (ZCL 2.6.1), unlike DLMS and the GBCS headers.</summary>
    public ushort UInt16LittleEndian(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
    public uint UInt32(string what) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, what));
    public ulong UInt64(string what) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, what));

    /// <summary>Reads one octet and requires it to be <paramref name="value"/>.</summary>
    public void Expect(byte value, string what)
    {
        var at = Offset;
        var b = Byte(what);
        if (b != value) throw Fail(at, $"{what} (0x{value:X2}), found 0x{b:X2}");
    }

    /// <summary>A BER/A-XDR length: one octet below 0x80, else 0x81 or 0x82 followed by the length (GBCS uses no longer form).</summary>
    public int Length(string what) => Length(what, lengthOf: false);

    // Messages are built only on failure: formatting them eagerly was most of the cost of reading a payload.
    private int Length(string what, bool lengthOf)
    {
        var at = Offset;
        if (Remaining < 1) throw Fail(lengthOf ? $"the length of {what}" : what);
        var first = _bytes[_at++];
        if (first < 0x80) return first;
        if (first is 0x81 or 0x82 && Remaining >= first - 0x80)
        {
            var n = first == 0x81 ? _bytes[_at] : (_bytes[_at] << 8) | _bytes[_at + 1];
            _at += first - 0x80;
            return n;
        }
        if (first is 0x81 or 0x82) throw Fail(lengthOf ? $"the length of {what}" : what);
        throw Fail(at, $"{(lengthOf ? $"the length of {what}" : what)} as a definite length (below 0x80, or 0x81/0x82), found 0x{first:X2}");
    }

    /// <summary>A length followed by that many octets, checked against what remains.</summary>
    public ReadOnlySpan<byte> Counted(string what)
    {
        var at = Offset;
        var n = Length(what, lengthOf: true);
        if (n > Remaining) throw Fail(at, $"{what} of {n} octets, but only {Remaining} follow");
        return Take(n, what);
    }

    /// <summary><see cref="Counted"/>, as memory (see <see cref="TakeMemory"/>).</summary>
    public ReadOnlyMemory<byte> CountedMemory(string what)
    {
        var at = Offset;
        var n = Length(what, lengthOf: true);
        if (n > Remaining) throw Fail(at, $"{what} of {n} octets, but only {Remaining} follow");
        return TakeMemory(n, what);
    }

    /// <summary>The octets read since <paramref name="offset"/> (a message offset this reader has passed): a slice of its memory, or a copy.</summary>
    public readonly ReadOnlyMemory<byte> Since(int offset)
    {
        var start = offset - _base;
        return _memory.Length == _bytes.Length && !_memory.IsEmpty ? _memory[start.._at] : _bytes[start.._at].ToArray();
    }

    /// <summary>A reader over the next <paramref name="n"/> octets (offsets stay those of the whole message).</summary>
    public OctetReader Sub(int n, string what)
    {
        var at = Offset;
        if (_memory.Length == _bytes.Length && !_memory.IsEmpty) return new OctetReader(TakeMemory(n, what), at);
        var span = Take(n, what);
        return new OctetReader(span, at);
    }

    public readonly void ExpectEnd(string what)
    {
        if (!AtEnd) throw Fail($"the end of {what}, but {Remaining} more octets follow");
    }
}
