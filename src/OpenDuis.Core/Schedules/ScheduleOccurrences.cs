namespace OpenDuis.Core.Schedules;

/// <summary>
/// The occurrence calculus of a DCC Schedule (DUIS 3.8.43.2 ScheduleFrequency, as amended by MP260):
/// when each run falls due, as UTC instants. Pure: no clock, no state.
/// </summary>
/// <remarks>
/// Occurrence <c>n</c> is always computed from the start date, never from occurrence <c>n-1</c>, so
/// the month-end fallback cannot drift: a schedule starting 31 January runs 28/29 February and then
/// 31 March again.
/// </remarks>
public static class ScheduleOccurrences
{
    /// <summary>
    /// The date of occurrence <paramref name="index"/> (0 = the start date), ignoring the end date;
    /// null past <see cref="DateOnly.MaxValue"/>.
    /// </summary>
    public static DateOnly? DateOf(ScheduleTiming timing, long index)
    {
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var start = timing.StartDate;
        if (timing.Frequency.MonthStep() is { } step)
        {
            // Months counted from year 0 so that the arithmetic never leaves long.
            var month = (long)start.Year * 12 + (start.Month - 1) + index * step;
            var year = month / 12;
            if (year > DateOnly.MaxValue.Year) return null;
            var m = (int)(month % 12) + 1;
            var day = Math.Min(start.Day, DateTime.DaysInMonth((int)year, m));
            return new DateOnly((int)year, m, day);
        }
        var days = timing.Frequency == ScheduleFrequency.Weekly ? index * 7 : index;
        var dayNumber = start.DayNumber + days;
        return dayNumber > DateOnly.MaxValue.DayNumber ? null : DateOnly.FromDayNumber((int)dayNumber);
    }

    /// <summary>
    /// The instant occurrence <paramref name="index"/> falls due (its date at the execution start time,
    /// UTC); null when it would fall after the end date (the end date itself is included).
    /// </summary>
    public static DateTimeOffset? At(ScheduleTiming timing, long index) =>
        DateOf(timing, index) is { } date && (timing.EndDate is not { } end || date <= end)
            ? new DateTimeOffset(date.ToDateTime(timing.ExecutionStartTime, DateTimeKind.Utc))
            : null;

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when the schedule has ended by then.</summary>
    public static DateTimeOffset? Next(ScheduleTiming timing, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(timing);
        var index = IndexNotAfter(timing, DateOnly.FromDateTime(after.UtcDateTime));
        // The estimate is at most two occurrences short (its date may equal after's date, before or after the time).
        while (true)
        {
            var at = At(timing, index);
            if (at is null) return null;
            if (at.Value > after) return at;
            index++;
        }
    }

    /// <summary>Every occurrence at or after <paramref name="from"/> and strictly before <paramref name="to"/>, in order.</summary>
    public static IEnumerable<DateTimeOffset> Between(ScheduleTiming timing, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(timing);
        var next = Next(timing, from.AddTicks(-1));
        while (next is { } at && at < to)
        {
            yield return at;
            next = Next(timing, at);
        }
    }

    /// <summary>The index of the last occurrence whose date is not after <paramref name="date"/> (0 when the date is before the start).</summary>
    private static long IndexNotAfter(ScheduleTiming timing, DateOnly date)
    {
        var start = timing.StartDate;
        if (date <= start) return 0;
        if (timing.Frequency.MonthStep() is { } step)
        {
            var months = (date.Year - start.Year) * 12L + (date.Month - start.Month);
            return Math.Max(0, months / step - 1);
        }
        var period = timing.Frequency == ScheduleFrequency.Weekly ? 7 : 1;
        return (date.DayNumber - start.DayNumber) / period;
    }
}
