using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// A DUIS Service Reference (XSD sr:ServiceReference), e.g. <c>8.2</c>: the service group and the
/// service number within it. Parsing accepts only the canonical form (no signs, no leading zeros).
/// </summary>
public readonly record struct ServiceReference(byte Group, byte Number) : IComparable<ServiceReference>, ISpanParsable<ServiceReference>
{
    public static ServiceReference Parse(string s) => Parse(s.AsSpan(), null);
    public static ServiceReference Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static ServiceReference Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var r) ? r : throw new FormatException($"'{s}' is not a DUIS Service Reference (group.number, e.g. 8.2).");

    public static bool TryParse([NotNullWhen(true)] string? s, out ServiceReference result) => TryParse(s.AsSpan(), null, out result);
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ServiceReference result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out ServiceReference result)
    {
        result = default;
        s = s.Trim();
        var dot = s.IndexOf('.');
        if (dot < 0) return false;
        if (!DottedNumber.TryParsePart(s[..dot], out var group) || !DottedNumber.TryParsePart(s[(dot + 1)..], out var number))
            return false;
        result = new ServiceReference(group, number);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Group}.{Number}");

    public int CompareTo(ServiceReference other) =>
        Group != other.Group ? Group.CompareTo(other.Group) : Number.CompareTo(other.Number);
}

/// <summary>
/// A DUIS Service Reference Variant (XSD sr:ServiceReferenceVariant), e.g. <c>4.1.1</c>, or
/// <c>8.2</c> where a Service Reference has a single variant (then <see cref="Number"/> is 0).
/// </summary>
public readonly record struct ServiceReferenceVariant(ServiceReference Reference, byte Number) : IComparable<ServiceReferenceVariant>, ISpanParsable<ServiceReferenceVariant>, ISpanFormattable
{
    public ServiceReferenceVariant(byte group, byte number, byte variant = 0) : this(new ServiceReference(group, number), variant) { }

    /// <summary>True when the variant is written with a third part (4.1.1 rather than 4.2).</summary>
    public bool HasVariantNumber => Number != 0;

    public static ServiceReferenceVariant Parse(string s) => Parse(s.AsSpan(), null);
    public static ServiceReferenceVariant Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static ServiceReferenceVariant Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var r) ? r : throw new FormatException($"'{s}' is not a DUIS Service Reference Variant (e.g. 4.1.1 or 8.2).");

    public static bool TryParse([NotNullWhen(true)] string? s, out ServiceReferenceVariant result) => TryParse(s.AsSpan(), null, out result);
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ServiceReferenceVariant result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out ServiceReferenceVariant result)
    {
        result = default;
        s = s.Trim();
        var firstDot = s.IndexOf('.');
        if (firstDot < 0) return false;
        var rest = s[(firstDot + 1)..];
        var secondDot = rest.IndexOf('.');
        byte variant = 0;
        if (secondDot >= 0)
        {
            // A written variant number is never 0: "4.1.0" is not a variant of 4.1.
            if (!DottedNumber.TryParsePart(rest[(secondDot + 1)..], out variant) || variant == 0) return false;
            rest = rest[..secondDot];
        }
        if (!DottedNumber.TryParsePart(s[..firstDot], out var group) || !DottedNumber.TryParsePart(rest, out var number))
            return false;
        result = new ServiceReferenceVariant(new ServiceReference(group, number), variant);
        return true;
    }

    public override string ToString() => Number == 0
        ? Reference.ToString()
        : string.Create(CultureInfo.InvariantCulture, $"{Reference.Group}.{Reference.Number}.{Number}");

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the variant as <see cref="ToString()"/> does (4.2, 4.1.1), without a string (the format is ignored).</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        Number == 0
            ? destination.TryWrite(CultureInfo.InvariantCulture, $"{Reference.Group}.{Reference.Number}", out charsWritten)
            : destination.TryWrite(CultureInfo.InvariantCulture, $"{Reference.Group}.{Reference.Number}.{Number}", out charsWritten);

    public int CompareTo(ServiceReferenceVariant other)
    {
        var c = Reference.CompareTo(other.Reference);
        return c != 0 ? c : Number.CompareTo(other.Number);
    }
}

internal static class DottedNumber
{
    /// <summary>One part of a dotted DUIS number: 1–3 digits, no leading zero, at most 255.</summary>
    public static bool TryParsePart(ReadOnlySpan<char> part, out byte value)
    {
        value = 0;
        if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')) return false;
        var v = 0;
        foreach (var c in part)
        {
            if (c is < '0' or > '9') return false;
            v = v * 10 + (c - '0');
        }
        if (v > byte.MaxValue) return false;
        value = (byte)v;
        return true;
    }
}
