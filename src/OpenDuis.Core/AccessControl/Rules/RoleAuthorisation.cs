using System.Collections.Frozen;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>
/// What makes a User Role authorised for a particular Device at a date and time (E4, DUIS 3.5.10
/// Table 1 "User Role not authorised for Device and required date &amp; time"; SEC H3/H4 eligibility
/// by Registration Data).
/// </summary>
/// <param name="Registration">The Registration Data role the User's Party must hold for the Device's MPxN, if any.</param>
/// <param name="Fuel">The fuel of the MPxN the role acts for, if restricted.</param>
/// <param name="DeviceTypes">The only Device types the role may address, if restricted.</param>
internal sealed record RoleAuthorisationRule(UserRole Role, RegisteredRole? Registration, Fuel? Fuel, IReadOnlyList<DeviceType>? DeviceTypes, string Basis)
{
    public bool AllowsType(DeviceType type) => DeviceTypes is null || DeviceTypes.Contains(type);
}

internal static class RoleAuthorisation
{
    /// <summary>One row per User Role.</summary>
    public static readonly IReadOnlyList<RoleAuthorisationRule> Table =
    [
        new(UserRole.ImportSupplier, RegisteredRole.Supplier, Fuel.Electricity, null, "Registered Supplier of the MPAN (SEC H4; Registration Data, Section E)"),
        new(UserRole.ExportSupplier, RegisteredRole.Supplier, Fuel.Electricity, null, "Registered Supplier of the (export) MPAN (SEC H4; Section E)"),
        new(UserRole.GasSupplier, RegisteredRole.Supplier, Fuel.Gas, null, "Registered Supplier of the MPRN (SEC H4; Section E)"),
        new(UserRole.ElectricityDistributor, RegisteredRole.NetworkOperator, Fuel.Electricity, null, "Electricity Distributor registered for the MPAN (SEC H4; Section E)"),
        new(UserRole.GasTransporter, RegisteredRole.NetworkOperator, Fuel.Gas, null, "Gas Transporter registered for the MPRN (SEC H4; Section E)"),
        new(UserRole.RegisteredSupplierAgent, null, null, null, "no Registration Data role (the catalogue's eligibility alone)"),
        new(UserRole.MeterDataRetriever, null, null, [DeviceType.ESME],
            "no Registration Data role; the MDR talks only to an ESME, so any other Device is E4 (Appendix R 8.1.26)"),
        new(UserRole.OtherUser, null, null, null, "no Registration Data role (the catalogue's eligibility alone)"),
    ];

    private static readonly FrozenDictionary<UserRole, RoleAuthorisationRule> ByRole = Table.ToFrozenDictionary(r => r.Role);

    public static RoleAuthorisationRule For(UserRole role) => ByRole[role];
}
