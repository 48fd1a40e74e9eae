using OpenDuis.Core.Schedules;

namespace OpenDuis.Core.Tests.Schedules;

/// <summary>Worked examples of the occurrence calculus: month ends, leap days, end dates and times.</summary>
public sealed class ScheduleOccurrencesTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 1, int s = 0) => new(y, m, d, h, min, s, TimeSpan.Zero);

    private static List<DateOnly> Dates(ScheduleTiming timing, DateTimeOffset from, DateTimeOffset to) =>
        ScheduleOccurrences.Between(timing, from, to).Select(o => DateOnly.FromDateTime(o.UtcDateTime)).ToList();

    private static List<DateOnly> Dates(params string[] isoDates) => isoDates.Select(DateOnly.Parse).ToList();

    [Fact]
    public void Monthly_from_31_January_falls_back_to_the_last_day_and_returns_to_the_31st_without_drifting()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Monthly, new DateOnly(2028, 1, 31));
        Assert.Equal(
            Dates("2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-30", "2028-10-31", "2028-11-30", "2028-12-31", "2029-01-31", "2029-02-28", "2029-03-31"),
            Dates(timing, Utc(2028, 1, 1), Utc(2029, 4, 1)));
    }

    [Fact]
    public void Monthly_from_30_January_runs_on_the_30th_except_in_February()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Monthly, new DateOnly(2027, 1, 30));
        Assert.Equal(Dates("2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"), Dates(timing, Utc(2027, 1, 1), Utc(2027, 5, 1)));
    }

    [Fact]
    public void Quarterly_from_30_November_keeps_the_30th_after_February()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Quarterly, new DateOnly(2027, 11, 30));
        Assert.Equal(Dates("2027-11-30", "2028-02-29", "2028-05-30", "2028-08-30", "2028-11-30", "2029-02-28"), Dates(timing, Utc(2027, 1, 1), Utc(2029, 3, 1)));
    }

    [Fact]
    public void Half_yearly_from_31_August_runs_on_the_last_day_of_February_and_31_August()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.HalfYearly, new DateOnly(2027, 8, 31));
        Assert.Equal(Dates("2027-08-31", "2028-02-29", "2028-08-31", "2029-02-28", "2029-08-31"), Dates(timing, Utc(2027, 1, 1), Utc(2030, 1, 1)));
    }

    [Fact]
    public void Yearly_from_29_February_runs_on_28_February_until_the_next_leap_year()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Yearly, new DateOnly(2028, 2, 29));
        Assert.Equal(Dates("2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29", "2033-02-28"), Dates(timing, Utc(2028, 1, 1), Utc(2034, 1, 1)));
    }

    [Fact]
    public void Yearly_from_29_February_2096_skips_the_non_leap_year_2100()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Yearly, new DateOnly(2096, 2, 29));
        Assert.Equal(Dates("2099-02-28", "2100-02-28", "2101-02-28", "2102-02-28", "2103-02-28", "2104-02-29"), Dates(timing, Utc(2099, 1, 1), Utc(2105, 1, 1)));
    }

    [Fact]
    public void Monthly_from_29_February_runs_on_the_29th_ever_after()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Monthly, new DateOnly(2028, 2, 29));
        Assert.Equal(Dates("2028-02-29", "2028-03-29", "2028-04-29"), Dates(timing, Utc(2028, 1, 1), Utc(2028, 5, 1)));
        Assert.Equal(Dates("2029-01-29", "2029-02-28", "2029-03-29"), Dates(timing, Utc(2029, 1, 1), Utc(2029, 4, 1)));
    }

    [Fact]
    public void Weekly_runs_on_the_start_date_s_weekday()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Weekly, new DateOnly(2027, 3, 3)); // a Wednesday
        var dates = Dates(timing, Utc(2027, 1, 1), Utc(2027, 4, 1));
        Assert.Equal(Dates("2027-03-03", "2027-03-10", "2027-03-17", "2027-03-24", "2027-03-31"), dates);
        Assert.All(dates, d => Assert.Equal(DayOfWeek.Wednesday, d.DayOfWeek));
    }

    [Fact]
    public void Daily_runs_every_day_through_a_leap_day()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2028, 2, 27));
        Assert.Equal(Dates("2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"), Dates(timing, Utc(2028, 1, 1), Utc(2028, 3, 2)));
    }

    [Fact]
    public void The_execution_time_defaults_to_00_01_00_UTC()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 1, 1));
        Assert.Equal(new TimeOnly(0, 1, 0), timing.ExecutionStartTime);
        Assert.Equal(Utc(2027, 1, 1, 0, 1, 0), ScheduleOccurrences.Next(timing, Utc(2026, 12, 31, 23, 59)));
    }

    [Fact]
    public void The_given_execution_time_is_used_and_an_instant_at_an_occurrence_is_not_after_it()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 1, 1), executionStartTime: new TimeOnly(13, 30));
        Assert.Equal(Utc(2027, 1, 1, 13, 30), ScheduleOccurrences.Next(timing, Utc(2027, 1, 1, 13, 29, 59)));
        Assert.Equal(Utc(2027, 1, 2, 13, 30), ScheduleOccurrences.Next(timing, Utc(2027, 1, 1, 13, 30)));
    }

    [Fact]
    public void Next_reads_an_instant_with_an_offset_as_UTC()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 6, 1));
        // 01:00 at +01:00 is 00:00 UTC, before that day's 00:01 UTC occurrence.
        Assert.Equal(Utc(2027, 6, 2), ScheduleOccurrences.Next(timing, new DateTimeOffset(2027, 6, 2, 1, 0, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void The_end_date_is_inclusive()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Weekly, new DateOnly(2027, 1, 4), new DateOnly(2027, 1, 18));
        Assert.Equal(Dates("2027-01-04", "2027-01-11", "2027-01-18"), Dates(timing, Utc(2027, 1, 1), Utc(2028, 1, 1)));
        Assert.Null(ScheduleOccurrences.Next(timing, Utc(2027, 1, 18)));
    }

    [Fact]
    public void An_end_date_equal_to_the_start_date_runs_once()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Yearly, new DateOnly(2027, 5, 5), new DateOnly(2027, 5, 5));
        Assert.Equal(Dates("2027-05-05"), Dates(timing, Utc(2000, 1, 1), Utc(2100, 1, 1)));
    }

    [Fact]
    public void An_end_date_before_the_start_date_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 5, 5), new DateOnly(2027, 5, 4)));
        Assert.Contains("before the start date", e.Message);
    }

    [Fact]
    public void A_schedule_without_an_end_date_stops_only_at_the_end_of_the_calendar()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Yearly, new DateOnly(2027, 12, 31));
        Assert.Equal(Utc(9999, 12, 31), ScheduleOccurrences.Next(timing, Utc(9998, 12, 31, 12, 0)));
        Assert.Null(ScheduleOccurrences.Next(timing, Utc(9999, 12, 31, 12, 0)));
    }

    [Fact]
    public void Between_includes_its_start_and_excludes_its_end()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 1, 1));
        Assert.Equal(Dates("2027-01-02", "2027-01-03"), Dates(timing, Utc(2027, 1, 2), Utc(2027, 1, 4)));
    }

    [Theory]
    [InlineData("Daily", ScheduleFrequency.Daily)]
    [InlineData("Weekly", ScheduleFrequency.Weekly)]
    [InlineData("Monthly", ScheduleFrequency.Monthly)]
    [InlineData("Quarterly", ScheduleFrequency.Quarterly)]
    [InlineData("Half-Yearly", ScheduleFrequency.HalfYearly)]
    [InlineData("Yearly", ScheduleFrequency.Yearly)]
    public void Frequencies_read_and_write_the_XSD_values(string xsd, ScheduleFrequency frequency)
    {
        Assert.True(ScheduleFrequencies.TryParse(xsd, out var parsed));
        Assert.Equal(frequency, parsed);
        Assert.Equal(xsd, frequency.ToXsd());
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("HalfYearly")]
    [InlineData("")]
    [InlineData(null)]
    public void Values_outside_the_XSD_enumeration_are_not_frequencies(string? text) =>
        Assert.False(ScheduleFrequencies.TryParse(text, out _));
}
