using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>
/// Which Service Requests are SMETS1 Service Requests (E60) and which Command Variants they take
/// (E61). The catalogue's <see cref="ServiceRequestDefinition.Smets1"/> decides where it is
/// determined (4.1.1 and 4.2 per MP260); otherwise the exclusions below apply, each for a feature
/// a SMETS1 installation does not have. A SMETS1 Device is reached through a SMETS1 Service
/// Provider, which offers no Command for Local Delivery: CV 2, 3, 6 and 7 are E61.
/// </summary>
internal static class Smets1ServiceRequests
{
    public sealed record Exclusion(ServiceReferenceVariant Variant, string Basis);

    private const string DualBand = "Dual Band Communications Hub (Sub GHz) service: SMETS2+ Communications Hubs only (Annex to SEC F4)";
    private const string Apc = "Auxiliary Proportional Controller: a SMETS2+ (SMETS 5) ESME feature";
    private const string Gbcs = "GBCS HAN security credentials and handover: SMETS2+ Devices only";

    private static Exclusion X(string variant, string basis) => new(ServiceReferenceVariant.Parse(variant), basis);

    public static readonly IReadOnlyList<Exclusion> NotSmets1 =
    [
        X("6.14.3", Apc),
        X("6.17", Gbcs), X("6.21", Gbcs), X("6.24.1", Gbcs), X("6.24.2", Gbcs),
        X("6.28", DualBand), X("6.29", DualBand), X("6.30", DualBand), X("6.31", DualBand), X("6.32", DualBand),
        X("7.13", Apc), X("7.14", Apc), X("7.15", Apc), X("7.16", Apc),
    ];

    private static readonly FrozenSet<ServiceReferenceVariant> Excluded = NotSmets1.Select(x => x.Variant).ToFrozenSet();

    public static bool IsSmets1ServiceRequest(ServiceRequestDefinition definition) => definition.Smets1 switch
    {
        Smets1Applicability.Applicable => true,
        Smets1Applicability.NotApplicable => false,
        _ => !Excluded.Contains(definition.Variant),
    };

    /// <summary>Command Variants a SMETS1 Service Request may use: those without local delivery.</summary>
    public static bool Allows(CommandVariant variant) => !variant.ReturnsLocalCommand();
}
