using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using static OpenDuis.Protocol.Messages.Alerts.AlertXml;

namespace OpenDuis.Protocol.Messages.Alerts;

/// <summary>
/// An S1SP Alert (DUIS 1.3, 3.6.3 and 3.9.15.2; XSD sr:S1SPAlert): a SMETS1 Service Provider's
/// validation error or notification about a request or Device, or a prepayment UTRN (20 digits) for
/// SRV 2.2. The S1SP signs it itself; the DCC carries it inside an S1SPAlertDSP DCC Alert.
/// </summary>
public sealed record S1SpAlert(string S1SpAlertCode, DateTimeOffset DateTime, RequestId? RequestId = null, Eui? DeviceId = null,
    string? AdditionalInformation = null, string? Utrn = null)
{
    public string S1SpAlertCode { get; init; } = Required(S1SpAlertCode, nameof(S1SpAlertCode), "An S1SP Alert Code");
    public string? Utrn { get; init; } = Utrn is null || (Utrn.Length == 20 && Utrn.All(char.IsAsciiDigit)) ? Utrn
        : throw new ArgumentException($"'{Utrn}' is not a UTRN (20 digits).", nameof(Utrn));

    /// <summary>The alert as its own document (sr:S1SPAlert with schemaVersion), signed with <paramref name="s1spKey"/>.</summary>
    public SignedS1SpAlert Sign(SigningKey s1spKey, DuisSchemaVersion schemaVersion)
    {
        var (doc, root) = DuisXml.NewDocument("S1SPAlert", null);
        root.SetAttribute("schemaVersion", schemaVersion.ToString());
        var content = new AlertContent(root);
        if (RequestId is { } r) Add(content, "RequestID", r);
        if (DeviceId is { } d) Add(content, "DeviceID", d);
        Add(content, "S1SPAlertCode", S1SpAlertCode);
        if (AdditionalInformation is not null) Add(content, "AdditionalInformation", AdditionalInformation);
        if (Utrn is not null) Add(content, "UTRN", Utrn);
        Add(content, "DateTime", DateTime);
        DuisSigner.Sign(doc, s1spKey);
        return new SignedS1SpAlert(root);
    }
}

/// <summary>A signed sr:S1SPAlert element, as the S1SP produced it.</summary>
public sealed class SignedS1SpAlert
{
    internal SignedS1SpAlert(XmlElement element) => Element = element;

    public XmlElement Element { get; }

    /// <summary>Takes an S1SP Alert as received: an sr:S1SPAlert element that carries its ds:Signature.</summary>
    public static SignedS1SpAlert FromElement(XmlElement element)
    {
        if (element.LocalName != "S1SPAlert" || element.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            throw new ArgumentException($"{element.Name} is not an sr:S1SPAlert.", nameof(element));
        if (element.LastChild is not XmlElement { LocalName: "Signature", NamespaceURI: DuisNamespaces.XmlDsig })
            throw new ArgumentException("An S1SP Alert ends with the S1SP's ds:Signature (XSD sr:S1SPAlert).", nameof(element));
        return new SignedS1SpAlert((XmlElement)element.CloneNode(deep: true));
    }
}

/// <summary>
/// N55, N56: an S1SP Alert conveyed to the User (DUIS 3.9.15, sr:S1SPAlertDSP), with the DCC
/// Schedule it concerns if any. N55 (validation error or notification) carries Response Code E62.
/// </summary>
public sealed record S1SpAlertDsp(SignedS1SpAlert S1SpAlert, ulong? DspScheduleId = null) : DccAlertBody
{
    public ulong? DspScheduleId { get; init; } = ScheduleId(DspScheduleId, nameof(DspScheduleId));
    public override string Format => "S1SPAlertDSP";

    protected override void WriteContent(AlertContent e)
    {
        e.AddElement(S1SpAlert.Element);
        if (DspScheduleId is { } s) Add(e, "DSPScheduleID", s.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// N999: the DCC Alert or Service Response owed to a User is not compatible with the DUIS XSD
/// version the User declared (DUIS 3.9.16, sr:DUISVersionMismatch); the DCC sends this instead.
/// </summary>
public sealed record DuisVersionMismatch : DccAlertBody
{
    private DuisVersionMismatch() { }

    public required DuisSchemaVersion ServiceUserDuisVersion { get; init; }

    /// <summary>sr:DCCAlertVersionMismatch: the alert that could not be sent.</summary>
    public DccAlertCode? DccAlertCode { get; private init; }
    public Eui? DeviceId { get; private init; }
    public RequestId? RequestId { get; private init; }

    /// <summary>sr:ServiceResponseVersionMismatch: the response that could not be sent.</summary>
    public ServiceReference? ServiceReference { get; private init; }
    public ServiceReferenceVariant? ServiceReferenceVariant { get; private init; }
    public DuisSchemaVersion? ServiceRequestDuisVersion { get; private init; }

    public override string Format => "DUISVersionMismatch";

    public static DuisVersionMismatch ForAlert(DccAlertCode alert, DuisSchemaVersion userVersion, Eui? deviceId = null, RequestId? requestId = null) =>
        new() { DccAlertCode = alert, DeviceId = deviceId, RequestId = requestId, ServiceUserDuisVersion = userVersion };

    public static DuisVersionMismatch ForResponse(RequestId requestId, ServiceReference reference, ServiceReferenceVariant variant,
        DuisSchemaVersion requestVersion, DuisSchemaVersion userVersion) =>
        new()
        {
            RequestId = requestId, ServiceReference = reference, ServiceReferenceVariant = variant,
            ServiceRequestDuisVersion = requestVersion, ServiceUserDuisVersion = userVersion,
        };

    protected override void WriteContent(AlertContent e)
    {
        if (DccAlertCode is { } code)
        {
            var x = Add(e, "DCCAlertVersionMismatch");
            Add(x, "DCCAlertCode", code.Code);
            if (DeviceId is { } d) Add(x, "DeviceID", d);
            if (RequestId is { } r) Add(x, "RequestID", r);
        }
        else
        {
            var x = Add(e, "ServiceResponseVersionMismatch");
            Add(x, "RequestID", RequestId!.Value);
            Add(x, "ServiceReference", ServiceReference!.Value.ToString());
            Add(x, "ServiceReferenceVariant", ServiceReferenceVariant!.Value.ToString());
            Add(x, "ServiceRequestDUISVersion", ServiceRequestDuisVersion!.Value.ToString());
        }
        Add(e, "ServiceUserDUISVersion", ServiceUserDuisVersion.ToString());
    }
}
