namespace OpenDuis.Core.Schedules;

/// <summary>
/// When a DCC Schedule runs (sr:DSPSchedule, DUIS 3.8.43.2 as amended by MP260): its frequency, its
/// UTC start date, its optional UTC end date (inclusive: the schedule runs on the end date and ceases
/// after it) and the UTC time after which each occurrence may run.
/// </summary>
public sealed record ScheduleTiming
{
    /// <summary>ScheduleExecutionStartTime when the request leaves it out (DUIS 3.8.43.2: default 00:01:00 UTC).</summary>
    public static readonly TimeOnly DefaultExecutionStartTime = new(0, 1, 0);

    public ScheduleTiming(ScheduleFrequency frequency, DateOnly startDate, DateOnly? endDate = null, TimeOnly? executionStartTime = null)
    {
        if (!Enum.IsDefined(frequency)) throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "not a schedule frequency");
        if (endDate is { } end && end < startDate)
            throw new ArgumentException($"The end date {end:yyyy-MM-dd} is before the start date {startDate:yyyy-MM-dd}.", nameof(endDate));
        Frequency = frequency;
        StartDate = startDate;
        EndDate = endDate;
        ExecutionStartTime = executionStartTime ?? DefaultExecutionStartTime;
    }

    public ScheduleFrequency Frequency { get; }
    public DateOnly StartDate { get; }

    /// <summary>The last date on which the schedule may run; null when it runs until deleted.</summary>
    public DateOnly? EndDate { get; }

    public TimeOnly ExecutionStartTime { get; }
}
