namespace OpenDuis.Core.Triage;

/// <summary>The protocols G12 allows for a Triage System Interface.</summary>
public enum TriageLinkProtocol
{
    Tls,
    Ipsec,
}

/// <summary>How an IPsec link protects its traffic: ESP encrypts and authenticates; AH only authenticates.</summary>
public enum IpsecProtection
{
    Esp,
    AuthenticationHeaderOnly,
}

/// <summary>
/// A Manufacturer's declared configuration for the link from its Triage System to a Triage Tool at
/// a remote Triage Facility. <see cref="Protocol"/> is the name as declared (e.g. "TLS", "IPsec",
/// "OpenVPN"), so an unsupported one can be named in the refusal.
/// </summary>
public sealed record TriageLinkDeclaration(
    string Protocol,
    bool ClientAuthentication = false,
    IpsecProtection IpsecProtection = IpsecProtection.Esp);

/// <summary>
/// SEC G12 definition of Triage System Interface (as amended by MP260): a secure VPN / encrypted link
/// giving mutual authentication, confidentiality and integrity, which must use TLS or IPsec and,
/// if TLS, must include client authentication.
/// </summary>
public static class TriageLinkRules
{
    public const string Clause = "G12 (Triage System Interface)";

    public static Ruling<TriageLinkProtocol> Check(TriageLinkDeclaration declaration)
    {
        var name = declaration.Protocol?.Trim() ?? "";
        TriageLinkProtocol? protocol = name.ToLowerInvariant() switch
        {
            "tls" or "tls1.2" or "tls1.3" or "tlsv1.2" or "tlsv1.3" => TriageLinkProtocol.Tls,
            "ipsec" => TriageLinkProtocol.Ipsec,
            _ => null,
        };
        switch (protocol)
        {
            case null:
                return Ruling<TriageLinkProtocol>.Refuse(Clause,
                    $"the Triage System Interface must use either TLS or IPsec; '{(name.Length == 0 ? "(none)" : name)}' is neither");
            case TriageLinkProtocol.Tls when !declaration.ClientAuthentication:
                return Ruling<TriageLinkProtocol>.Refuse(Clause,
                    "a Triage System Interface using TLS must include client authentication (the Triage Facility must request and verify a client certificate)");
            case TriageLinkProtocol.Ipsec when declaration.IpsecProtection == IpsecProtection.AuthenticationHeaderOnly:
                return Ruling<TriageLinkProtocol>.Refuse(Clause,
                    "IPsec with the Authentication Header alone gives integrity but not confidentiality, which the Triage System Interface must provide; use ESP");
            default:
                return Ruling<TriageLinkProtocol>.Allow(protocol.Value);
        }
    }
}
