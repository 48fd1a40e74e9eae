using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Rules;

/// <summary>
/// Who may ask for a Command for Local Delivery (CV 2, 3, 6, 7) and to which Devices (E17, DUIS
/// 3.5.10 Table 1 "User Role / Device status combination doesn't permit Request of Command for
/// local delivery"). Local delivery is for the Registered Supplier's or Network Operator's field
/// staff at the premises (DUIS 3.4.1.1, Command for Local Delivery over a Hand Held Terminal), on a
/// Device that is installed.
/// </summary>
internal static class LocalCommandRules
{
    public static readonly IReadOnlyList<UserRole> Roles =
        [UserRole.ImportSupplier, UserRole.ExportSupplier, UserRole.GasSupplier, UserRole.ElectricityDistributor, UserRole.GasTransporter];

    public const SmiStatusSet Statuses = SmiStatusSet.InstalledNotCommissioned | SmiStatusSet.Commissioned;

    public static bool Allows(UserRole role) => Roles.Contains(role);
}
