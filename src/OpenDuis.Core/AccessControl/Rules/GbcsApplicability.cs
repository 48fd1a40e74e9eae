using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>
/// The oldest GBCS version whose Use Cases a Service Request needs (E57, DUIS 3.5.10 Table 1: "not
/// compatible with the target Device's Device Model … and the GBCS version of that Device Model's
/// Central Products List entry"). Service Requests not listed exist in every GBCS version a CPL
/// entry can hold.
/// </summary>
internal static class GbcsApplicability
{
    public sealed record Requirement(ServiceReferenceVariant Variant, Version MinimumGbcs, string Basis);

    private const string DualBand = "Dual Band Communications Hub Use Cases (DBCH01–05)";
    private const string Apc = "Auxiliary Proportional Controller Use Cases (ECS46d, ECS47a–e)";

    private static Requirement R(string variant, string gbcs, string basis) => new(ServiceReferenceVariant.Parse(variant), Version.Parse(gbcs), basis);

    public static readonly IReadOnlyList<Requirement> Table =
    [
        R("6.28", "3.2", DualBand), R("6.29", "3.2", DualBand), R("6.30", "3.2", DualBand), R("6.31", "3.2", DualBand), R("6.32", "3.2", DualBand),
        R("6.14.3", "4.0", Apc), R("7.13", "4.0", Apc), R("7.14", "4.0", Apc), R("7.15", "4.0", Apc), R("7.16", "4.0", Apc),
    ];

    private static readonly FrozenDictionary<ServiceReferenceVariant, Requirement> ByVariant = Table.ToFrozenDictionary(r => r.Variant);

    public static Requirement? For(ServiceRequestDefinition definition) => ByVariant.GetValueOrDefault(definition.Variant);
}
