using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The Service Requests a DCC Schedule may hold (DUIS 3.8.43.2 DSPScheduledServiceReferenceVariant:
/// "DCC Scheduled" = Yes in clause 3.1, via the catalogue) and the facts 5.1 needs about each.
/// </summary>
internal static class ScheduledServices
{
    /// <summary>
    /// Scheduled variants whose Service Response carries sensitive data, for the
    /// KAPublicSecurityCredential rule of DUIS 3.8.43.2 (GT on a GSME, OU).
    /// </summary>
    /// <remarks>
    /// Neither the DUIS text nor the XSD held here lists which responses are sensitive. This table
    /// takes consumption data to be sensitive: daily read logs (4.6.x, 4.14), profile data (4.8.x)
    /// and the daily consumption log (4.17); register, network, demand, load-limit and power reads are not.
    /// </remarks>
    public static readonly FrozenSet<ServiceReferenceVariant> SensitiveResponses = new[]
    {
        "4.6.1", "4.6.2", "4.8.1", "4.8.2", "4.8.3", "4.14", "4.17",
    }.Select(ServiceReferenceVariant.Parse).ToFrozenSet();

    /// <summary>
    /// The sr:DSPSchedule body element for a scheduled variant: "DSP" before the variant's own body
    /// element name (XSD sr:DSPSchedule choice, e.g. DSPRetrieveImportDailyReadLog for 4.6.1).
    /// </summary>
    public static string BodyElementFor(ServiceRequestDefinition scheduled) => "DSP" + scheduled.BodyElement;

    /// <summary>Whether the variant may be DCC Scheduled for some device generation.</summary>
    public static bool IsSchedulable(ServiceRequestDefinition definition) =>
        definition.DccSchedulable != DccSchedulability.No;
}
