using OpenDuis.Gbcs.Parse;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The outcome of an Update Security Credentials command (GBCS CS02b/CS02g, ASN.1), rendered as the MMC ExecutionOutcome:
/// in the 6.15.1, 6.21, 6.23 and 8.5 responses and in the Future Dated alerts 0x8F66/0x8F67 that report a deferred one.
/// The SEQUENCE: authorising remote party's originator counter (INTEGER), credentials replacement mode (INTEGER), remote
/// party sequence number changes (SEQUENCE OF {role, floor, …}), replacement outcomes (SEQUENCE OF {{role, key usage
/// BIT STRING, [cell usage]}, status ENUMERATED, existing and new subject unique id (8 octets) and key identifier (8 octets)}).
/// </summary>
internal static class MmcExecutionOutcome
{
    /// <summary>Credentials replacement modes as the RTDS 4.5.0 CS02b/CS02g messages carry them, where the MMC names the mode.</summary>
    private static string? Mode(long mode) => mode switch
    {
        2 => "SupplierBySupplier",
        3 => "NetworkOperatorByNetworkOperator",
        4 => "ACBByACB",
        7 => "SupplierByTransCoS",
        11 => "LoadControllerBySupplier",
        _ => null,
    };

    /// <summary>GBCS RemotePartyRole (root 0, recovery 1, supplier 2, networkOperator 3, accessControlBroker 4, transitionalCoS 5; load controller 8 as RTDS CS02g carries it), where the MMC names it.</summary>
    internal static string? Role(long role) => role switch
    {
        0 => "Root", 1 => "Recovery", 2 => "Supplier", 3 => "NetworkOperator", 4 => "ACB", 5 => "TransCoS", 8 => "LoadController",
        _ => null,
    };

    /// <summary>Whether <paramref name="node"/> is the outcome SEQUENCE (it opens with two INTEGERs and holds the outcome list).</summary>
    public static bool Is(Asn1Node node) =>
        node is { Constructed: true, Children: [{ TagNumber: Asn1Node.Integer }, { TagNumber: Asn1Node.Integer }, { Constructed: true }, { Constructed: true }] };

    public static void Write(MmcWriter w, string element, Asn1Node outcome)
    {
        var c = outcome.Children;
        w.WriteStartElement(element, Namespace);
        Element(w, "AuthorisingRemotePartyOriginatorCounter", (long)c[0].AsInteger());
        if (Mode((long)c[1].AsInteger()) is { } mode) Element(w, "CredentialsReplacementMode", mode);
        if (c[2].Children is [{ Constructed: true, Children: [{ TagNumber: Asn1Node.Integer } changedRole, { TagNumber: Asn1Node.Integer } floor, ..] }, ..])
        {
            w.WriteStartElement("RemotePartySeqNumberChange", Namespace);
            if (Role((long)changedRole.AsInteger()) is { } r) Element(w, "RemotePartyRole", r);
            if (floor.AsInteger() >= 0) Element(w, "RemotePartyFloorSeqNumber", (long)floor.AsInteger());
            w.WriteEndElement();
        }
        var n = 0;
        foreach (var o in c[3].Children)
        {
            if (o is not { Constructed: true, Children: [{ Constructed: true, Children: [{ TagNumber: Asn1Node.Integer } role, { TagNumber: 3 } usage, ..] } id, { TagNumber: Asn1Node.Enumerated or Asn1Node.Integer } status, ..] fields }
                || ++n > 3) continue;
            w.WriteStartElement("ReplacementOutcome", Namespace);
            Asn1StatusCodes.Write(w, "StatusCode", (long)status.AsInteger(), Asn1CodeList.StatusCode);
            if (CertificateType(usage, id.Children.Count > 2) is { } type) Element(w, "CertificateType", type);
            if (Role((long)role.AsInteger()) is { } r) Element(w, "RemotePartyRole", r);
            if (fields is [_, _, { Value.Length: 8 } existingId, { Value.Length: 8 } existingKey, { Value.Length: 8 } newId, { Value.Length: 8 } newKey])
            {
                Element(w, "ExistingRemotePartyID", Eui.FromBytes(existingId.Value.Span).ToString());
                Element(w, "NewRemotePartyID", Eui.FromBytes(newId.Value.Span).ToString());
                Element(w, "ExistingCertificateHash", Convert.ToBase64String(existingKey.Value.Span));
                Element(w, "NewCertificateHash", Convert.ToBase64String(newKey.Value.Span));
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>X.509 KeyUsage (RFC 5280 4.2.1.3) as a BIT STRING: digitalSignature (bit 0), keyAgreement (bit 4, top-up when a cell usage follows), keyCertSign (bit 5).</summary>
    internal static string? CertificateType(Asn1Node usage, bool topUp)
    {
        var v = usage.Value.Span;
        if (v.Length < 2) return null;
        return (v[1] & 0x80) != 0 ? "DigitalSigning" : (v[1] & 0x08) != 0 ? (topUp ? "KeyAgreementTopUp" : "KeyAgreement") : (v[1] & 0x04) != 0 ? "KeyCertSign" : null;
    }
}
