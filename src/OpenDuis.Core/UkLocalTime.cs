using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OpenDuis.Core;

/// <summary>
/// UK local time (Europe/London), the clock SEC days and Working Days are counted in. Instants are
/// read and written as ISO 8601; written with the UK offset in force at that instant.
/// </summary>
public static partial class UkLocalTime
{
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    public static DateTimeOffset ToUk(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToUk(instant).DateTime);

    /// <summary>Midnight at the start of <paramref name="date"/> in the UK (never skipped: clocks change at 01:00 UTC).</summary>
    public static DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public static string Format(DateTimeOffset instant) =>
        ToUk(instant).ToString(instant.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:sszzz" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads an ISO 8601 date-time (<c>2026-11-25T17:30</c>, optional seconds and fraction), with a
    /// <c>Z</c> or <c>±hh:mm</c> offset, or without one meaning UK local time. A date alone means
    /// the start of that day in the UK. A local time the clocks skip or repeat is refused: give an offset.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset instant, [NotNullWhen(false)] out string? error)
    {
        instant = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || !IsoShape().IsMatch(text))
        {
            error = $"'{text}' is not an ISO 8601 date-time (e.g. 2026-11-25T17:30:00Z, 2026-11-25T17:30+00:00, or 2026-11-25T17:30 in UK local time).";
            return false;
        }
        var hasOffset = text.EndsWith('Z') || OffsetSuffix().IsMatch(text);
        if (hasOffset)
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
            {
                error = null;
                return true;
            }
            error = $"'{text}' is not a valid date-time.";
            return false;
        }
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            error = $"'{text}' is not a valid date-time.";
            return false;
        }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(local))
        {
            error = $"{text} does not exist in UK local time (the clocks go forward then); give an offset.";
            return false;
        }
        if (Zone.IsAmbiguousTime(local))
        {
            error = $"{text} happens twice in UK local time (the clocks go back then); give an offset.";
            return false;
        }
        instant = new DateTimeOffset(local, Zone.GetUtcOffset(local));
        error = null;
        return true;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$")]
    private static partial Regex IsoShape();

    [GeneratedRegex(@"[+-]\d{2}:\d{2}$")]
    private static partial Regex OffsetSuffix();
}
