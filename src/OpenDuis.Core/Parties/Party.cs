using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Parties;

/// <summary>
/// A SEC Party's identifier as OpenDUIS records it (its name in the register of Parties, or its
/// Market Participant ID): 1 to 64 characters of letters, digits, '-', '_' and '.'.
/// </summary>
public readonly record struct PartyId
{
    public string Value { get; }

    private PartyId(string value) => Value = value;

    public static bool TryParse([NotNullWhen(true)] string? text, out PartyId id)
    {
        id = default;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length > 64) return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return false;
        id = new PartyId(s);
        return true;
    }

    public static PartyId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a Party ID (1 to 64 letters, digits, '-', '_' or '.').");

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>A SEC Party (or the DCC itself), the organisation behind one or more User IDs.</summary>
public sealed record Party(PartyId Id, string Name, bool IsDcc = false);

/// <summary>
/// A User's status for access control (DUIS response code E3, "User Status not permitted"): only an
/// Active User may send Service Requests.
/// </summary>
public enum UserStatus
{
    /// <summary>Has completed the User Entry Process (SEC H1) and may use the Services.</summary>
    Active,
    /// <summary>Suspended by the Panel or the DCC (SEC M8); its requests are refused with E3.</summary>
    Suspended,
    /// <summary>No longer a User; its requests are refused with E3.</summary>
    Withdrawn,
}

/// <summary>What an SMKI certificate's key is for (the X.509 KeyUsage of SMKI Organisation Certificates).</summary>
public enum SmkiKeyUsage
{
    DigitalSignature,
    KeyAgreement,
}

/// <summary>
/// A reference to one of a User's SMKI Organisation Certificates: the subject's EUI, the serial
/// number (what DUIS signatures name in X509IssuerSerial), the SMKI role code (e.g. 135 = 0x87,
/// XML signing of a User; 2 = supplier) and the key usage. The certificate itself lives in the key
/// store or the SMKI Repository.
/// </summary>
public sealed record SmkiCertificateRef(string SerialNumber, int RoleCode, SmkiKeyUsage KeyUsage, string? Name = null);

/// <summary>
/// A User ID (an EUI-64, DUIS 1.4) of a Party, the User Roles it holds, its status, where responses
/// are delivered and which DUIS version it speaks.
/// </summary>
public sealed record ServiceUser
{
    public required Eui Id { get; init; }
    public required PartyId Party { get; init; }
    public required IReadOnlySet<UserRole> Roles { get; init; }
    public required UserStatus Status { get; init; }
    /// <summary>The User's response endpoint (asynchronous responses and alerts), if registered.</summary>
    public Uri? ResponseEndpoint { get; init; }
    /// <summary>The DUIS XSD version the User declares, e.g. "5.4".</summary>
    public string DuisVersion { get; init; } = "5.4";
    public IReadOnlyList<SmkiCertificateRef> Certificates { get; init; } = [];

    public bool Holds(UserRole role) => Roles.Contains(role);
}
