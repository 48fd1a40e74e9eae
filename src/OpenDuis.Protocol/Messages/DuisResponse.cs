using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Protocol.Messages.DuisXml;

namespace OpenDuis.Protocol.Messages;

/// <summary>The four bodies a DUIS response may carry (XSD sr:Response/Body choice).</summary>
public enum ResponseBodyKind
{
    /// <summary>Acknowledgement, device or Non-Device Service Response.</summary>
    ResponseMessage,
    DeviceAlertMessage,
    DccAlertMessage,
    Smets1ResponseMessage,
}

/// <summary>sr:ResponseMessage: the Service Reference and Variant answered, and the data if any.</summary>
/// <param name="Payload">The ResponseMessage's data element (DSPInventory, GBCSPayload, PreCommand…), if present.</param>
public sealed record ResponseMessage(ServiceReference ServiceReference, ServiceReferenceVariant ServiceReferenceVariant, XmlElement? Payload)
{
    /// <summary>The sr:ResponseMessage data elements of the DUIS 5.4 XSD.</summary>
    public static readonly IReadOnlySet<string> PayloadElements = new HashSet<string>(StringComparer.Ordinal)
    {
        "CINMessage", "DSPInventory", "DSPOptIn", "DSPSchedulesRead", "DSPScheduledMessage", "DSPScheduleID",
        "DSPUpdateFirmwareWarning", "DSPUpdatePPMIDFirmwareWarning", "DSPWANMatrix", "FutureDatedDeviceAlertMessage",
        "GBCSPayload", "LocalCommand", "PreCommand",
    };
}

/// <summary>sr:DCCAlertMessage: the alert code, throttling data and the alert body of the code's format.</summary>
public sealed record DccAlert(DccAlertCode Code, XmlElement Content, uint? ThrottledAlertSequenceId = null, uint? ThrottledAlertCount = null);

/// <summary>sr:DeviceAlertMessage: a Device Alert the DCC forwards, with its GBCS alert code.</summary>
public sealed record DeviceAlert(ushort AlertCode, ReadOnlyMemory<byte> GbcsPayload, uint? ThrottledAlertSequenceId = null, uint? ThrottledAlertCount = null);

/// <summary>
/// A DUIS response (XSD sr:Response, R-MSG-1): Acknowledgements, Service Responses (device and
/// Non-Device), Device Alerts and DCC Alerts. The body element is carried as XML; the typed views
/// (<see cref="Message"/>, <see cref="Alert"/>, <see cref="DeviceAlert"/>) are read from it.
/// </summary>
public sealed class DuisResponse
{
    private readonly IReadOnlyList<RootAttribute>? _rootAttributes;
    private readonly string? _responseDateTimeText;

    private DuisResponse(DuisSchemaVersion schemaVersion, RequestId? requestId, RequestId? responseId, ResponseCode responseCode,
        DateTimeOffset responseDateTime, ResponseBodyKind kind, XmlElement? body, ResponseMessage? message, DccAlert? alert,
        DeviceAlert? deviceAlert, XmlElement? signature, IReadOnlyList<RootAttribute>? rootAttributes, string? responseDateTimeText,
        DevicePayload? device = null, AlertBody? alertBody = null)
    {
        SchemaVersion = schemaVersion;
        RequestId = requestId;
        ResponseId = responseId;
        ResponseCode = responseCode;
        ResponseDateTime = responseDateTime;
        BodyKind = kind;
        _body = body;
        _message = message;
        _device = device;
        _alert = alert;
        _alertBody = alertBody;
        DeviceAlert = deviceAlert;
        Signature = signature;
        _rootAttributes = rootAttributes;
        _responseDateTimeText = responseDateTimeText;
    }

    public DuisSchemaVersion SchemaVersion { get; }
    public RequestId? RequestId { get; }
    /// <summary>sr:ResponseID (same form as a Request ID: originator:target:counter).</summary>
    public RequestId? ResponseId { get; }
    public ResponseCode ResponseCode { get; }
    public DateTimeOffset ResponseDateTime { get; }
    public ResponseBodyKind BodyKind { get; }

    // Null for a built response until asked for: ToXmlDocument then writes the body straight into
    // the output document, so an acknowledgement costs one DOM, not two.
    private XmlElement? _body;

    /// <summary>The one child element of sr:Body, as read or built.</summary>
    public XmlElement Body => _body ??= WriteBody(new XmlDocument());

    private ResponseMessage? _message;
    // A device's GBCS response as octets: written straight into the signed bytes, and made an element only if asked for.
    private readonly DevicePayload? _device;

    public ResponseMessage? Message => _message ??= _device?.ToMessage();
    private DccAlert? _alert;
    // A DCC Alert's typed body: written straight into the signed bytes, and made an element only if asked for.
    private readonly AlertBody? _alertBody;

    public DccAlert? Alert => _alert ??= _alertBody?.ToAlert();
    public DeviceAlert? DeviceAlert { get; }
    public XmlElement? Signature { get; }

    /// <summary>An Acknowledgement: a ResponseMessage without data, coded I99 or an error (DUIS 3.5).</summary>
    public bool IsAcknowledgement => BodyKind == ResponseBodyKind.ResponseMessage && _device is null && Message?.Payload is null
        && (ResponseCode == ResponseCode.I99 || ResponseCode.Type != ResponseCodeType.Information);

    public static DuisResponse Read(XmlDocument document) =>
        TryRead(document, out var response, out var problem) ? response : throw problem.ToException();

    public static bool TryRead(XmlDocument document, [NotNullWhen(true)] out DuisResponse? response, [NotNullWhen(false)] out DuisFormatProblem? problem)
    {
        response = null;
        var root = document.DocumentElement;
        if (root is null || !IsSr(root, "Response"))
        {
            problem = new DuisFormatProblem(DuisFormatError.WrongDocumentElement, root?.Name ?? "(none)",
                $"the document element must be sr:Response in {DuisNamespaces.ServiceUserGateway}");
            return false;
        }
        var versionText = root.GetAttributeNode("schemaVersion")?.Value;
        if (versionText is null) { problem = new DuisFormatProblem(DuisFormatError.MissingSchemaVersion, root.Name, "the schemaVersion attribute is missing"); return false; }
        if (!DuisSchemaVersion.TryParse(versionText, out var version))
        {
            problem = new DuisFormatProblem(DuisFormatError.InvalidSchemaVersion, root.Name + "/@schemaVersion", $"'{versionText}' is not a schema version such as 5.4");
            return false;
        }

        var top = new Children(root);
        var header = top.Next();
        if (header is null || !IsSr(header, "Header")) { problem = top.Problem ?? Missing(root, "Header", header); return false; }
        var bodyWrapper = top.Next();
        if (bodyWrapper is null || !IsSr(bodyWrapper, "Body")) { problem = top.Problem ?? Missing(root, "Body", bodyWrapper); return false; }
        var signature = top.Next();
        if (signature is not null && !(signature.LocalName == "Signature" && signature.NamespaceURI == DuisNamespaces.XmlDsig)) { problem = Unexpected(signature); return false; }
        if (top.Next() is { } extra) { problem = Unexpected(extra); return false; }
        if (top.Problem is not null) { problem = top.Problem; return false; }

        // Header: RequestID?, ResponseID?, ResponseCode, ResponseDateTime.
        var h = new Children(header);
        var e = h.Next();
        RequestId? requestId = null, responseId = null;
        if (h.NextIf(ref e, "RequestID") is { } idElement)
        {
            if (!Domain.RequestId.TryParse(Text(idElement), out var id)) { problem = Invalid(DuisFormatError.InvalidRequestId, idElement, "a Request ID (originatorEUI:targetEUI:counter)"); return false; }
            requestId = id;
        }
        if (h.NextIf(ref e, "ResponseID") is { } responseIdElement)
        {
            if (!Domain.RequestId.TryParse(Text(responseIdElement), out var id)) { problem = Invalid(DuisFormatError.InvalidResponseId, responseIdElement, "a Response ID (originatorEUI:targetEUI:counter)"); return false; }
            responseId = id;
        }
        var codeElement = h.NextIf(ref e, "ResponseCode");
        if (codeElement is null) { problem = h.Problem ?? Missing(header, "ResponseCode", e); return false; }
        if (!ResponseCode.TryParse(Text(codeElement), out var code)) { problem = Invalid(DuisFormatError.InvalidResponseCode, codeElement, "a Response Code of the DUIS XSD"); return false; }
        var timeElement = h.NextIf(ref e, "ResponseDateTime");
        if (timeElement is null) { problem = h.Problem ?? Missing(header, "ResponseDateTime", e); return false; }
        var timeText = Text(timeElement);
        if (!TryParseDateTime(timeText, out var at)) { problem = Invalid(DuisFormatError.InvalidDateTime, timeElement, "an xs:dateTime"); return false; }
        if (e is not null) { problem = Unexpected(e); return false; }
        if (h.Problem is not null) { problem = h.Problem; return false; }

        var b = new Children(bodyWrapper);
        var body = b.Next();
        if (body is null) { problem = b.Problem ?? new DuisFormatProblem(DuisFormatError.EmptyBody, Path(bodyWrapper), "sr:Body holds no response element"); return false; }
        if (b.Next() is { } second) { problem = new DuisFormatProblem(DuisFormatError.MultipleBodyElements, Path(second), $"sr:Body holds more than one element ({body.Name}, {second.Name})"); return false; }
        if (b.Problem is not null) { problem = b.Problem; return false; }

        ResponseMessage? message = null;
        DccAlert? alert = null;
        DeviceAlert? deviceAlert = null;
        ResponseBodyKind kind;
        if (IsSr(body, "ResponseMessage")) { kind = ResponseBodyKind.ResponseMessage; problem = ReadResponseMessage(body, out message); }
        else if (IsSr(body, "DCCAlertMessage")) { kind = ResponseBodyKind.DccAlertMessage; problem = ReadDccAlert(body, out alert); }
        else if (IsSr(body, "DeviceAlertMessage")) { kind = ResponseBodyKind.DeviceAlertMessage; problem = ReadDeviceAlert(body, out deviceAlert); }
        else if (IsSr(body, "SMETS1ResponseMessage")) { kind = ResponseBodyKind.Smets1ResponseMessage; problem = null; }
        else { problem = Unexpected(body); return false; }
        if (problem is not null) return false;

        response = new DuisResponse(version, requestId, responseId, code, at, kind, body, message, alert, deviceAlert, signature, CarriedAttributes(root), timeText);
        return true;
    }

    private static DuisFormatProblem? ReadResponseMessage(XmlElement body, out ResponseMessage? message)
    {
        message = null;
        var c = new Children(body);
        var e = c.Next();
        var srElement = c.NextIf(ref e, "ServiceReference");
        if (srElement is null) return c.Problem ?? Missing(body, "ServiceReference", e);
        if (!Domain.ServiceReference.TryParse(Text(srElement), out var sr)) return Invalid(DuisFormatError.UnknownServiceReference, srElement, "a DUIS Service Reference");
        var srvElement = c.NextIf(ref e, "ServiceReferenceVariant");
        if (srvElement is null) return c.Problem ?? Missing(body, "ServiceReferenceVariant", e);
        if (!Domain.ServiceReferenceVariant.TryParse(Text(srvElement), out var srv)) return Invalid(DuisFormatError.UnknownServiceReferenceVariant, srvElement, "a DUIS Service Reference Variant");
        var payload = e;
        if (payload is not null && c.Next() is { } extra) return Unexpected(extra);
        if (c.Problem is not null) return c.Problem;
        message = new ResponseMessage(sr, srv, payload);
        return null;
    }

    private static DuisFormatProblem? ReadDccAlert(XmlElement body, out DccAlert? alert)
    {
        alert = null;
        var c = new Children(body);
        var e = c.Next();
        var codeElement = c.NextIf(ref e, "DCCAlertCode");
        if (codeElement is null) return c.Problem ?? Missing(body, "DCCAlertCode", e);
        if (!DccAlertCode.TryParse(Text(codeElement), out var code)) return Invalid(DuisFormatError.InvalidDccAlertCode, codeElement, "a DCC Alert Code (AD1, N1–N65, N999)");
        var problem = ReadThrottling(ref c, ref e, out var sequenceId, out var count);
        if (problem is not null) return problem;
        var wrapper = c.NextIf(ref e, "DCCAlert");
        if (wrapper is null) return c.Problem ?? Missing(body, "DCCAlert", e);
        if (e is not null) return Unexpected(e);
        var inner = new Children(wrapper);
        var content = inner.Next();
        if (content is null) return inner.Problem ?? new DuisFormatProblem(DuisFormatError.EmptyBody, Path(wrapper), "sr:DCCAlert holds no alert element");
        if (inner.Next() is { } extra) return Unexpected(extra);
        alert = new DccAlert(code, content, sequenceId, count);
        return inner.Problem;
    }

    private static DuisFormatProblem? ReadDeviceAlert(XmlElement body, out DeviceAlert? alert)
    {
        alert = null;
        var c = new Children(body);
        var e = c.Next();
        var codeElement = c.NextIf(ref e, "AlertCode");
        if (codeElement is null) return c.Problem ?? Missing(body, "AlertCode", e);
        var codeText = Text(codeElement).Trim();
        if (codeText.Length != 4 || !ushort.TryParse(codeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var alertCode))
            return Invalid(DuisFormatError.InvalidValue, codeElement, "a two-byte hexadecimal alert code");
        var problem = ReadThrottling(ref c, ref e, out var sequenceId, out var count);
        if (problem is not null) return problem;
        var payload = c.NextIf(ref e, "GBCSPayload");
        if (payload is null) return c.Problem ?? Missing(body, "GBCSPayload", e);
        if (e is not null) return Unexpected(e);
        byte[] bytes;
        try { bytes = Convert.FromBase64String(Text(payload)); }
        catch (FormatException) { return Invalid(DuisFormatError.InvalidValue, payload, "base64"); }
        alert = new DeviceAlert(alertCode, bytes, sequenceId, count);
        return c.Problem;
    }

    private static DuisFormatProblem? ReadThrottling(ref Children c, ref XmlElement? e, out uint? sequenceId, out uint? count)
    {
        sequenceId = count = null;
        if (c.NextIf(ref e, "ThrottledAlertSequenceId") is { } s)
        {
            if (!uint.TryParse(Text(s), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return Invalid(DuisFormatError.InvalidValue, s, "an xs:unsignedInt");
            sequenceId = v;
        }
        if (c.NextIf(ref e, "ThrottledAlertCount") is { } n)
        {
            if (!uint.TryParse(Text(n), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return Invalid(DuisFormatError.InvalidValue, n, "an xs:unsignedInt");
            count = v;
        }
        return null;
    }

    /// <summary>Writes the response as a new document with the <c>sr</c>/<c>ra</c> prefixes DCC Boxed uses.</summary>
    public XmlDocument ToXmlDocument()
    {
        var (doc, root) = NewDocument("Response", _rootAttributes);
        root.SetAttribute("schemaVersion", SchemaVersion.ToString());
        var header = AppendSr(root, "Header");
        if (RequestId is { } requestId) AppendSr(header, "RequestID", requestId.ToString());
        if (ResponseId is { } responseId) AppendSr(header, "ResponseID", responseId.ToString());
        AppendSr(header, "ResponseCode", ResponseCode.Code);
        AppendSr(header, "ResponseDateTime", _responseDateTimeText ?? FormatDateTime(ResponseDateTime));
        AppendSr(root, "Body").AppendChild(_body is null ? WriteBody(doc) : Import(doc, _body));
        if (Signature is not null) root.AppendChild(Import(doc, Signature));
        return doc;
    }

    /// <summary>
    /// The response signed with <paramref name="key"/> as UTF-8: what <see cref="Signing.DuisSigner.SignAndSerialise"/>
    /// writes for <see cref="ToXmlDocument"/> but for the (randomised) signature value. A response OpenDUIS
    /// built (acknowledgement, Service Response, device response, Device or DCC Alert) is written from its
    /// inclusive canonical form (C14N 1.0) without a document: the fixed parts as precomputed fragments, the
    /// values escaped as C14N escapes them, and a carried element (a payload, an alert body) by the
    /// canonicaliser that the document path would run over it, all into the thread's pooled buffer.
    /// </summary>
    public byte[] ToSignedBytes(Keys.SigningKey key)
    {
        if (!IsBuilt) return Signing.DuisSigner.SignToBytes(ToXmlDocument(), key);
        var c = Signing.DuisSignatureVerifier.ThreadCanonicalizer;
        c.BeginFragments(DocumentElementBindings);
        WriteCanonical(c);
        return Signing.DuisSigner.SignCanonical(c.Written, "</sr:Response>"u8, declared: false, key);
    }

    /// <summary>
    /// <see cref="ToSignedBytes"/> written into a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>
    /// (its first <paramref name="length"/> bytes), for an answer written once and given back: the caller returns it.
    /// </summary>
    public byte[] ToSignedPooled(Keys.SigningKey key, out int length)
    {
        if (!IsBuilt)
        {
            var bytes = ToSignedBytes(key);
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
            bytes.CopyTo(rented, 0);
            length = bytes.Length;
            return rented;
        }
        var c = Signing.DuisSignatureVerifier.ThreadCanonicalizer;
        c.BeginFragments(DocumentElementBindings);
        WriteCanonical(c);
        return Signing.DuisSigner.SignCanonical(c.Written, "</sr:Response>"u8, declared: false, key, pooled: true, out length);
    }

    // What NewDocument declares on the document element of a built response, in C14N order (by prefix).
    private static readonly (string, string)[] DocumentElementBindings =
    [
        (DuisNamespaces.ResponseAndAlertPrefix, DuisNamespaces.ResponseAndAlert),
        (DuisNamespaces.ServiceUserGatewayPrefix, DuisNamespaces.ServiceUserGateway),
    ];

    private static readonly byte[] ResponseOpen = System.Text.Encoding.UTF8.GetBytes(
        "<sr:Response xmlns:ra=\"" + DuisNamespaces.ResponseAndAlert + "\" xmlns:sr=\"" + DuisNamespaces.ServiceUserGateway + "\" schemaVersion=\"");

    // Built by a Create method: nothing carried from a message that was read (its document element's
    // attributes, its date-time's text, its signature), so ToXmlDocument's document is known in advance.
    private bool IsBuilt => _rootAttributes is null && _responseDateTimeText is null && Signature is null;

    /// <summary>The inclusive canonical form of what <see cref="ToXmlDocument"/> builds for a built response.</summary>
    private void WriteCanonical(Signing.Canonicalizer c)
    {
        c.Append(ResponseOpen);
        c.AppendText(SchemaVersion.ToString());
        c.Append("\"><sr:Header>"u8);
        if (RequestId is { } requestId)
        {
            c.Append("<sr:RequestID>"u8);
            AppendRequestId(c, requestId);
            c.Append("</sr:RequestID>"u8);
        }
        if (ResponseId is { } responseId)
        {
            c.Append("<sr:ResponseID>"u8);
            AppendRequestId(c, responseId);
            c.Append("</sr:ResponseID>"u8);
        }
        c.Append("<sr:ResponseCode>"u8);
        c.AppendText(ResponseCode.Code);
        c.Append("</sr:ResponseCode><sr:ResponseDateTime>"u8);
        c.AppendFormatted(ResponseDateTime.UtcDateTime, DateTimeFormat);
        c.Append("</sr:ResponseDateTime></sr:Header><sr:Body>"u8);
        if (_device is { } device)
        {
            c.Append("<sr:ResponseMessage>"u8);
            AppendReference(c, device.Reference, device.Variant);
            if (device.GbcsVersion is { } gbcsVersion)
            {
                c.Append("<sr:PreCommand><sr:GBCSVersion>"u8);
                c.AppendText(gbcsVersion);
                c.Append("</sr:GBCSVersion><sr:GBCSPayload>"u8);
                c.AppendBase64(device.Gbcs.Span);
                c.Append("</sr:GBCSPayload></sr:PreCommand>"u8);
            }
            else if (device.DspScheduleId is { } schedule)
            {
                c.Append("<sr:DSPScheduledMessage><sr:GBCSPayload>"u8);
                c.AppendBase64(device.Gbcs.Span);
                c.Append("</sr:GBCSPayload><sr:DSPScheduleID>"u8);
                c.AppendFormatted(schedule);
                c.Append("</sr:DSPScheduleID></sr:DSPScheduledMessage>"u8);
            }
            else
            {
                c.Append("<sr:GBCSPayload>"u8);
                c.AppendBase64(device.Gbcs.Span);
                c.Append("</sr:GBCSPayload>"u8);
            }
            c.Append("</sr:ResponseMessage>"u8);
        }
        else if (Message is { } m)
        {
            c.Append("<sr:ResponseMessage>"u8);
            AppendReference(c, m.ServiceReference, m.ServiceReferenceVariant);
            if (m.Payload is { } payload) c.AppendElement(payload);
            c.Append("</sr:ResponseMessage>"u8);
        }
        else if (_alertBody is { } typed)
        {
            AppendDccAlertOpening(c, typed.Code, typed.ThrottledAlertSequenceId, typed.ThrottledAlertCount);
            typed.Body.WriteCanonical(c);
            c.Append("</sr:DCCAlert></sr:DCCAlertMessage>"u8);
        }
        else if (Alert is { } a)
        {
            AppendDccAlertOpening(c, a.Code, a.ThrottledAlertSequenceId, a.ThrottledAlertCount);
            c.AppendElement(a.Content);
            c.Append("</sr:DCCAlert></sr:DCCAlertMessage>"u8);
        }
        else if (DeviceAlert is { } d)
        {
            c.Append("<sr:DeviceAlertMessage><sr:AlertCode>"u8);
            c.AppendFormatted(d.AlertCode, "X4");
            c.Append("</sr:AlertCode>"u8);
            AppendThrottling(c, d.ThrottledAlertSequenceId, d.ThrottledAlertCount);
            c.Append("<sr:GBCSPayload>"u8);
            c.AppendBase64(d.GbcsPayload.Span);
            c.Append("</sr:GBCSPayload></sr:DeviceAlertMessage>"u8);
        }
        else c.AppendElement(Body); // sr:SMETS1ResponseMessage, carried as an element
        c.Append("</sr:Body></sr:Response>"u8);
    }

    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static void AppendReference(Signing.Canonicalizer c, ServiceReference reference, ServiceReferenceVariant variant)
    {
        c.Append("<sr:ServiceReference>"u8);
        c.AppendText(reference.ToString());
        c.Append("</sr:ServiceReference><sr:ServiceReferenceVariant>"u8);
        c.AppendText(variant.ToString());
        c.Append("</sr:ServiceReferenceVariant>"u8);
    }

    /// <summary>A DCC Alert's message up to its body, the same whether the body is typed or an element.</summary>
    private static void AppendDccAlertOpening(Signing.Canonicalizer c, DccAlertCode code, uint? throttledAlertSequenceId, uint? throttledAlertCount)
    {
        c.Append("<sr:DCCAlertMessage><sr:DCCAlertCode>"u8);
        c.AppendText(code.Code);
        c.Append("</sr:DCCAlertCode>"u8);
        AppendThrottling(c, throttledAlertSequenceId, throttledAlertCount);
        c.Append("<sr:DCCAlert>"u8);
    }

    private static void AppendThrottling(Signing.Canonicalizer c, uint? sequenceId, uint? count)
    {
        if (sequenceId is { } s)
        {
            c.Append("<sr:ThrottledAlertSequenceId>"u8);
            c.AppendFormatted(s);
            c.Append("</sr:ThrottledAlertSequenceId>"u8);
        }
        if (count is { } n)
        {
            c.Append("<sr:ThrottledAlertCount>"u8);
            c.AppendFormatted(n);
            c.Append("</sr:ThrottledAlertCount>"u8);
        }
    }

    // originator:target:counter, as RequestId.ToString writes it, without the string.
    private static void AppendRequestId(Signing.Canonicalizer c, RequestId id)
    {
        Span<char> text = stackalloc char[2 * Eui.TextLength + 2 + 20];
        id.Originator.TryFormat(text, out var at, default, null);
        text[at++] = ':';
        id.Target.TryFormat(text[at..], out var written, default, null);
        at += written;
        text[at++] = ':';
        id.Counter.TryFormat(text[at..], out written, default, CultureInfo.InvariantCulture);
        c.AppendText(text[..(at + written)]);
    }

    /// <summary>The same response without its signature (the input to signing).</summary>
    public DuisResponse WithoutSignature() =>
        new(SchemaVersion, RequestId, ResponseId, ResponseCode, ResponseDateTime, BodyKind, _body, _message, _alert, DeviceAlert, null, _rootAttributes, _responseDateTimeText, _device, _alertBody);

    /// <summary>Writes the body of a built response from its typed values into <paramref name="doc"/>.</summary>
    private XmlElement WriteBody(XmlDocument doc)
    {
        if (Message is { } m)
        {
            var body = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "ResponseMessage", DuisNamespaces.ServiceUserGateway);
            AppendSr(body, "ServiceReference", m.ServiceReference.ToString());
            AppendSr(body, "ServiceReferenceVariant", m.ServiceReferenceVariant.ToString());
            if (m.Payload is not null) body.AppendChild(Import(doc, m.Payload));
            return body;
        }
        if (Alert is { } a)
        {
            var body = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "DCCAlertMessage", DuisNamespaces.ServiceUserGateway);
            AppendSr(body, "DCCAlertCode", a.Code.Code);
            if (a.ThrottledAlertSequenceId is { } s) AppendSr(body, "ThrottledAlertSequenceId", s.ToString(CultureInfo.InvariantCulture));
            if (a.ThrottledAlertCount is { } n) AppendSr(body, "ThrottledAlertCount", n.ToString(CultureInfo.InvariantCulture));
            AppendSr(body, "DCCAlert").AppendChild(Import(doc, a.Content));
            return body;
        }
        if (DeviceAlert is { } d)
        {
            var body = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "DeviceAlertMessage", DuisNamespaces.ServiceUserGateway);
            AppendSr(body, "AlertCode", d.AlertCode.ToString("X4", CultureInfo.InvariantCulture));
            if (d.ThrottledAlertSequenceId is { } s) AppendSr(body, "ThrottledAlertSequenceId", s.ToString(CultureInfo.InvariantCulture));
            if (d.ThrottledAlertCount is { } n) AppendSr(body, "ThrottledAlertCount", n.ToString(CultureInfo.InvariantCulture));
            AppendSr(body, "GBCSPayload", Convert.ToBase64String(d.GbcsPayload.Span));
            return body;
        }
        throw new InvalidOperationException($"A {BodyKind} body is only carried from a message that was read.");
    }

    // ---- Builders for what the DCC writes ----

    /// <summary>
    /// The synchronous Acknowledgement of a request (DUIS 3.5): I99 on acceptance, or the error code
    /// of the first failed check, naming the request's Service Reference and Variant.
    /// </summary>
    public static DuisResponse CreateAcknowledgement(DuisRequest request, ResponseCode code, DateTimeOffset at) =>
        CreateAcknowledgement(request.SchemaVersion, request.RequestId, request.ServiceReference, request.ServiceReferenceVariant, code, at);

    public static DuisResponse CreateAcknowledgement(DuisSchemaVersion schemaVersion, RequestId requestId, ServiceReference reference,
        ServiceReferenceVariant variant, ResponseCode code, DateTimeOffset at)
    {
        RequireApplicable(code, ResponseTypes.Acknowledgement, schemaVersion);
        if (code == ResponseCode.I0)
            throw new ArgumentException("An Acknowledgement is I99 or an error; I0 is for Service Responses (DUIS 3.5.10 Table 1).", nameof(code));
        return new DuisResponse(schemaVersion, requestId, null, code, at, ResponseBodyKind.ResponseMessage, null,
            new ResponseMessage(reference, variant, null), null, null, null, null, null);
    }

    /// <summary>
    /// A Service Response (I0 with data for a Non-Device request, a device response, a Pre-Command…):
    /// <paramref name="payload"/> is one of the sr:ResponseMessage data elements, or null.
    /// </summary>
    public static DuisResponse CreateServiceResponse(DuisSchemaVersion schemaVersion, RequestId requestId, RequestId? responseId,
        ResponseCode code, DateTimeOffset at, ServiceReference reference, ServiceReferenceVariant variant, XmlElement? payload)
    {
        RequireApplicable(code, ResponseTypes.ServiceResponse, schemaVersion);
        if (payload is not null && (payload.NamespaceURI != DuisNamespaces.ServiceUserGateway || !ResponseMessage.PayloadElements.Contains(payload.LocalName)))
            throw new ArgumentException($"{payload.Name} is not an sr:ResponseMessage data element ({string.Join(", ", ResponseMessage.PayloadElements)}).", nameof(payload));
        // A private copy, so later changes to the caller's element cannot alter the response.
        var carried = payload is null ? null : Carried(payload);
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.ResponseMessage, null,
            new ResponseMessage(reference, variant, carried), null, null, null, null, null);
    }

    /// <summary>
    /// A Device's response carried to the User (DUIS 3.5: I0, sr:GBCSPayload; for a DCC Schedule's command,
    /// sr:DSPScheduledMessage with the <paramref name="dspScheduleId"/>, DUIS 3.5.7): the GBCS octets are
    /// written as base64 straight into the signed message (<see cref="ToSignedBytes"/>), with no element built.
    /// </summary>
    public static DuisResponse CreateDeviceResponse(DuisSchemaVersion schemaVersion, RequestId requestId, RequestId responseId, DateTimeOffset at,
        ServiceReference reference, ServiceReferenceVariant variant, ReadOnlyMemory<byte> gbcsPayload, ulong? dspScheduleId = null)
    {
        RequireApplicable(ResponseCode.I0, ResponseTypes.ServiceResponse, schemaVersion);
        return new DuisResponse(schemaVersion, requestId, responseId, ResponseCode.I0, at, ResponseBodyKind.ResponseMessage, null, null, null, null, null, null, null,
            new DevicePayload(reference, variant, gbcsPayload, dspScheduleId));
    }

    /// <summary>
    /// The answer to a Transform (DUIS 3.4.2, 3.5.5): I0 with sr:PreCommand, the GBCS version and the Pre-Command the
    /// User is to sign, written as base64 straight into the signed message (<see cref="ToSignedBytes"/>).
    /// </summary>
    public static DuisResponse CreatePreCommandResponse(DuisSchemaVersion schemaVersion, RequestId requestId, DateTimeOffset at,
        ServiceReference reference, ServiceReferenceVariant variant, string gbcsVersion, ReadOnlyMemory<byte> preCommand)
    {
        RequireApplicable(ResponseCode.I0, ResponseTypes.ServiceResponse, schemaVersion);
        return new DuisResponse(schemaVersion, requestId, null, ResponseCode.I0, at, ResponseBodyKind.ResponseMessage, null, null, null, null, null, null, null,
            new DevicePayload(reference, variant, preCommand, null, gbcsVersion));
    }

    // The GBCS octets a response carries: sr:GBCSPayload, in sr:DSPScheduledMessage with a DSP Schedule ID, or in sr:PreCommand with a GBCS version.
    private sealed record DevicePayload(ServiceReference Reference, ServiceReferenceVariant Variant, ReadOnlyMemory<byte> Gbcs, ulong? DspScheduleId,
        string? GbcsVersion = null)
    {
        public ResponseMessage ToMessage()
        {
            var doc = new XmlDocument();
            var gbcs = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "GBCSPayload", DuisNamespaces.ServiceUserGateway);
            gbcs.AppendChild(doc.CreateTextNode(Convert.ToBase64String(Gbcs.Span)));
            var payload = gbcs;
            if (GbcsVersion is not null)
            {
                payload = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "PreCommand", DuisNamespaces.ServiceUserGateway);
                AppendSr(payload, "GBCSVersion", GbcsVersion);
                payload.AppendChild(gbcs);
            }
            else if (DspScheduleId is { } schedule)
            {
                payload = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "DSPScheduledMessage", DuisNamespaces.ServiceUserGateway);
                payload.AppendChild(gbcs);
                AppendSr(payload, "DSPScheduleID", schedule.ToString(CultureInfo.InvariantCulture));
            }
            return new ResponseMessage(Reference, Variant, payload);
        }
    }

    /// <summary>
    /// A SMETS1 Device's response (R-S1-1): I0 with <paramref name="smets1ResponseMessage"/>, the
    /// sr:SMETS1ResponseMessage carrying the S1SP's signed response (<see cref="Smets1Response"/>).
    /// </summary>
    public static DuisResponse CreateSmets1Response(DuisSchemaVersion schemaVersion, RequestId requestId, RequestId? responseId,
        ResponseCode code, DateTimeOffset at, XmlElement smets1ResponseMessage)
    {
        RequireApplicable(code, ResponseTypes.ServiceResponse, schemaVersion);
        if (smets1ResponseMessage.LocalName != "SMETS1ResponseMessage" || smets1ResponseMessage.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            throw new ArgumentException($"{smets1ResponseMessage.Name} is not an sr:SMETS1ResponseMessage.", nameof(smets1ResponseMessage));
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.Smets1ResponseMessage,
            Carried(smets1ResponseMessage), null, null, null, null, null, null);
    }

    /// <summary>
    /// A SMETS1 Device's alert as the DCC forwards it (R-S1-1; XSD sr:SMETS1ResponseMessage whose S1SP-signed
    /// sr:SMETS1Response holds a DeviceAlertMessage, <see cref="Smets1Response.SignAlert"/>): I0, the
    /// Response ID from the Device to the User, and the Request ID only where the alert is about a request.
    /// </summary>
    public static DuisResponse CreateSmets1DeviceAlert(DuisSchemaVersion schemaVersion, RequestId responseId, DateTimeOffset at,
        XmlElement smets1ResponseMessage, RequestId? requestId = null)
    {
        RequireApplicable(ResponseCode.I0, ResponseTypes.DeviceAlert, schemaVersion);
        if (smets1ResponseMessage.LocalName != "SMETS1ResponseMessage" || smets1ResponseMessage.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            throw new ArgumentException($"{smets1ResponseMessage.Name} is not an sr:SMETS1ResponseMessage.", nameof(smets1ResponseMessage));
        return new DuisResponse(schemaVersion, requestId, responseId, ResponseCode.I0, at, ResponseBodyKind.Smets1ResponseMessage,
            Carried(smets1ResponseMessage), null, null, null, null, null, null);
    }

    /// <summary>
    /// A DCC Alert (DUIS 3.9): <paramref name="content"/> is the sr element of the code's format
    /// (e.g. PowerOutageEvent for AD1).
    /// </summary>
    public static DuisResponse CreateDccAlert(DuisSchemaVersion schemaVersion, DccAlertCode alertCode, ResponseCode code, DateTimeOffset at,
        XmlElement content, RequestId? requestId = null, RequestId? responseId = null, uint? throttledAlertSequenceId = null, uint? throttledAlertCount = null)
    {
        RequireApplicable(code, ResponseTypes.DccAlert, schemaVersion);
        if (content.NamespaceURI != DuisNamespaces.ServiceUserGateway || content.LocalName != alertCode.Format)
            throw new ArgumentException($"DCC Alert {alertCode} carries an sr:{alertCode.Format} body, not {content.Name}.", nameof(content));
        var carried = Carried(content);
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.DccAlertMessage, null, null,
            new DccAlert(alertCode, carried, throttledAlertSequenceId, throttledAlertCount), null, null, null, null);
    }

    /// <summary>A DCC Alert of a typed body (<see cref="Alerts.DccAlerts.Create"/>, which checks the body's format and the Response Code).</summary>
    internal static DuisResponse CreateDccAlert(DuisSchemaVersion schemaVersion, DccAlertCode alertCode, ResponseCode code, DateTimeOffset at,
        Alerts.DccAlertBody body, RequestId? requestId, RequestId? responseId, uint? throttledAlertSequenceId, uint? throttledAlertCount)
    {
        RequireApplicable(code, ResponseTypes.DccAlert, schemaVersion);
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.DccAlertMessage, null, null, null, null, null, null, null,
            alertBody: new AlertBody(alertCode, body, throttledAlertSequenceId, throttledAlertCount));
    }

    private sealed record AlertBody(DccAlertCode Code, Alerts.DccAlertBody Body, uint? ThrottledAlertSequenceId, uint? ThrottledAlertCount)
    {
        public DccAlert ToAlert() => new(Code, Body.ToXml(), ThrottledAlertSequenceId, ThrottledAlertCount);
    }

    /// <summary>A Device Alert the DCC forwards to a User (DUIS 3.9, sr:DeviceAlertMessage): the GBCS alert code and the Device's GBCS Alert.</summary>
    public static DuisResponse CreateDeviceAlert(DuisSchemaVersion schemaVersion, ushort alertCode, ReadOnlyMemory<byte> gbcsPayload, DateTimeOffset at,
        RequestId? requestId = null, RequestId? responseId = null)
    {
        RequireApplicable(ResponseCode.I0, ResponseTypes.DeviceAlert, schemaVersion);
        return new DuisResponse(schemaVersion, requestId, responseId, ResponseCode.I0, at, ResponseBodyKind.DeviceAlertMessage, null, null, null,
            new DeviceAlert(alertCode, gbcsPayload.ToArray()), null, null, null);
    }

    /// <summary>
    /// A private copy of an element a built response carries, without the layout whitespace between elements
    /// that signing drops (<see cref="Signing.DuisSigner.RemoveWhitespaceBetweenElements"/>), so it is written as signed.
    /// </summary>
    private static XmlElement Carried(XmlElement element)
    {
        var copy = (XmlElement)element.CloneNode(deep: true);
        Signing.DuisSigner.RemoveWhitespaceBetweenElements(copy);
        return copy;
    }

    private static void RequireApplicable(ResponseCode code, ResponseTypes type, DuisSchemaVersion schemaVersion)
    {
        if (code.Definition is { } d && (d.AppliesTo & type) == 0)
            throw new ArgumentException($"{code} ({d.Name}) does not apply to {type} (DUIS 3.5.10 Table 1: {d.AppliesTo}).", nameof(code));
        if (!code.IsDefinedIn(schemaVersion))
            throw new ArgumentException($"{code} is not in the DUIS {schemaVersion} XSD's ResponseCode enumeration.", nameof(code));
    }
}
