using OpenDuis.Core.Notices;

namespace OpenDuis.Core.Tests.Notices;

public class WorkingDayCalendarTests
{
    private static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.EnglandAndWales;

    // England and Wales bank holidays as published at https://www.gov.uk/bank-holidays (and its
    // archive of earlier years), including the one-off days: 2020-05-08 (VE Day, moved from
    // 4 May), 2022-06-02/03 (Spring bank holiday moved; Platinum Jubilee), 2022-09-19 (State
    // Funeral of Queen Elizabeth II), 2023-05-08 (Coronation of King Charles III).
    public static TheoryData<int, string[]> GovUkEnglandAndWales => new()
    {
        { 2020, ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"] },
        { 2021, ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"] },
        { 2022, ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"] },
        { 2023, ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"] },
        { 2024, ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"] },
        { 2025, ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"] },
        { 2026, ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"] },
        { 2027, ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"] },
    };

    [Theory]
    [MemberData(nameof(GovUkEnglandAndWales))]
    public void Bank_holidays_match_the_GOV_UK_list(int year, string[] monthDays)
    {
        var expected = monthDays.Select(md => DateOnly.ParseExact($"{year}-{md}", "yyyy-MM-dd")).ToArray();
        Assert.Equal(expected, Calendar.HolidaysIn(year));
    }

    [Theory]
    [InlineData("2020-05-04", true)]   // early May bank holiday moved to VE Day, 8 May
    [InlineData("2020-05-08", false)]
    [InlineData("2022-05-30", true)]   // Spring bank holiday moved to 2 June for the Platinum Jubilee
    [InlineData("2022-06-03", false)]
    [InlineData("2022-09-19", false)]  // State Funeral
    [InlineData("2023-05-08", false)]  // Coronation
    [InlineData("2026-12-24", true)]   // Christmas Eve is an ordinary Working Day
    [InlineData("2026-12-26", false)]  // Saturday; Boxing Day's substitute is Monday 28th
    [InlineData("2026-12-28", false)]
    [InlineData("2026-11-28", false)]  // Saturday
    [InlineData("2026-11-29", false)]  // Sunday
    [InlineData("2026-11-30", true)]
    public void Working_days_exclude_weekends_and_bank_holidays(string date, bool working) =>
        Assert.Equal(working, Calendar.IsWorkingDay(DateOnly.Parse(date)));

    [Fact]
    public void The_day_counted_from_never_counts_itself() =>
        Assert.Equal(new DateOnly(2026, 11, 26), Calendar.WorkingDaysAfter(new DateOnly(2026, 11, 25), 1));
}
