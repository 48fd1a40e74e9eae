using OpenDuis.Gbcs.Parse;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>The security credentials reads: 6.24.1 (CS02a, CS02f) and 6.24.2 (CS02e), ASN.1.</summary>
internal static partial class MmcFields
{
    /// <summary>
    /// 6.24.1 CS02a/CS02f: a SEQUENCE OF, per remote party role asked for (the RTDS CS02aMAC command asks for supplier 2 and
    /// network operator 3, as its request's roles), {role INTEGER, status ENUMERATED, and on success the floor sequence number
    /// INTEGER and a SEQUENCE OF trust anchors {key usage BIT STRING, [cell usage INTEGER,] subject unique id (8 octets),
    /// subject key identifier (8 octets)}}, the layout of the Update Security Credentials outcome (<see cref="MmcExecutionOutcome"/>).
    /// Each trust anchor is one RemotePartyDetails (the MMC holds one certificate's details in each); a role without any, one.
    /// </summary>
    private static void SecurityCredentials(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not Asn1Payload { Root: { Constructed: true } root }) return;
        foreach (var party in root.Children)
        {
            if (party is not { Constructed: true, Children: [{ TagNumber: Asn1Node.Integer } role, { TagNumber: Asn1Node.Enumerated or Asn1Node.Integer } status, ..] fields }) continue;
            var floor = fields is [_, _, { TagNumber: Asn1Node.Integer } f, ..] ? f : null;
            var anchors = fields is [_, _, _, { Constructed: true } list, ..] ? list.Children : [];
            var any = false;
            foreach (var anchor in anchors)
            {
                if (anchor is not { Constructed: true, Children: [{ TagNumber: 3 } usage, .., { Value.Length: 8 } id, { Value.Length: 8 } key] }) continue;
                any = true;
                RemotePartyDetails(w, role, status, floor, usage, anchor.Children.Count > 3, id, key);
            }
            if (!any) RemotePartyDetails(w, role, status, floor, null, false, null, null);
        }
    }

    private static void RemotePartyDetails(MmcWriter w, Asn1Node role, Asn1Node status, Asn1Node? floor, Asn1Node? usage, bool topUp, Asn1Node? id, Asn1Node? key)
    {
        w.WriteStartElement("RemotePartyDetails", Namespace);
        if (MmcExecutionOutcome.Role((long)role.AsInteger()) is { } r) Element(w, "RemotePartyRole", r);
        Asn1StatusCodes.Write(w, "StatusCode", (long)status.AsInteger(), Asn1CodeList.StatusCode);
        if (floor is not null && floor.AsInteger() >= 0) Element(w, "RemotePartyFloorSeqNumber", (long)floor.AsInteger());
        if (usage is not null && MmcExecutionOutcome.CertificateType(usage, topUp) is { } type) Element(w, "CertificateUsage", type);
        if (id is not null) Element(w, "ExistingRemotePartyID", Eui.FromBytes(id.Value.Span).ToString());
        if (key is not null) Element(w, "ExistingCertificateHash", Convert.ToBase64String(key.Value.Span));
        w.WriteEndElement();
    }

    /// <summary>6.24.2 CS02e: the Device's certificate (its X.509 DER, the whole content) or, when it could not, an ASN.1 status INTEGER.</summary>
    private static void DeviceCredentials(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (m.Payload is Asn1Payload { Root: { TagNumber: Asn1Node.Integer, Constructed: false } })
            Asn1Status(w, "RetrieveDeviceSecurityCredentialsStatusCode", m, Asn1CodeList.ProvideDeviceCertificate);
        else if (m.Payload is Asn1Payload { Root: { TagNumber: Asn1Node.Sequence, Children: [{ TagNumber: Asn1Node.Sequence, Children: [{ TagClass: 2, TagNumber: 0 }, ..] }, _, { TagNumber: 3 }] } })
            Element(w, "Certificate", Convert.ToBase64String(m.Content.Span));
    }
}
