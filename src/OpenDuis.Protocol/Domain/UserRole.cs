namespace OpenDuis.Protocol.Domain;

/// <summary>
/// The SEC User Roles (Section A; DUIS 1.4). The short codes are those of the DUIS request matrix
/// and Appendix R 8.1.26.
/// </summary>
public enum UserRole
{
    /// <summary>IS — Import Supplier.</summary>
    ImportSupplier,
    /// <summary>ES — Export Supplier.</summary>
    ExportSupplier,
    /// <summary>GS — Gas Supplier.</summary>
    GasSupplier,
    /// <summary>ED — Electricity Distributor.</summary>
    ElectricityDistributor,
    /// <summary>GT — Gas Transporter.</summary>
    GasTransporter,
    /// <summary>RSA — Registered Supplier Agent.</summary>
    RegisteredSupplierAgent,
    /// <summary>MDR — Meter Data Retriever (SMETS1 and SMETS2+ reads as the catalogue allows).</summary>
    MeterDataRetriever,
    /// <summary>OU — Other User.</summary>
    OtherUser,
}

public static class UserRoles
{
    public static readonly IReadOnlyList<UserRole> All = Enum.GetValues<UserRole>();

    public static string Code(this UserRole role) => role switch
    {
        UserRole.ImportSupplier => "IS",
        UserRole.ExportSupplier => "ES",
        UserRole.GasSupplier => "GS",
        UserRole.ElectricityDistributor => "ED",
        UserRole.GasTransporter => "GT",
        UserRole.RegisteredSupplierAgent => "RSA",
        UserRole.MeterDataRetriever => "MDR",
        UserRole.OtherUser => "OU",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParseCode(string? code, out UserRole role)
    {
        foreach (var r in All)
        {
            if (string.Equals(r.Code(), code?.Trim(), StringComparison.OrdinalIgnoreCase)) { role = r; return true; }
        }
        role = default;
        return false;
    }

    public static UserRole ParseCode(string code) =>
        TryParseCode(code, out var role) ? role : throw new FormatException($"'{code}' is not a User Role code (IS, ES, GS, ED, GT, RSA, MDR, OU).");

    /// <summary>Supplier roles: those that need to be the Registered Supplier of the MPxN (E4).</summary>
    public static bool IsSupplier(this UserRole role) =>
        role is UserRole.ImportSupplier or UserRole.ExportSupplier or UserRole.GasSupplier;

    /// <summary>Network Operator roles: those that need to be the registered Network Operator (E4).</summary>
    public static bool IsNetworkOperator(this UserRole role) =>
        role is UserRole.ElectricityDistributor or UserRole.GasTransporter;
}
