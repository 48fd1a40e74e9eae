using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// A DUIS Request ID (R-MSG-2, XSD sr:RequestIDType): <c>originatorEUI:targetEUI:counter</c>, the
/// counter an unsigned 64-bit integer written without leading zeros.
/// </summary>
public readonly record struct RequestId(Eui Originator, Eui Target, ulong Counter) : ISpanParsable<RequestId>, ISpanFormattable
{
    /// <summary>The longest a Request ID's text can be: two EUIs, two colons and a 20-digit counter.</summary>
    public const int MaxTextLength = Eui.TextLength * 2 + 2 + 20;

    public static RequestId Parse(string s) => Parse(s.AsSpan(), null);
    public static RequestId Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static RequestId Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"'{s}' is not a DUIS Request ID (originatorEUI:targetEUI:counter).");

    public static bool TryParse([NotNullWhen(true)] string? s, out RequestId result) => TryParse(s.AsSpan(), null, out result);
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out RequestId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out RequestId result)
    {
        result = default;
        s = s.Trim();
        if (s.Length < Eui.TextLength * 2 + 3 || s[Eui.TextLength] != ':' || s[Eui.TextLength * 2 + 1] != ':')
            return false;
        if (!Eui.TryParse(s[..Eui.TextLength], null, out var originator)) return false;
        if (!Eui.TryParse(s.Slice(Eui.TextLength + 1, Eui.TextLength), null, out var target)) return false;
        var counterText = s[(Eui.TextLength * 2 + 2)..];
        // The XSD forbids leading zeros ("0" alone is allowed) and signs.
        if (counterText.Length == 0 || (counterText.Length > 1 && counterText[0] == '0')) return false;
        foreach (var c in counterText) if (c is < '0' or > '9') return false;
        if (!ulong.TryParse(counterText, NumberStyles.None, CultureInfo.InvariantCulture, out var counter)) return false;
        result = new RequestId(originator, target, counter);
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Originator}:{Target}:{Counter}");

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the Request ID as <see cref="ToString()"/> does, without a string (the format is ignored).</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        destination.TryWrite(CultureInfo.InvariantCulture, $"{Originator}:{Target}:{Counter}", out charsWritten);
}
