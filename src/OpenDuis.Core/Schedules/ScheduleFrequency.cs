namespace OpenDuis.Core.Schedules;

/// <summary>How often a DCC Schedule runs (XSD sr:ScheduleFrequency, DUIS 3.8.43.2 as amended by MP260).</summary>
public enum ScheduleFrequency
{
    Daily,
    /// <summary>Once a week, on the Schedule Start Date's day of the week.</summary>
    Weekly,
    /// <summary>Once a month on the Schedule Start Date's day of the month, or the month's last day where that day does not exist.</summary>
    Monthly,
    /// <summary>Every three months, day as for Monthly.</summary>
    Quarterly,
    /// <summary>Every six months, day as for Monthly.</summary>
    HalfYearly,
    /// <summary>Every twelve months, day as for Monthly.</summary>
    Yearly,
}

public static class ScheduleFrequencies
{
    /// <summary>The XSD enumeration value ("Half-Yearly").</summary>
    public static string ToXsd(this ScheduleFrequency frequency) => frequency switch
    {
        ScheduleFrequency.Daily => "Daily",
        ScheduleFrequency.Weekly => "Weekly",
        ScheduleFrequency.Monthly => "Monthly",
        ScheduleFrequency.Quarterly => "Quarterly",
        ScheduleFrequency.HalfYearly => "Half-Yearly",
        ScheduleFrequency.Yearly => "Yearly",
        _ => throw new ArgumentOutOfRangeException(nameof(frequency), frequency, null),
    };

    /// <summary>Parses the XSD enumeration value exactly (case-sensitive, as xs:string enumerations are).</summary>
    public static bool TryParse(string? text, out ScheduleFrequency frequency)
    {
        (var ok, frequency) = text switch
        {
            "Daily" => (true, ScheduleFrequency.Daily),
            "Weekly" => (true, ScheduleFrequency.Weekly),
            "Monthly" => (true, ScheduleFrequency.Monthly),
            "Quarterly" => (true, ScheduleFrequency.Quarterly),
            "Half-Yearly" => (true, ScheduleFrequency.HalfYearly),
            "Yearly" => (true, ScheduleFrequency.Yearly),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>Months between occurrences for the month-based frequencies; null for Daily and Weekly.</summary>
    public static int? MonthStep(this ScheduleFrequency frequency) => frequency switch
    {
        ScheduleFrequency.Monthly => 1,
        ScheduleFrequency.Quarterly => 3,
        ScheduleFrequency.HalfYearly => 6,
        ScheduleFrequency.Yearly => 12,
        _ => null,
    };
}
