using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Core.Inventory;

/// <summary>The fuel a Metering Point belongs to.</summary>
public enum Fuel
{
    Electricity,
    Gas,
}

/// <summary>
/// A Metering Point identifier: an MPAN core (electricity, 13 digits, the last a check digit) or an
/// MPRN (gas, 6 to 10 digits). Held as a number and its digit count, so a million of them cost no
/// strings in the look-up cache.
/// </summary>
public readonly record struct Mpxn : IComparable<Mpxn>, ISpanParsable<Mpxn>
{
    private readonly ulong _digits;
    private readonly byte _length;

    private Mpxn(ulong digits, byte length)
    {
        _digits = digits;
        _length = length;
    }

    public Fuel Fuel => _length == 13 ? Fuel.Electricity : Fuel.Gas;

    public static Mpxn Parse(string s) => Parse(s.AsSpan(), null);
    public static Mpxn Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static Mpxn Parse(ReadOnlySpan<char> s, IFormatProvider? provider = null)
    {
        if (TryParse(s, provider, out var mpxn, out var error)) return mpxn;
        throw new FormatException(error);
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out Mpxn result) => TryParse(s.AsSpan(), null, out result, out _);
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Mpxn result) => TryParse(s.AsSpan(), provider, out result, out _);
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Mpxn result) => TryParse(s, provider, out result, out _);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Mpxn result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        s = s.Trim();
        if (s.Length is not (>= 6 and <= 10 or 13))
        {
            error = $"'{s}' is not an MPxN: an MPAN core has 13 digits, an MPRN 6 to 10.";
            return false;
        }
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                error = $"'{s}' is not an MPxN: only digits are allowed.";
                return false;
            }
        }
        var digits = ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        if (s.Length == 13 && !MpanCheckDigitIsValid(s))
        {
            error = $"'{s}' is not a valid MPAN core: its check digit (the 13th) does not match.";
            return false;
        }
        result = new Mpxn(digits, (byte)s.Length);
        error = null;
        return true;
    }

    /// <summary>
    /// The MPAN core check digit (MRA Data Transfer Catalogue, "MPAN Core" check digit algorithm):
    /// the first twelve digits weighted by the primes 3…43, summed, modulo 11, modulo 10.
    /// </summary>
    public static bool MpanCheckDigitIsValid(ReadOnlySpan<char> thirteenDigits)
    {
        ReadOnlySpan<int> primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
        var sum = 0;
        for (var i = 0; i < 12; i++) sum += (thirteenDigits[i] - '0') * primes[i];
        return sum % 11 % 10 == thirteenDigits[12] - '0';
    }

    /// <summary>Appends the check digit to twelve MPAN digits (used to make demo and test MPANs).</summary>
    public static Mpxn MpanFromTwelveDigits(ulong twelveDigits)
    {
        var text = twelveDigits.ToString("D12", CultureInfo.InvariantCulture);
        ReadOnlySpan<int> primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
        var sum = 0;
        for (var i = 0; i < 12; i++) sum += (text[i] - '0') * primes[i];
        return Parse(text + (char)('0' + sum % 11 % 10));
    }

    public override string ToString() => _length == 0
        ? string.Empty
        : _digits.ToString("D" + _length.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public int CompareTo(Mpxn other) => _length != other._length ? _length.CompareTo(other._length) : _digits.CompareTo(other._digits);
}
