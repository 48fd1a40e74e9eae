using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// The <c>schemaVersion</c> attribute of a DUIS message (an xs:decimal such as <c>5.4</c>): the DUIS
/// XSD version the sender declares and the receiver answers in.
/// </summary>
public readonly record struct DuisSchemaVersion(byte Major, byte Minor) : IComparable<DuisSchemaVersion>
{
    public static readonly DuisSchemaVersion V5_1 = new(5, 1);
    public static readonly DuisSchemaVersion V5_4 = new(5, 4);

    public static bool TryParse([NotNullWhen(true)] string? text, out DuisSchemaVersion version)
    {
        version = default;
        var s = text.AsSpan().Trim();
        var dot = s.IndexOf('.');
        if (dot < 0) return false;
        if (!DottedNumber.TryParsePart(s[..dot], out var major) || !DottedNumber.TryParsePart(s[(dot + 1)..], out var minor)) return false;
        version = new DuisSchemaVersion(major, minor);
        return true;
    }

    public static DuisSchemaVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a DUIS schema version (e.g. 5.4).");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");

    public int CompareTo(DuisSchemaVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);
}
