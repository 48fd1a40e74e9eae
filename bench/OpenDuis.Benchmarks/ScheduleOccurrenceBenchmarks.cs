using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Schedules;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The DCC Schedule occurrence calculus: the next occurrence far into a schedule's life (the cost an
/// executor pays each time it completes an occurrence), for a day-based and a month-based frequency.
/// </summary>
[MemoryDiagnoser]
public class ScheduleOccurrenceBenchmarks
{
    private static readonly ScheduleTiming Daily = new(ScheduleFrequency.Daily, new DateOnly(2027, 1, 31));
    private static readonly ScheduleTiming Monthly = new(ScheduleFrequency.Monthly, new DateOnly(2027, 1, 31));
    private static readonly DateTimeOffset FortyYearsOn = new(2067, 3, 15, 9, 0, 0, TimeSpan.Zero);

    [Benchmark]
    public DateTimeOffset? NextDailyFortyYearsOn() => ScheduleOccurrences.Next(Daily, FortyYearsOn);

    [Benchmark]
    public DateTimeOffset? NextMonthlyFortyYearsOn() => ScheduleOccurrences.Next(Monthly, FortyYearsOn);

    [Benchmark]
    public int DailyOccurrencesInAYear() => ScheduleOccurrences.Between(Daily, FortyYearsOn, FortyYearsOn.AddYears(1)).Count();
}
