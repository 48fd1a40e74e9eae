using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// An EUI-64 identifier (Device ID, User ID, DCC ID), written in DUIS as eight hex pairs joined by
/// '-' (XSD type sr:EUI), e.g. <c>00-DB-12-34-56-78-90-A0</c>. Parsing is case-insensitive; the
/// canonical text form is upper case. SMKI certificates carry the same value without separators
/// (<c>00DB1234567890A0</c>), which <see cref="TryParse"/> also accepts.
/// </summary>
public readonly record struct Eui(ulong Value) : IComparable<Eui>, ISpanFormattable, ISpanParsable<Eui>
{
    public const int TextLength = 23;

    public static Eui Parse(string text) => Parse(text.AsSpan(), null);
    public static Eui Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static Eui Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var eui) ? eui : throw new FormatException($"'{s}' is not an EUI-64 (expected 8 hex pairs joined by '-').");

    public static bool TryParse([NotNullWhen(true)] string? s, out Eui result) => TryParse(s.AsSpan(), null, out result);
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Eui result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Eui result)
    {
        result = default;
        s = s.Trim();
        ulong value = 0;
        if (s.Length == TextLength)
        {
            for (var i = 0; i < 8; i++)
            {
                var at = i * 3;
                if (i < 7 && s[at + 2] != '-') return false;
                if (!TryHexPair(s[at], s[at + 1], out var b)) return false;
                value = (value << 8) | b;
            }
        }
        else if (s.Length == 16)
        {
            for (var i = 0; i < 8; i++)
            {
                if (!TryHexPair(s[i * 2], s[i * 2 + 1], out var b)) return false;
                value = (value << 8) | b;
            }
        }
        else
        {
            return false;
        }
        result = new Eui(value);
        return true;
    }

    private static bool TryHexPair(char hi, char lo, out byte b)
    {
        var h = HexValue(hi);
        var l = HexValue(lo);
        b = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    public static Eui FromBytes(ReadOnlySpan<byte> eightBytes) => new(BinaryPrimitives.ReadUInt64BigEndian(eightBytes));

    public byte[] ToBytes()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Value);
        return bytes;
    }

    /// <summary>Canonical DUIS text: upper-case hex pairs joined by '-'.</summary>
    public override string ToString() => string.Create(TextLength, Value, static (span, v) => Write(span, v));

    /// <summary>The compact form used in SMKI certificates and file names (16 hex digits, no separators).</summary>
    public string ToCompactString() => Value.ToString("X16", CultureInfo.InvariantCulture);

    public string ToString(string? format, IFormatProvider? formatProvider) =>
        format is "N" or "n" ? ToCompactString() : ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < TextLength) { charsWritten = 0; return false; }
        Write(destination, Value);
        charsWritten = TextLength;
        return true;
    }

    private static void Write(Span<char> span, ulong v)
    {
        const string hex = "0123456789ABCDEF";
        for (var i = 0; i < 8; i++)
        {
            var b = (byte)(v >> (56 - 8 * i));
            span[i * 3] = hex[b >> 4];
            span[i * 3 + 1] = hex[b & 0xF];
            if (i < 7) span[i * 3 + 2] = '-';
        }
    }

    public int CompareTo(Eui other) => Value.CompareTo(other.Value);
}
