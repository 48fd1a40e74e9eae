using System.Collections.Concurrent;
using System.Collections.Frozen;
using PublicHoliday;

namespace OpenDuis.Core.Notices;

/// <summary>
/// Working Days for SEC time limits. SEC Section A1 (not reproduced in the MP260 text) defines a
/// Working Day as any day other than a Saturday, a Sunday, Christmas Day, Good Friday or a bank
/// holiday within the meaning of the Banking and Financial Dealings Act 1971; we take England and
/// Wales, whose bank holidays include the one-off days proclaimed under that Act (2020 VE Day move,
/// 2022 Platinum Jubilee and State Funeral, 2023 Coronation). The dates come from the PublicHoliday
/// package; tests pin them to the GOV.UK list (https://www.gov.uk/bank-holidays) for 2020–2027.
/// </summary>
public sealed class WorkingDayCalendar
{
    private readonly UKBankHoliday _source = new();
    private readonly ConcurrentDictionary<int, FrozenSet<DateOnly>> _byYear = new();

    public static WorkingDayCalendar EnglandAndWales { get; } = new();

    private WorkingDayCalendar() { }

    public bool IsBankHoliday(DateOnly date) => HolidaySet(date.Year).Contains(date);

    public bool IsWorkingDay(DateOnly date) =>
        date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)
        && !(date.Month == 12 && date.Day == 25)
        && !IsBankHoliday(date);

    /// <summary>The bank holidays (including Christmas Day and Good Friday) of a year, in date order.</summary>
    public IReadOnlyList<DateOnly> HolidaysIn(int year) => [.. HolidaySet(year).Order()];

    private FrozenSet<DateOnly> HolidaySet(int year) =>
        _byYear.GetOrAdd(year, y => _source.PublicHolidays(y).Select(DateOnly.FromDateTime).ToFrozenSet());

    /// <summary>The <paramref name="count"/>th Working Day after <paramref name="date"/>; <paramref name="date"/> itself never counts.</summary>
    public DateOnly WorkingDaysAfter(DateOnly date, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var day = date;
        while (count > 0)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day)) count--;
        }
        return day;
    }
}
