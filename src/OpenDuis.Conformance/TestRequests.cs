using System.Collections.Frozen;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Conformance;

/// <summary>A Service Request a role sends, and the type of Device it addresses.</summary>
public readonly record struct ServiceChoice(ServiceReferenceVariant Variant, DeviceType Target)
{
    public ServiceRequestDefinition Definition => ServiceCatalogue.Get(Variant);

    public override string ToString() => $"{Definition} to a{(Target is DeviceType.ESME ? "n" : "")} {Target}";
}

/// <summary>
/// The Service Requests one User Role's Appendix R tests are built from, each eligible for the role
/// (DUIS 3.8 service definitions as amended by MP260), so that E2 never masks the code under test.
/// </summary>
/// <param name="Accepted">A request the role sends in daily business to a Device it is authorised for: E13 (posted to another
/// web service), E19 (to a Device that does not exist) and E61 (with a local-delivery Command Variant) change one thing in it.</param>
/// <param name="WrongDeviceType">E11: a request of the role whose target device types exclude <see cref="ServiceChoice.Target"/>.</param>
/// <param name="WrongDeviceTypeAnswer">The code due for it: E11, or E4 where the role is not authorised for any Device of a
/// type the request cannot take (Appendix R: E4 takes precedence).</param>
/// <param name="NotSmets1">E60: a request of the role that is not a SMETS1 Service Request, or null when the role is
/// eligible for none.</param>
/// <param name="NotSmets1Answer">The code due for it: E60, or E4 where every such request addresses a Device the role is not authorised for.</param>
/// <param name="WrongDeviceTypeBasis">Why that request, and why its code where it is not E11.</param>
/// <param name="NotSmets1Basis">Why that request, why its code where it is not E60, or why there is none.</param>
public sealed record RoleRequests(
    UserRole Role,
    ServiceChoice Accepted,
    ServiceChoice WrongDeviceType,
    ResponseCode WrongDeviceTypeAnswer,
    string WrongDeviceTypeBasis,
    ServiceChoice? NotSmets1,
    ResponseCode NotSmets1Answer,
    string NotSmets1Basis);

/// <summary>
/// The request table of the runner: for each User Role, which Service Requests realise the Appendix R
/// 8.1.26 scenarios. All are Non-Critical (Command Variant 1, the Send Command service) so that no
/// Pre-Command has to be signed. The Device types they need: ESME, GSME and CHF on each generation,
/// and a SMETS1 GPF.
/// </summary>
public static class TestRequests
{
    private static ServiceChoice S(string variant, DeviceType target) => new(ServiceReferenceVariant.Parse(variant), target);

    public static readonly IReadOnlyList<RoleRequests> Table =
    [
        new(UserRole.ImportSupplier, S("4.1.1", DeviceType.ESME),
            S("8.9", DeviceType.ESME), ResponseCode.E11, "8.9 Read Device Log reads a GSME's or a Communications Hub's log.",
            S("7.14", DeviceType.ESME), ResponseCode.E60, "7.14 reads an Auxiliary Proportional Controller, a SMETS2+ ESME feature."),
        new(UserRole.ExportSupplier, S("4.2", DeviceType.ESME),
            S("4.2", DeviceType.CHF), ResponseCode.E11,
            "Every device request of the ES role addresses an ESME, so E11 is the export read sent to the installation's Communications Hub.",
            null, ResponseCode.E60, "No Service Request the ES role is eligible for is outside the SMETS1 Service Requests, so E60 cannot be generated for it."),
        new(UserRole.GasSupplier, S("4.1.1", DeviceType.GSME),
            S("4.17", DeviceType.GSME), ResponseCode.E11, "4.17 Retrieve Daily Consumption Log is read from an ESME or the Gas Proxy Function, not the GSME.",
            S("6.21", DeviceType.GPF), ResponseCode.E60, "6.21 Request Handover of DCC Controlled Device (a GPF) is not a SMETS1 Service Request."),
        new(UserRole.ElectricityDistributor, S("4.1.1", DeviceType.ESME),
            S("4.2", DeviceType.CHF), ResponseCode.E11, "Every device request of the ED role can address an ESME, so E11 is an ESME-only read sent to the Communications Hub.",
            S("7.14", DeviceType.ESME), ResponseCode.E60, "7.14 reads an Auxiliary Proportional Controller, a SMETS2+ ESME feature."),
        new(UserRole.GasTransporter, S("4.1.1", DeviceType.GSME),
            S("4.17", DeviceType.GSME), ResponseCode.E11, "4.17 Retrieve Daily Consumption Log is read from an ESME or the Gas Proxy Function, not the GSME.",
            S("6.24.1", DeviceType.ESME), ResponseCode.E4,
            "The GT role's only request outside the SMETS1 Service Requests, 6.24.1 Retrieve Device Security Credentials (KRP), " +
            "addresses an ESME, for which a Gas Transporter is never authorised: E4 takes precedence (Appendix R 8.1.26)."),
        new(UserRole.RegisteredSupplierAgent, S("7.4", DeviceType.ESME),
            S("6.2.8", DeviceType.ESME), ResponseCode.E11, "6.2.8 Read Device Configuration (Gas) addresses a GSME.",
            S("6.30", DeviceType.CHF), ResponseCode.E60, "6.30 Read CHF Sub GHz Configuration is for Dual Band Communications Hubs, not SMETS1 ones."),
        new(UserRole.MeterDataRetriever, S("4.2", DeviceType.ESME),
            S("4.2", DeviceType.CHF), ResponseCode.E4,
            "The MDR role only communicates with an ESME, so E11 cannot be generated and E4 is due instead (Appendix R 8.1.26).",
            null, ResponseCode.E60, "The MDR role's requests (4.1.1, 4.2) are SMETS1 Service Requests, so E60 cannot be generated for it."),
        new(UserRole.OtherUser, S("11.2", DeviceType.ESME),
            S("8.9", DeviceType.ESME), ResponseCode.E11, "8.9 Read Device Log reads a GSME's or a Communications Hub's log.",
            S("7.14", DeviceType.ESME), ResponseCode.E60, "7.14 reads an Auxiliary Proportional Controller, a SMETS2+ ESME feature."),
    ];

    private static readonly FrozenDictionary<UserRole, RoleRequests> ByRole = Table.ToFrozenDictionary(r => r.Role);

    public static RoleRequests For(UserRole role) => ByRole[role];

    /// <summary>The Command Variant the runner sends a Non-Critical device request with: Send (CV 1).</summary>
    public const CommandVariant Send = CommandVariant.SendNonCritical;

    /// <summary>E61's Command Variant: Return for local delivery (CV 2), which a SMETS1 Service Provider does not offer.</summary>
    public const CommandVariant LocalDelivery = CommandVariant.ReturnForLocalDeliveryNonCritical;
}
