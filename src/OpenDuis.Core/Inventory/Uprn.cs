using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Core.Inventory;

/// <summary>A Unique Property Reference Number: 1 to 12 digits (XSD sr:UPRN).</summary>
public readonly record struct Uprn(long Value)
{
    public static bool TryParse([NotNullWhen(true)] string? text, out Uprn uprn)
    {
        uprn = default;
        var s = text.AsSpan().Trim();
        if (s.Length is < 1 or > 12) return false;
        foreach (var c in s) if (c is < '0' or > '9') return false;
        uprn = new Uprn(long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture));
        return true;
    }

    public static Uprn Parse(string text) =>
        TryParse(text, out var u) ? u : throw new FormatException($"'{text}' is not a UPRN (1 to 12 digits).");

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
