using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OpenDuis.Core.Schedules;

namespace OpenDuis.Core.Tests.Schedules;

/// <summary>Properties of the DCC Schedule occurrence calculus (DUIS 3.8.43.2 ScheduleFrequency) over random schedules.</summary>
public sealed class ScheduleOccurrencesPropertyTests
{
    private static readonly DateOnly Earliest = new(1990, 1, 1);

    /// <summary>Random schedules: any frequency, a start date from 1990 to about 2300, any end date up to 30 years later or none, any execution time.</summary>
    public static class Schedules
    {
        public static Arbitrary<ScheduleTiming> Timing() =>
            (from frequency in Gen.Elements(Enum.GetValues<ScheduleFrequency>())
             from startOffset in Gen.Choose(0, 310 * 365)
             from endDays in Gen.OneOf(Gen.Constant(-1), Gen.Choose(0, 30 * 366))
             from seconds in Gen.Choose(0, 24 * 3600 - 1)
             let start = Earliest.AddDays(startOffset)
             select new ScheduleTiming(
                 frequency, start,
                 endDays < 0 ? null : start.AddDays(endDays),
                 TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(seconds)))).ToArbitrary();

        /// <summary>Month-end and leap-day starts, where the fallback matters most.</summary>
        public static Gen<DateOnly> MonthEndStart() =>
            from year in Gen.Choose(1990, 2300)
            from month in Gen.Choose(1, 12)
            from back in Gen.Choose(0, 3)
            let last = DateTime.DaysInMonth(year, month)
            select new DateOnly(year, month, last - back);
    }

    private static IEnumerable<DateTimeOffset> Run(ScheduleTiming timing, int count)
    {
        DateTimeOffset after = new(timing.StartDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddTicks(-1));
        for (var i = 0; i < count && ScheduleOccurrences.Next(timing, after) is { } next; i++)
        {
            yield return next;
            after = next;
        }
    }

    private static DateOnly ExpectedMonthlyDate(DateOnly start, int monthsLater)
    {
        var first = new DateOnly(start.Year, start.Month, 1).AddMonths(monthsLater);
        return new DateOnly(first.Year, first.Month, Math.Min(start.Day, DateTime.DaysInMonth(first.Year, first.Month)));
    }

    [Property(Arbitrary = [typeof(Schedules)])]
    public bool Occurrences_are_strictly_increasing_and_at_the_execution_time(ScheduleTiming timing)
    {
        var runs = Run(timing, 120).ToList();
        return runs.Count > 0
            && runs.Zip(runs.Skip(1)).All(p => p.First < p.Second)
            && runs.All(r => r.Offset == TimeSpan.Zero && TimeOnly.FromDateTime(r.UtcDateTime) == timing.ExecutionStartTime);
    }

    [Property(Arbitrary = [typeof(Schedules)])]
    public bool Occurrences_are_never_before_the_start_nor_after_the_end_date(ScheduleTiming timing)
    {
        var runs = Run(timing, 400).ToList();
        var dates = runs.Select(r => DateOnly.FromDateTime(r.UtcDateTime)).ToList();
        var first = dates[0] == timing.StartDate;
        var inside = dates.All(d => d >= timing.StartDate && (timing.EndDate is not { } end || d <= end));
        // A bounded schedule ends: nothing after its last occurrence.
        var ends = timing.EndDate is null || runs.Count == 400 || ScheduleOccurrences.Next(timing, runs[^1]) is null;
        return first && inside && ends;
    }

    [Property(Arbitrary = [typeof(Schedules)])]
    public bool Each_occurrence_falls_on_the_frequency_s_day(ScheduleTiming timing)
    {
        var start = timing.StartDate;
        var dates = Run(timing, 120).Select(r => DateOnly.FromDateTime(r.UtcDateTime)).ToList();
        return timing.Frequency switch
        {
            ScheduleFrequency.Daily => dates.Select((d, i) => d == start.AddDays(i)).All(x => x),
            ScheduleFrequency.Weekly => dates.Select((d, i) => d.DayOfWeek == start.DayOfWeek && d == start.AddDays(7 * i)).All(x => x),
            _ => dates.Select((d, i) => d == ExpectedMonthlyDate(start, i * timing.Frequency.MonthStep()!.Value)).All(x => x),
        };
    }

    [Property(Arbitrary = [typeof(Schedules)])]
    public bool Next_after_any_instant_is_the_first_occurrence_after_it(ScheduleTiming timing, NonNegativeInt minutesIntoSchedule)
    {
        // 500 runs reach past the latest instant tried (about 400 days in) unless the schedule ended earlier.
        var all = Run(timing, 500).ToList();
        var after = new DateTimeOffset(timing.StartDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc))
            .AddMinutes(minutesIntoSchedule.Get % (60 * 24 * 400) - 60 * 24);
        var expected = all.Where(r => r > after).Cast<DateTimeOffset?>().FirstOrDefault();
        var next = ScheduleOccurrences.Next(timing, after);
        return next == expected;
    }

    [Property(Arbitrary = [typeof(Schedules)])]
    public bool Between_is_the_occurrences_in_the_half_open_window(ScheduleTiming timing, NonNegativeInt fromDays, NonNegativeInt lengthDays)
    {
        var from = new DateTimeOffset(timing.StartDate.ToDateTime(timing.ExecutionStartTime, DateTimeKind.Utc)).AddDays(fromDays.Get % 800 - 10);
        var to = from.AddDays(lengthDays.Get % 800);
        var expected = Run(timing, 2000).Where(r => r >= from && r < to);
        return ScheduleOccurrences.Between(timing, from, to).SequenceEqual(expected);
    }

    [Property]
    public Property Month_based_schedules_do_not_drift_over_fifty_years() =>
        Prop.ForAll(
            Schedules.MonthEndStart().ToArbitrary(),
            Gen.Elements(ScheduleFrequency.Monthly, ScheduleFrequency.Quarterly, ScheduleFrequency.HalfYearly, ScheduleFrequency.Yearly).ToArbitrary(),
            (start, frequency) =>
            {
                var timing = new ScheduleTiming(frequency, start);
                var step = frequency.MonthStep()!.Value;
                var runs = Run(timing, 50 * 12 / step + 1).Select(r => DateOnly.FromDateTime(r.UtcDateTime)).ToList();
                var fiftyYearsOn = runs[^1];
                return runs.Count == 50 * 12 / step + 1
                    && runs.Select((d, i) => d == ExpectedMonthlyDate(start, i * step)).All(x => x)
                    && fiftyYearsOn == ExpectedMonthlyDate(start, 600)
                    && (start.Day < 28 || fiftyYearsOn.Day == Math.Min(start.Day, DateTime.DaysInMonth(fiftyYearsOn.Year, fiftyYearsOn.Month)));
            });

    [Property]
    public Property Yearly_from_a_leap_day_runs_on_the_leap_day_in_leap_years_and_28_February_otherwise() =>
        Prop.ForAll(
            Gen.Choose(1990 / 4, 2300 / 4).Select(q => q * 4).Where(DateTime.IsLeapYear).ToArbitrary(),
            leapYear =>
            {
                var timing = new ScheduleTiming(ScheduleFrequency.Yearly, new DateOnly(leapYear, 2, 29));
                return Run(timing, 60).Select(r => DateOnly.FromDateTime(r.UtcDateTime))
                    .All(d => d.Month == 2 && d.Day == (DateTime.IsLeapYear(d.Year) ? 29 : 28));
            });
}
