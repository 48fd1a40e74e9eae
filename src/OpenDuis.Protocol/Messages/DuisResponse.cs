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
        DeviceAlert? deviceAlert, XmlElement? signature, IReadOnlyList<RootAttribute>? rootAttributes, string? responseDateTimeText)
    {
        SchemaVersion = schemaVersion;
        RequestId = requestId;
        ResponseId = responseId;
        ResponseCode = responseCode;
        ResponseDateTime = responseDateTime;
        BodyKind = kind;
        _body = body;
        Message = message;
        Alert = alert;
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

    public ResponseMessage? Message { get; }
    public DccAlert? Alert { get; }
    public DeviceAlert? DeviceAlert { get; }
    public XmlElement? Signature { get; }

    /// <summary>An Acknowledgement: a ResponseMessage without data, coded I99 or an error (DUIS 3.5).</summary>
    public bool IsAcknowledgement => BodyKind == ResponseBodyKind.ResponseMessage && Message?.Payload is null
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
    /// writes for <see cref="ToXmlDocument"/> but for the (randomised) signature value. An acknowledgement,
    /// the answer to nearly every request, is written from its canonical text without a document.
    /// </summary>
    public byte[] ToSignedBytes(Keys.SigningKey key)
    {
        if (!IsBuiltAcknowledgement) return Signing.DuisSigner.SignToBytes(ToXmlDocument(), key);
        // The inclusive canonical form of what ToXmlDocument builds for it (C14N: declarations sorted by prefix,
        // then attributes; no value here holds a character C14N escapes), written into a pooled buffer.
        var canonical = System.Buffers.ArrayPool<byte>.Shared.Rent(2048);
        var at = 0;
        void Put(ReadOnlySpan<byte> part)
        {
            part.CopyTo(canonical.AsSpan(at));
            at += part.Length;
        }
        void Text(string text) => at += System.Text.Encoding.UTF8.GetBytes(text, canonical.AsSpan(at));
        Put(AcknowledgementOpen);
        Text(SchemaVersion.ToString());
        Put("\"><sr:Header><sr:RequestID>"u8);
        Text(RequestId!.Value.ToString());
        Put("</sr:RequestID><sr:ResponseCode>"u8);
        Text(ResponseCode.Code ?? "");
        Put("</sr:ResponseCode><sr:ResponseDateTime>"u8);
        Text(FormatDateTime(ResponseDateTime));
        Put("</sr:ResponseDateTime></sr:Header><sr:Body><sr:ResponseMessage><sr:ServiceReference>"u8);
        Text(Message!.ServiceReference.ToString());
        Put("</sr:ServiceReference><sr:ServiceReferenceVariant>"u8);
        Text(Message.ServiceReferenceVariant.ToString());
        Put("</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body></sr:Response>"u8);
        try
        {
            return Signing.DuisSigner.SignCanonical(canonical.AsSpan(0, at), "</sr:Response>"u8, declared: false, key);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(canonical);
        }
    }

    private static readonly byte[] AcknowledgementOpen = System.Text.Encoding.UTF8.GetBytes(
        "<sr:Response xmlns:ra=\"" + DuisNamespaces.ResponseAndAlert + "\" xmlns:sr=\"" + DuisNamespaces.ServiceUserGateway + "\" schemaVersion=\"");

    // Built by CreateAcknowledgement: nothing carried from a message that was read, no data.
    private bool IsBuiltAcknowledgement => _body is null && _rootAttributes is null && _responseDateTimeText is null && Signature is null
        && BodyKind == ResponseBodyKind.ResponseMessage && Message is { Payload: null } && RequestId is not null && ResponseId is null;

    /// <summary>The same response without its signature (the input to signing).</summary>
    public DuisResponse WithoutSignature() =>
        new(SchemaVersion, RequestId, ResponseId, ResponseCode, ResponseDateTime, BodyKind, _body, Message, Alert, DeviceAlert, null, _rootAttributes, _responseDateTimeText);

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
        var carried = payload is null ? null : (XmlElement)payload.CloneNode(deep: true);
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.ResponseMessage, null,
            new ResponseMessage(reference, variant, carried), null, null, null, null, null);
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
            (XmlElement)smets1ResponseMessage.CloneNode(deep: true), null, null, null, null, null, null);
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
            (XmlElement)smets1ResponseMessage.CloneNode(deep: true), null, null, null, null, null, null);
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
        var carried = (XmlElement)content.CloneNode(deep: true);
        return new DuisResponse(schemaVersion, requestId, responseId, code, at, ResponseBodyKind.DccAlertMessage, null, null,
            new DccAlert(alertCode, carried, throttledAlertSequenceId, throttledAlertCount), null, null, null, null);
    }

    /// <summary>A Device Alert the DCC forwards to a User (DUIS 3.9, sr:DeviceAlertMessage): the GBCS alert code and the Device's GBCS Alert.</summary>
    public static DuisResponse CreateDeviceAlert(DuisSchemaVersion schemaVersion, ushort alertCode, ReadOnlyMemory<byte> gbcsPayload, DateTimeOffset at,
        RequestId? requestId = null, RequestId? responseId = null)
    {
        RequireApplicable(ResponseCode.I0, ResponseTypes.DeviceAlert, schemaVersion);
        return new DuisResponse(schemaVersion, requestId, responseId, ResponseCode.I0, at, ResponseBodyKind.DeviceAlertMessage, null, null, null,
            new DeviceAlert(alertCode, gbcsPayload.ToArray()), null, null, null);
    }

    private static void RequireApplicable(ResponseCode code, ResponseTypes type, DuisSchemaVersion schemaVersion)
    {
        if (code.Definition is { } d && (d.AppliesTo & type) == 0)
            throw new ArgumentException($"{code} ({d.Name}) does not apply to {type} (DUIS 3.5.10 Table 1: {d.AppliesTo}).", nameof(code));
        if (!code.IsDefinedIn(schemaVersion))
            throw new ArgumentException($"{code} is not in the DUIS {schemaVersion} XSD's ResponseCode enumeration.", nameof(code));
    }
}
