using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>A set of SMI Statuses, one bit each.</summary>
[Flags]
public enum SmiStatusSet
{
    None = 0,
    Pending = 1 << SmiStatus.Pending,
    Whitelisted = 1 << SmiStatus.Whitelisted,
    InstalledNotCommissioned = 1 << SmiStatus.InstalledNotCommissioned,
    Commissioned = 1 << SmiStatus.Commissioned,
    Decommissioned = 1 << SmiStatus.Decommissioned,
    Withdrawn = 1 << SmiStatus.Withdrawn,
    Suspended = 1 << SmiStatus.Suspended,
    Recovery = 1 << SmiStatus.Recovery,
    Recovered = 1 << SmiStatus.Recovered,
}

public static class SmiStatusSets
{
    public static bool Contains(this SmiStatusSet set, SmiStatus status) => (set & (SmiStatusSet)(1 << (int)status)) != 0;

    public static IEnumerable<SmiStatus> Members(this SmiStatusSet set) => Enum.GetValues<SmiStatus>().Where(s => set.Contains(s));
}

/// <summary>One row of the SMI Status rules: the statuses a Device must be in to receive the Service Request.</summary>
public sealed record SmiStatusRule(ServiceReferenceVariant Variant, SmiStatusSet Accepts, string Basis);

/// <summary>
/// Which Device SMI Statuses each Service Request accepts (E5, DUIS 3.5.10 Table 1 "Device SMI Status
/// incompatible with Service Reference"). The default is a Commissioned Device. Requests used while
/// installing and commissioning (SEC Appendix AC) also accept Installed Not Commissioned; firmware
/// requests reach Suspended Devices so they can return to a CPL combination (SEC F2.9); credential
/// replacement reaches Devices in SMKI Recovery (SEC Appendix L). Decommissioned, Withdrawn,
/// Pending and Whitelisted Devices accept no device request.
/// </summary>
public static class SmiStatusRules
{
    public const SmiStatusSet Default = SmiStatusSet.Commissioned;
    private const SmiStatusSet Installing = SmiStatusSet.InstalledNotCommissioned | SmiStatusSet.Commissioned;
    private const SmiStatusSet Firmware = SmiStatusSet.InstalledNotCommissioned | SmiStatusSet.Commissioned | SmiStatusSet.Suspended;
    private const SmiStatusSet Credentials = Installing | SmiStatusSet.Recovery | SmiStatusSet.Recovered;

    private const string AppendixAc = "SEC Appendix AC: used while installing and commissioning";

    private static SmiStatusRule R(string variant, SmiStatusSet accepts, string basis) => new(ServiceReferenceVariant.Parse(variant), accepts, basis);

    /// <summary>The Service Requests whose rule differs from <see cref="Default"/>.</summary>
    public static readonly IReadOnlyList<SmiStatusRule> Exceptions =
    [
        R("6.2.4", Installing, AppendixAc), R("6.2.7", Installing, AppendixAc),
        R("6.11", Installing, AppendixAc),
        R("6.15.1", Credentials, "SEC Appendix AC (install) and Appendix L (SMKI Recovery)"),
        R("6.15.2", Credentials, "SEC Appendix AC (install) and Appendix L (SMKI Recovery)"),
        R("6.20.1", Installing, AppendixAc), R("6.20.2", Installing, AppendixAc),
        R("6.21", Installing, AppendixAc),
        R("6.23", Credentials, "SEC Appendix L (SMKI Recovery); Change of Supplier"),
        R("6.24.1", Installing, AppendixAc), R("6.24.2", Installing, AppendixAc),
        R("8.1.1", Installing, AppendixAc + " (Commission Device)"),
        R("8.7.1", Installing, AppendixAc), R("8.7.2", Installing, AppendixAc),
        R("8.8.1", Installing, AppendixAc), R("8.8.2", Installing, AppendixAc),
        R("8.9", Installing, AppendixAc),
        R("8.11", Installing, AppendixAc),
        R("8.12.1", Installing, AppendixAc), R("8.12.2", Installing, AppendixAc),
        R("11.1", Firmware, "SEC F2.9: a Suspended Device may be upgraded to a CPL combination"),
        R("11.2", Firmware, "SEC F2.9: a Suspended Device may be upgraded to a CPL combination"),
        R("11.3", Firmware, "SEC F2.9: a Suspended Device may be upgraded to a CPL combination"),
        R("11.4", Firmware, "SEC F2.9: a Suspended Device may be upgraded to a CPL combination"),
    ];

    private static readonly FrozenDictionary<ServiceReferenceVariant, SmiStatusRule> ByVariant = Exceptions.ToFrozenDictionary(r => r.Variant);

    public static SmiStatusSet Accepted(ServiceRequestDefinition definition) =>
        ByVariant.TryGetValue(definition.Variant, out var rule) ? rule.Accepts : Default;
}
