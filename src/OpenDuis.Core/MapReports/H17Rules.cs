using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.MapReports;

/// <summary>In which capacity an entity asks for reports on Smart Meters (H17.1).</summary>
public enum H17Capacity
{
    Manufacturer,
    MeterAssetProvider,
}

/// <summary>How often reports are requested (H17.4).</summary>
public enum ReportFrequency
{
    Quarterly,
    Monthly,
    AdHoc,
}

/// <summary>
/// An entity asking for H17 reports: whether it is a Party or has signed the Specimen Enabling
/// Services Agreement (H17.2), and when the DCC accepted its evidence of being the Manufacturer or
/// Meter Asset Provider (H17.3).
/// </summary>
public sealed record H17Requester(
    string Name,
    H17Capacity Capacity,
    bool IsParty,
    bool SignedEnablingServicesAgreement,
    DateTimeOffset? EvidenceAcceptedAt)
{
    /// <summary>As Meter Asset Provider: the identity the inventory records in a Device's MAP field (a User ID).</summary>
    public Eui? MeterAssetProviderId { get; init; }

    /// <summary>As Manufacturer: its identifier as the Central Products List and the inventory hold it (e.g. "106C").</summary>
    public string? ManufacturerId { get; init; }
}

/// <summary>The rules of SEC H17 (as amended by MP260) that decide whether a report may be requested.</summary>
public static class H17Rules
{
    /// <summary>H17.2 and H17.3: a Party or SESA signatory, whose evidence of status the DCC has accepted.</summary>
    public static Refusal? CheckEligibility(H17Requester requester, DateTimeOffset at)
    {
        if (!requester.IsParty && !requester.SignedEnablingServicesAgreement)
            return new Refusal("H17.2", $"{requester.Name} is neither a Party nor party to an agreement in the form of the Specimen Enabling Services Agreement");
        if (requester.EvidenceAcceptedAt is not { } accepted || accepted > at)
            return new Refusal("H17.3", $"the DCC has not yet obtained reasonable evidence that {requester.Name} is the {Describe(requester.Capacity)} of the Smart Meters, and provides no report until it has");
        return null;
    }

    /// <summary>
    /// H17.4: ad hoc requests "not more than once each month". Our reading: at most one ad hoc
    /// request per calendar month, UK time; quarterly and monthly requests are standing requests the
    /// DCC fulfils on their schedule. A refusal names the first day the next ad hoc request is allowed.
    /// </summary>
    public static Refusal? CheckFrequency(ReportFrequency frequency, DateTimeOffset at, IEnumerable<DateTimeOffset> earlierAdHocRequests)
    {
        if (frequency != ReportFrequency.AdHoc) return null;
        var month = UkLocalTime.DateOf(at);
        var previous = earlierAdHocRequests.Where(r => r <= at).Select(UkLocalTime.DateOf)
            .FirstOrDefault(d => d.Year == month.Year && d.Month == month.Month);
        if (previous == default) return null;
        var next = new DateOnly(month.Year, month.Month, 1).AddMonths(1);
        return new Refusal("H17.4", $"an ad hoc report was already requested this month (on {previous:yyyy-MM-dd}); ad hoc reports are not more than once each month, so the next may be requested from {UkLocalTime.Format(UkLocalTime.StartOf(next))}");
    }

    private static string Describe(H17Capacity capacity) => capacity == H17Capacity.Manufacturer ? "Manufacturer" : "Meter Asset Provider";
}
