using System.Globalization;
using System.Text;
using OpenDuis.Gbcs.Parse;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// Opens what a GBCS message protects (GBCS 4.3: MAC, signature, encrypted payloads) with the keys of
/// the parties to it: <see cref="GbcsKeySecurity"/> does it with OpenDUIS's GBCS security. Parse works
/// without it and then renders encrypted content as GBCSData for a second pass.
/// </summary>
public interface IGbcsMessageSecurity
{
    /// <summary>The checks' outcome for a message as received: why it does not verify, or the plaintexts of its encrypted payloads in content order.</summary>
    GbcsOpening Open(ReadOnlySpan<byte> wire);
}

/// <summary>What <see cref="IGbcsMessageSecurity.Open"/> found: a problem (a MAC, signature or encrypted payload that does not verify, or a key not held), or the plaintexts.</summary>
public sealed record GbcsOpening(string? Problem, IReadOnlyList<byte[]> Plaintexts);

/// <summary>
/// Renders a parsed GBCS response or alert as the MMC <c>GBCSResponse</c> document (MMC Schema 5.4,
/// namespace http://www.dccinterface.co.uk/ResponseAndAlert): the Header from the General Signing
/// header, and a Body holding a ResponseMessage (the SMETSData element the Message Code table names,
/// filled by that element's field decoders in <see cref="MmcFields"/>, and the per-item device
/// statuses as DebugInfo) or a DeviceAlertMessage (alert code, description, time, and the payload
/// the MMC defines for that alert). Encrypted content travels as GBCSData for a second pass.
/// </summary>
public static class MmcRenderer
{
    public const string Namespace = "http://www.dccinterface.co.uk/ResponseAndAlert";
    public const string SchemaVersion = "5.4";

    /// <summary>The MMC document, or a <see cref="GbcsParseException"/> naming what could not be rendered (never a partial document).</summary>
    /// <param name="serviceReferenceVariant">
    /// The Service Reference Variant of the request answered, when known (a DUIS Service Response states it): where one
    /// Message Code serves two variants (6.15.1 and 6.21, 8.7.1 and 8.7.2 …) it chooses the MMC element; otherwise the Message
    /// Code's first variant is rendered. A variant the Message Code does not serve is refused.
    /// </param>
    public static string Render(ParsedGbcsMessage message, ReadOnlySpan<byte> rawMessage = default, IGbcsMessageSecurity? security = null, string? serviceReferenceVariant = null)
    {
        var w = Write(message, rawMessage, security, serviceReferenceVariant);
        var document = w.ToString();
        Keep(w);
        return document;
    }

    /// <summary>
    /// The MMC document written to <paramref name="output"/> without an intermediate string (a large read's document is tens
    /// of kilobytes, and creating that string was a quarter of rendering it): rendered in full first, so on a
    /// <see cref="GbcsParseException"/> nothing has been written.
    /// </summary>
    /// <inheritdoc cref="Render" path="/param"/>
    public static void RenderTo(TextWriter output, ParsedGbcsMessage message, ReadOnlySpan<byte> rawMessage = default, IGbcsMessageSecurity? security = null, string? serviceReferenceVariant = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = Write(message, rawMessage, security, serviceReferenceVariant);
        try
        {
            output.Write(w.Written);
        }
        finally
        {
            Keep(w);
        }
    }

    private static MmcWriter Write(ParsedGbcsMessage message, ReadOnlySpan<byte> rawMessage, IGbcsMessageSecurity? security, string? serviceReferenceVariant)
    {
        if (serviceReferenceVariant is not null && message.UseCase is { } entry && entry.Variant is not null)
        {
            var codeAt = 0;
            foreach (var f in message.Fields)
                if (f.Name == "Message Code") codeAt = f.Offset;
            var serving = MessageCodes.Serving(entry, serviceReferenceVariant)
                ?? throw OctetReader.Fail(codeAt, $"a Message Code serving SR {serviceReferenceVariant}, found 0x{entry.Code:X4} ({entry.UseCase}), which serves SR {string.Join(", ", MessageCodes.Variants(entry))}");
            message = message with { UseCase = serving };
        }
        if (message.Payload is UnreadPayload)
            throw OctetReader.Fail(message.Payload.Offset, "a message parsed in full (GbcsParser.Parse), not only its frame");
        if (message.Header.Cra == CraFlag.Command)
            throw OctetReader.Fail(message.Fields[0].Offset, "a response or alert (CRA Flag 2 or 3): a command has no MMC document");
        IReadOnlyList<byte[]> plaintexts = [];
        if (security is not null)
        {
            if (rawMessage.IsEmpty) throw OctetReader.Fail(0, "the message's octets as received, to verify them");
            var opening = security.Open(rawMessage);
            if (opening.Problem is { } problem)
                throw OctetReader.Fail(message.SignedOffset, $"a message whose MAC, signature and encrypted payloads verify with the keys given, but {problem}");
            plaintexts = opening.Plaintexts;
        }
        // One buffer per thread, kept between documents (a large read's document is tens of kilobytes, and allocating a builder
        // for each was a third of its rendering); first sized at about twelve characters per content octet.
        var buffer = t_buffer ?? new char[Math.Max(2048, 12 * message.Content.Length)];
        t_buffer = null;
        var w = new MmcWriter(buffer.Length >= 12 * message.Content.Length ? buffer : new char[12 * message.Content.Length]);
        try
        {
            w.WriteStartElement("GBCSResponse", Namespace);
            w.WriteAttributeString("schemaVersion", SchemaVersion);
            WriteHeader(w, message);
            w.WriteStartElement("Body", Namespace);
            if (message.Header.Cra == CraFlag.Alert) WriteAlert(w, message, rawMessage, plaintexts);
            else WriteResponse(w, message, rawMessage, plaintexts);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        catch (ArgumentException e)
        {
            // A device's text field holding characters XML 1.0 cannot carry: no document rather than an altered one.
            throw OctetReader.Fail(message.Payload.Offset, $"text an MMC document can carry in the payload ({e.Message})");
        }
        return w;
    }

    /// <summary>Keeps the writer's buffer for the thread's next document, if it is below the large-object heap's 85,000 octets.</summary>
    private static void Keep(MmcWriter w)
    {
        if (w.Buffer.Length <= MaxKeptBuffer) t_buffer = w.Buffer;
    }

    // Characters of two octets: a buffer of up to 42,000 is a small object still.
    private const int MaxKeptBuffer = 42_000;

    [ThreadStatic]
    private static char[]? t_buffer;

    private static void WriteHeader(MmcWriter w, ParsedGbcsMessage m)
    {
        var h = m.Header;
        w.WriteStartElement("Header", Namespace);
        Element(w, "BusinessOriginatorID", h.Originator.ToString());
        Element(w, "BusinessTargetID", h.Recipient.ToString());
        Element(w, "OriginatorCounter", h.OriginatorCounter.ToString(CultureInfo.InvariantCulture));
        if (h.SupplementaryRemotePartyId is { } party) Element(w, "SupplementaryRemotePartyID", party.ToString());
        if (h.SupplementaryRemotePartyCounter is { } rc) Element(w, "SupplementaryRemotePartyCounter", rc.ToString(CultureInfo.InvariantCulture));
        if (h.SupplementaryOriginatorCounter is { } sc) Element(w, "SupplementaryOriginatorCounter", sc.ToString(CultureInfo.InvariantCulture));
        Element(w, "GBCSHexadecimalMessageCode", h.MessageCode.ToString("X4", CultureInfo.InvariantCulture));
        if (m.UseCase?.Variant is { } variant && h.Cra == CraFlag.Response)
        {
            Element(w, "ServiceReference", ServiceReferenceVariant.Parse(variant).Reference.ToString());
            Element(w, "ServiceReferenceVariant", variant);
        }
        if (h.DateTime is { } at)
        {
            w.WriteStartElement("Timestamp", Namespace);
            // Clock status (IEC 62056-6-2): 0x04 different clock base = the GSME's clock, read via the GPF; 0x01 invalid; 0x02 doubtful.
            if (h.ClockStatus is { } status and not 0xFF)
            {
                w.WriteAttributeString("isFromGSME", (status & 0x04) != 0 ? "true" : "false");
                w.WriteAttributeString("ClockStatus", (status & 0x01) != 0 ? "invalid" : (status & 0x02) != 0 ? "unreliable" : "reliable");
            }
            w.WriteString(DateTimeText(at));
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void WriteResponse(MmcWriter w, ParsedGbcsMessage m, ReadOnlySpan<byte> raw, IReadOnlyList<byte[]> plaintexts)
    {
        w.WriteStartElement("ResponseMessage", Namespace);
        var encrypted = IsEncrypted(m.Payload);
        if (encrypted) WriteGbcsData(w, m, raw, plaintexts);
        if (encrypted && MmcFields.Opened(m, plaintexts) is { } opened)
        {
            m = opened;
            encrypted = false;
        }
        if (m.UseCase?.MmcElement is { } element)
        {
            w.WriteStartElement("SMETSData", Namespace);
            w.WriteStartElement(element, Namespace);
            if (Success(m.Payload) is { } success) w.WriteAttributeString("MessageSuccess", success ? "true" : "false");
            MmcFields.Write(w, element, m, values: !encrypted, plaintexts);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        WriteDebug(w, m.Payload);
        w.WriteEndElement();
    }

    private static void WriteAlert(MmcWriter w, ParsedGbcsMessage m, ReadOnlySpan<byte> raw, IReadOnlyList<byte[]> plaintexts)
    {
        var (code, at) = AlertCodeAndTime(m);
        w.WriteStartElement("DeviceAlertMessage", Namespace);
        if (IsEncrypted(m.Payload)) WriteGbcsData(w, m, raw, plaintexts);
        w.WriteStartElement("DeviceAlertContent", Namespace);
        Element(w, "GBCSHexAlertCode", code.ToString("X4", CultureInfo.InvariantCulture));
        Element(w, "AlertDescription", MmcStatus.Alert(code));
        Element(w, "Timestamp", DateTimeText(at));
        MmcAlerts.WritePayload(w, code, m, plaintexts);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>The alert code and time each encoding carries (DLMS: the notification's first two items; GBZ: the alert header; ASN.1: the alert SEQUENCE's INTEGER and GeneralizedTime).</summary>
    private static (ushort Code, DateTimeOffset At) AlertCodeAndTime(ParsedGbcsMessage m)
    {
        switch (m.Payload)
        {
            case DlmsDataNotification n when n.AlertCode is { } code:
                return (code, n.AlertDateTime ?? m.Header.DateTime ?? throw OctetReader.Fail(n.Body.Offset, "the alert's date-time (an octet-string of 12)"));
            case DlmsDataNotification n:
                throw OctetReader.Fail(n.Body.Offset, "an alert body structure starting with the alert code (long-unsigned)");
            case GbzPayload { Alert: { } alert }:
                return (alert.AlertCode, alert.Timestamp);
            case Asn1Payload { Root: { Constructed: true, Children: [{ TagNumber: Asn1Node.Integer } c, { TagNumber: Asn1Node.GeneralizedTime } t, ..] } }:
                if (!DateTimeOffset.TryParseExact(Encoding.ASCII.GetString(t.Value.Span), "yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
                    throw OctetReader.Fail(t.Offset, "a GeneralizedTime of the form YYYYMMDDhhmmssZ");
                return ((ushort)c.AsInteger(), time);
            default:
                throw OctetReader.Fail(m.Payload.Offset, "an alert code and time (DLMS data-notification, GBZ alert header or ASN.1 alert SEQUENCE)");
        }
    }

    private static bool IsEncrypted(GbcsPayload payload) => payload switch
    {
        GbzPayload g => g.Components.Any(c => c.Encrypted),
        DlmsAccessResponse { Data: DlmsItems items } => AnyCipheredOctets(items),
        DlmsAccessResponse r => r.Data.Any(HasCipheredOctets),
        DlmsDataNotification n => HasCipheredOctets(n.Body),
        _ => false,
    };

    private static bool AnyCipheredOctets(DlmsItems items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var c = new DlmsCursor(items.Raw(i));
            if (HasCipheredOctets(ref c)) return true;
        }
        return false;
    }

    /// <summary><see cref="HasCipheredOctets(DlmsData)"/> read in place (the cursor passes the value either way).</summary>
    private static bool HasCipheredOctets(ref DlmsCursor c)
    {
        var type = c.Next;
        if (type is DlmsType.Array or DlmsType.Structure && c.TryEnter(type, out var n))
        {
            // Once found, the cursor's position no longer matters.
            for (var i = 0; i < n; i++)
                if (HasCipheredOctets(ref c)) return true;
            return false;
        }
        if (type == DlmsType.OctetString && c.TryOctets(out var octets)) return Ciphered(octets);
        c.Skip();
        return false;
    }

    private static bool Ciphered(ReadOnlySpan<byte> o) => o.Length >= 17 && o[0] is 0x30 or 0x31 && o.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);

    /// <summary>GBCS 7.2.?: an encrypted DLMS item is an octet-string opening with security control 0x30/0x31 (encryption, with or without authentication) and an invocation counter.</summary>
    private static bool HasCipheredOctets(DlmsData d) => d.Type switch
    {
        // Printable text (an MPAN's digits start with 0x31 too) is not ciphertext.
        DlmsType.OctetString => Ciphered(d.Octets.Span),
        DlmsType.Array or DlmsType.Structure => d.Items.Any(HasCipheredOctets),
        _ => false,
    };

    /// <summary>
    /// Encrypted content: without keys the whole message, encrypted, for a second pass; with them each
    /// decrypted payload, plain (DLMS protected attributes as dlms, GBZ components as zigbeePlain).
    /// </summary>
    private static void WriteGbcsData(MmcWriter w, ParsedGbcsMessage m, ReadOnlySpan<byte> raw, IReadOnlyList<byte[]> plaintexts)
    {
        var name = m.UseCase?.UseCase ?? m.Header.MessageCode.ToString("X4", CultureInfo.InvariantCulture);
        if (plaintexts.Count == 0)
        {
            GbcsData(w, "encrypted", 0, name, "gbcs", raw.IsEmpty ? m.Content.Span : raw);
            return;
        }
        var type = m.Payload.Kind == GbcsPayloadKind.Gbz ? "zigbeePlain" : "dlms";
        for (var i = 0; i < plaintexts.Count && i < 100; i++) GbcsData(w, "plain", i, name, type, plaintexts[i]);
    }

    private static void GbcsData(MmcWriter w, string format, int sequence, string name, string type, ReadOnlySpan<byte> octets)
    {
        w.WriteStartElement("GBCSData", Namespace);
        w.WriteAttributeString("format", format);
        w.WriteAttributeString("sequence", sequence.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("name", name);
        w.WriteAttributeString("type", type);
        w.WriteString(Convert.ToBase64String(octets));
        w.WriteEndElement();
    }

    private static bool? Success(GbcsPayload payload) => payload switch
    {
        DlmsAccessResponse r => r.Success,
        GbzPayload g => g.Components.All(c => c.Frame is not { } f || (f.DefaultResponse?.Status ?? 0) == 0 && (f.Attributes?.All(a => a.Status == 0) ?? true)),
        _ => null,
    };

    /// <summary>DebugInfo: each COSEM item's result, or each ZCL command's and attribute's status (MMC COSEMDebug, ZIGBEEDebug).</summary>
    private static void WriteDebug(MmcWriter w, GbcsPayload payload)
    {
        if (payload is DlmsAccessResponse { Results.Count: > 0 } r)
        {
            w.WriteStartElement("DebugInfo", Namespace);
            w.WriteStartElement("COSEMDebug", Namespace);
            var position = 0;
            foreach (var result in r.Results)
            {
                w.WriteStartElement("COSEMResponse", Namespace);
                w.WriteAttribute("ResponseCode", result.Result);
                w.WriteAttribute("Position", ++position);
                if (result.Access == CosemAccess.Action) Element(w, "ActionResult", MmcStatus.ActionResult(result.Result));
                else Element(w, "DataAccessResult", MmcStatus.DataAccessResult(result.Result));
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        else if (payload is GbzPayload g && g.Components.Any(c => c.Frame is { } f && (f.DefaultResponse is not null || f.Attributes is { Count: > 0 })))
        {
            w.WriteStartElement("DebugInfo", Namespace);
            w.WriteStartElement("ZIGBEEDebug", Namespace);
            foreach (var c in g.Components)
            {
                if (c.Frame is not { } f || (f.DefaultResponse is null && f.Attributes is not { Count: > 0 })) continue;
                w.WriteStartElement("ZIGBEEClusterResponse", Namespace);
                w.WriteStartElement("ClusterName", Namespace);
                w.WriteAttributeString("id", c.ClusterId.ToString("X4", CultureInfo.InvariantCulture));
                w.WriteString(MmcStatus.Cluster(c.ClusterId));
                w.WriteEndElement();
                if (f.DefaultResponse is { } d)
                    ZclStatus(w, "ZIGBEECommandResponse", "CommandID", d.Command.ToString("X2", CultureInfo.InvariantCulture), d.Status);
                else
                    foreach (var a in f.Attributes!)
                        ZclStatus(w, "ZIGBEEDataResponse", "AttributeID", a.Id.ToString("X4", CultureInfo.InvariantCulture), a.Status);
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    private static void ZclStatus(MmcWriter w, string element, string idElement, string id, byte status)
    {
        w.WriteStartElement(element, Namespace);
        Element(w, idElement, id);
        w.WriteStartElement("Status", Namespace);
        w.WriteAttributeString("ResponseCode", status.ToString("X2", CultureInfo.InvariantCulture));
        Element(w, "ZCLStatus", MmcStatus.Zcl(status));
        w.WriteEndElement();
        w.WriteEndElement();
    }

    internal static void Element(MmcWriter w, string name, string value)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteString(value);
        w.WriteEndElement();
    }

    internal static void Element(MmcWriter w, string name, long value)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteValue(value);
        w.WriteEndElement();
    }

    internal static string DateTimeText(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
