using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The DCC's identifier of a DCC Schedule (XSD sr:scheduleID: a non-negative integer of at most
/// 1,000,000,000,000), returned by 5.1 and quoted by 5.2, 5.3 and each scheduled response.
/// </summary>
public readonly record struct DspScheduleId
{
    public const ulong MaxValue = 1_000_000_000_000;

    public DspScheduleId(ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        Value = value;
    }

    public ulong Value { get; }

    /// <summary>Parses the XSD lexical form (digits, optionally a leading '+', leading zeros allowed).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out DspScheduleId id)
    {
        id = default;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t) || !t.TrimStart('+').All(char.IsAsciiDigit) || t.LastIndexOf('+') > 0) return false;
        if (!ulong.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v > MaxValue) return false;
        id = new DspScheduleId(v);
        return true;
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
