using System.Diagnostics.CodeAnalysis;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Protocol.Messages.DuisXml;

namespace OpenDuis.Protocol.Messages;

/// <summary>
/// A DUIS service request (XSD sr:Request, R-MSG-1): the header, the one body element for its
/// Service Reference Variant (or a Signed Pre-Command), and the signature if present. The body is
/// carried as XML, so a body this version does not model is never lost.
/// <para>
/// A request read in one pass (<see cref="Signing.DuisSecurity.TryReadSignedRequest"/>) carries what the
/// pipeline reads of its body as fields (<see cref="BodyElement"/>, <see cref="ExecutionDateTime"/>,
/// <see cref="GbcsPayloadText"/>) and builds the body's element only when <see cref="Body"/> is first read,
/// from the request's bytes, which its reader holds only until it has answered (<see cref="ReleaseBytes"/>).
/// </para>
/// </summary>
public sealed class DuisRequest
{
    private readonly IReadOnlyList<RootAttribute>? _rootAttributes;
    private DateTimeOffset? _executionDateTime;
    private bool _executionDateTimeRead;
    private XmlElement? _body;
    private readonly BodyElementName _bodyName;
    private string? _gbcsPayload;
    private bool _gbcsPayloadRead;
    // The request's bytes, until released: where a one-pass request's body element is built from when asked for.
    private ReadOnlyMemory<byte> _bytes;
    private Xml.SecureXml? _bytesXml;
    // Set once the bytes are a copy the request owns (KeepBytes): they are no longer released.
    private bool _bytesKept;
    private XmlElement? _signature;
    // A one-pass request verified from its signature as read: the element is built from the bytes when asked for.
    private readonly bool _signatureInBytes;

    public DuisRequest(
        DuisSchemaVersion schemaVersion,
        RequestId requestId,
        CommandVariant commandVariant,
        ServiceReference serviceReference,
        ServiceReferenceVariant serviceReferenceVariant,
        XmlElement body,
        bool? firstInSequence = null,
        RequestId? precedingRequestId = null,
        XmlElement? signature = null)
        : this(schemaVersion, requestId, commandVariant, serviceReference, serviceReferenceVariant, body, firstInSequence, precedingRequestId, signature, null)
    {
    }

    internal DuisRequest(
        DuisSchemaVersion schemaVersion, RequestId requestId, CommandVariant commandVariant, ServiceReference serviceReference,
        ServiceReferenceVariant serviceReferenceVariant, XmlElement body, bool? firstInSequence, RequestId? precedingRequestId,
        XmlElement? signature, IReadOnlyList<RootAttribute>? rootAttributes)
        : this(schemaVersion, requestId, commandVariant, serviceReference, serviceReferenceVariant,
            new BodyElementName(body.Prefix, body.LocalName, body.NamespaceURI), firstInSequence, precedingRequestId, signature, rootAttributes)
    {
        _body = body;
    }

    /// <summary>A request read in one pass, its body read as fields; its element is built from <paramref name="bytes"/> when asked for.</summary>
    internal DuisRequest(
        DuisSchemaVersion schemaVersion, RequestId requestId, CommandVariant commandVariant, ServiceReference serviceReference,
        ServiceReferenceVariant serviceReferenceVariant, in ReadBodyFields body, bool? firstInSequence, RequestId? precedingRequestId,
        XmlElement? signature, IReadOnlyList<RootAttribute>? rootAttributes, Xml.SecureXml xml, ReadOnlyMemory<byte> bytes)
        : this(schemaVersion, requestId, commandVariant, serviceReference, serviceReferenceVariant, body.Name, firstInSequence,
            precedingRequestId, signature, rootAttributes)
    {
        _signatureInBytes = signature is null;
        _executionDateTime = body.ExecutionDateTime;
        _executionDateTimeRead = true;
        _gbcsPayload = body.GbcsPayload;
        _gbcsPayloadRead = true;
        _bytesXml = xml;
        _bytes = bytes;
    }

    private DuisRequest(
        DuisSchemaVersion schemaVersion, RequestId requestId, CommandVariant commandVariant, ServiceReference serviceReference,
        ServiceReferenceVariant serviceReferenceVariant, BodyElementName bodyName, bool? firstInSequence, RequestId? precedingRequestId,
        XmlElement? signature, IReadOnlyList<RootAttribute>? rootAttributes)
    {
        SchemaVersion = schemaVersion;
        RequestId = requestId;
        CommandVariant = commandVariant;
        ServiceReference = serviceReference;
        ServiceReferenceVariant = serviceReferenceVariant;
        _bodyName = bodyName;
        FirstInSequence = firstInSequence;
        PrecedingRequestId = precedingRequestId;
        _signature = signature;
        _rootAttributes = rootAttributes;
    }

    public DuisSchemaVersion SchemaVersion { get; }
    public RequestId RequestId { get; }
    public bool? FirstInSequence { get; }
    /// <summary>sr:PrecedingServiceRequestID of a sequenced request.</summary>
    public RequestId? PrecedingRequestId { get; }
    public CommandVariant CommandVariant { get; }
    public ServiceReference ServiceReference { get; }
    public ServiceReferenceVariant ServiceReferenceVariant { get; }

    /// <summary>
    /// The one child element of sr:Body. For a request read in one pass it is built on first use, from the
    /// request's bytes: after <see cref="ReleaseBytes"/> only if it was built before.
    /// </summary>
    public XmlElement Body
    {
        get
        {
            if (_body is { } body) return body;
            if (_bytesXml is not { } xml)
                throw new InvalidOperationException($"The body of request {RequestId} was not kept: its bytes were released before it was read.");
            body = Signing.SignedRequestReader.ReadBodyElement(xml, _bytes);
            return Interlocked.CompareExchange(ref _body, body, null) ?? body;
        }
    }

    /// <summary>The name of the body's element, known without building it.</summary>
    public BodyElementName BodyElement => _bodyName;

    /// <summary>
    /// The text of the body element's first sr:GBCSPayload child (a Signed Pre-Command's GBCS command, base64),
    /// null when it has none; known without building the body.
    /// </summary>
    public string? GbcsPayloadText
    {
        get
        {
            if (!_gbcsPayloadRead)
            {
                _gbcsPayload = FirstSrChild(Body, "GBCSPayload")?.InnerText;
                _gbcsPayloadRead = true;
            }
            return _gbcsPayload;
        }
    }

    /// <summary>
    /// The request's bytes are about to be reused: its body is no longer built from them. The reader calls this once it
    /// has answered; whoever keeps the request beyond that (the SM WAN) has given it a copy first (<see cref="KeepBytes"/>).
    /// </summary>
    public void ReleaseBytes()
    {
        if (_bytesKept) return;
        _bytesXml = null;
        _bytes = default;
    }

    /// <summary>
    /// The request is kept beyond its answer (the SM WAN executes its command later) and <paramref name="copy"/> is a copy of
    /// its bytes that the caller hands over and no longer changes: a body or signature not built yet is built from the copy
    /// when first asked for, on any thread, and <see cref="ReleaseBytes"/> leaves it. A request read as a document has its
    /// elements already and keeps nothing.
    /// </summary>
    public void KeepBytes(ReadOnlyMemory<byte> copy)
    {
        if (_bytesXml is null) return;
        _bytes = copy;
        _bytesKept = true;
    }

    private static XmlElement? FirstSrChild(XmlElement parent, string localName)
    {
        for (var n = parent.FirstChild; n is not null; n = n.NextSibling)
            if (n is XmlElement e && IsSr(e, localName)) return e;
        return null;
    }

    /// <summary>The ds:Signature element, when the message carries one (for a request read in one pass, built as <see cref="Body"/> is).</summary>
    public XmlElement? Signature
    {
        get
        {
            if (_signature is { } signature || !_signatureInBytes) return _signature;
            if (_bytesXml is not { } xml)
                throw new InvalidOperationException($"The signature of request {RequestId} was not kept: its bytes were released before it was read.");
            signature = Signing.SignedRequestReader.ReadSignatureElement(xml, _bytes);
            return Interlocked.CompareExchange(ref _signature, signature, null) ?? signature;
        }
    }

    /// <summary>The catalogue entry of the header's variant (always present for a request that was read).</summary>
    public ServiceRequestDefinition? Definition => ServiceCatalogue.TryGet(ServiceReferenceVariant, out var d) ? d : null;

    /// <summary>Whether the body is a Signed Pre-Command (CV 5–7) rather than a Service Request body.</summary>
    public bool IsSignedPreCommand => _bodyName.IsSr(SignedPreCommand.ElementName);

    /// <summary>The Signed Pre-Command the body holds (throws <see cref="DuisFormatException"/> if it is malformed).</summary>
    public SignedPreCommand? SignedPreCommand => IsSignedPreCommand ? SignedPreCommand.Read(Body) : null;

    /// <summary>
    /// sr:ExecutionDateTime of a Future Dated request: the first child of its body, or of its Signed
    /// Pre-Command (the XSD puts it first in both). Null when absent or not an xs:dateTime (the schema
    /// check refuses the latter); a time without an offset is UTC. Read once, on first use (or as the request is read).
    /// </summary>
    public DateTimeOffset? ExecutionDateTime
    {
        get
        {
            if (!_executionDateTimeRead)
            {
                _executionDateTime = ReadExecutionDateTime(Body);
                _executionDateTimeRead = true;
            }
            return _executionDateTime;
        }
    }

    private static DateTimeOffset? ReadExecutionDateTime(XmlElement body)
    {
        for (var n = body.FirstChild; n is not null; n = n.NextSibling)
        {
            if (n is not XmlElement e) continue;
            if (!IsSr(e, "ExecutionDateTime")) return null;
            return ParseExecutionDateTime(Text(e));
        }
        return null;
    }

    internal static DateTimeOffset? ParseExecutionDateTime(string text) =>
        DateTimeOffset.TryParse(text.AsSpan().Trim(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    /// <summary>The header's Service Reference is the one its variant belongs to (otherwise E48, DUIS 3.5.10).</summary>
    public bool ReferenceMatchesVariant => ServiceReference == ServiceReferenceVariant.Reference;

    /// <summary>
    /// The body is the element the catalogue names for the header's variant, or a Signed Pre-Command
    /// (otherwise E49: request format does not match the variant, DUIS 3.5.10).
    /// </summary>
    public bool BodyMatchesVariant => IsSignedPreCommand
        || (Definition is { } d && _bodyName.IsSr(d.BodyElement));

    public static DuisRequest Read(XmlDocument document) =>
        TryRead(document, out var request, out var problem) ? request : throw problem.ToException();

    public static bool TryRead(XmlDocument document, [NotNullWhen(true)] out DuisRequest? request, [NotNullWhen(false)] out DuisFormatProblem? problem)
    {
        request = null;
        var root = document.DocumentElement;
        if (root is null || !IsSr(root, "Request"))
        {
            problem = new DuisFormatProblem(DuisFormatError.WrongDocumentElement, root?.Name ?? "(none)",
                $"the document element must be sr:Request in {DuisNamespaces.ServiceUserGateway}");
            return false;
        }
        var versionText = root.GetAttributeNode("schemaVersion")?.Value;
        if (versionText is null)
        {
            problem = new DuisFormatProblem(DuisFormatError.MissingSchemaVersion, root.Name, "the schemaVersion attribute is missing");
            return false;
        }
        if (!DuisSchemaVersion.TryParse(versionText, out var version))
        {
            problem = new DuisFormatProblem(DuisFormatError.InvalidSchemaVersion, root.Name + "/@schemaVersion", $"'{versionText}' is not a schema version such as 5.4");
            return false;
        }

        var top = new Children(root);
        var header = top.Next();
        if (header is null || !IsSr(header, "Header")) { problem = top.Problem ?? Missing(root, "Header", header); return false; }
        var body = top.Next();
        if (body is null || !IsSr(body, "Body")) { problem = top.Problem ?? Missing(root, "Body", body); return false; }
        var signature = top.Next();
        if (signature is not null && !(signature.LocalName == "Signature" && signature.NamespaceURI == DuisNamespaces.XmlDsig))
        {
            problem = Unexpected(signature);
            return false;
        }
        if (top.Next() is { } extra) { problem = Unexpected(extra); return false; }
        if (top.Problem is not null) { problem = top.Problem; return false; }

        // Header: RequestID, FirstInSequence?, PrecedingServiceRequestID?, CommandVariant, ServiceReference, ServiceReferenceVariant.
        var h = new Children(header);
        var e = h.Next();
        var idElement = h.NextIf(ref e, "RequestID");
        if (idElement is null) { problem = h.Problem ?? Missing(header, "RequestID", e); return false; }
        if (!RequestId.TryParse(Text(idElement), out var requestId)) { problem = Invalid(DuisFormatError.InvalidRequestId, idElement, "a Request ID (originatorEUI:targetEUI:counter)"); return false; }

        bool? first = null;
        if (h.NextIf(ref e, "FirstInSequence") is { } firstElement)
        {
            if (!TryParseBoolean(Text(firstElement), out var f)) { problem = Invalid(DuisFormatError.InvalidBoolean, firstElement, "an xs:boolean"); return false; }
            first = f;
        }

        RequestId? preceding = null;
        if (h.NextIf(ref e, "PrecedingServiceRequestID") is { } precedingElement)
        {
            if (!RequestId.TryParse(Text(precedingElement), out var p)) { problem = Invalid(DuisFormatError.InvalidRequestId, precedingElement, "a Request ID (originatorEUI:targetEUI:counter)"); return false; }
            preceding = p;
        }

        var cvElement = h.NextIf(ref e, "CommandVariant");
        if (cvElement is null) { problem = h.Problem ?? Missing(header, "CommandVariant", e); return false; }
        if (!CommandVariants.TryParse(Text(cvElement), out var cv)) { problem = Invalid(DuisFormatError.InvalidCommandVariant, cvElement, "a Command Variant a User may send (1–8)"); return false; }

        var srElement = h.NextIf(ref e, "ServiceReference");
        if (srElement is null) { problem = h.Problem ?? Missing(header, "ServiceReference", e); return false; }
        if (!Domain.ServiceReference.TryParse(Text(srElement), out var sr) || !ServiceCatalogue.IsKnown(sr))
        {
            problem = Invalid(DuisFormatError.UnknownServiceReference, srElement, "a DUIS Service Reference");
            return false;
        }

        var srvElement = h.NextIf(ref e, "ServiceReferenceVariant");
        if (srvElement is null) { problem = h.Problem ?? Missing(header, "ServiceReferenceVariant", e); return false; }
        if (!Domain.ServiceReferenceVariant.TryParse(Text(srvElement), out var srv) || !ServiceCatalogue.TryGet(srv, out _))
        {
            problem = Invalid(DuisFormatError.UnknownServiceReferenceVariant, srvElement, "a DUIS Service Reference Variant");
            return false;
        }
        if (e is not null) { problem = Unexpected(e); return false; }
        if (h.Problem is not null) { problem = h.Problem; return false; }

        var b = new Children(body);
        var content = b.Next();
        if (content is null) { problem = b.Problem ?? new DuisFormatProblem(DuisFormatError.EmptyBody, Path(body), "sr:Body holds no request element"); return false; }
        if (b.Next() is { } second) { problem = new DuisFormatProblem(DuisFormatError.MultipleBodyElements, Path(second), $"sr:Body holds more than one element ({content.Name}, {second.Name})"); return false; }
        if (b.Problem is not null) { problem = b.Problem; return false; }

        request = new DuisRequest(version, requestId, cv, sr, srv, content, first, preceding, signature, CarriedAttributes(root));
        problem = null;
        return true;
    }

    /// <summary>
    /// Writes the request as a new document in the <c>sr</c> prefix, carrying the body and signature
    /// elements as they are (so the signature of an unchanged request stays the one it was read with).
    /// </summary>
    public XmlDocument ToXmlDocument()
    {
        var (doc, root) = NewDocument("Request", _rootAttributes);
        root.SetAttribute("schemaVersion", SchemaVersion.ToString());
        var header = AppendSr(root, "Header");
        AppendSr(header, "RequestID", RequestId.ToString());
        if (FirstInSequence is { } first) AppendSr(header, "FirstInSequence", first ? "true" : "false");
        if (PrecedingRequestId is { } preceding) AppendSr(header, "PrecedingServiceRequestID", preceding.ToString());
        AppendSr(header, "CommandVariant", CommandVariant.ToXsd());
        AppendSr(header, "ServiceReference", ServiceReference.ToString());
        AppendSr(header, "ServiceReferenceVariant", ServiceReferenceVariant.ToString());
        AppendSr(root, "Body").AppendChild(Import(doc, Body));
        if (Signature is not null) root.AppendChild(Import(doc, Signature));
        return doc;
    }

    /// <summary>A request carrying a Signed Pre-Command (CV 5, 6 or 7) for the given variant.</summary>
    public static DuisRequest CreateSignedPreCommand(
        DuisSchemaVersion schemaVersion, RequestId requestId, CommandVariant commandVariant,
        ServiceReferenceVariant variant, SignedPreCommand preCommand,
        bool? firstInSequence = null, RequestId? precedingRequestId = null)
    {
        if (!commandVariant.TakesSignedPreCommand())
            throw new ArgumentException($"Command Variant {commandVariant.ToXsd()} does not carry a Signed Pre-Command (only 5, 6 and 7 do).", nameof(commandVariant));
        var body = preCommand.ToElement(new XmlDocument());
        return new DuisRequest(schemaVersion, requestId, commandVariant, variant.Reference, variant, body, firstInSequence, precedingRequestId);
    }

    /// <summary>A request whose body is the given element (an sr element named as the catalogue says for the variant).</summary>
    public static DuisRequest Create(
        DuisSchemaVersion schemaVersion, RequestId requestId, CommandVariant commandVariant,
        ServiceReferenceVariant variant, XmlElement body,
        bool? firstInSequence = null, RequestId? precedingRequestId = null) =>
        new(schemaVersion, requestId, commandVariant, variant.Reference, variant, body, firstInSequence, precedingRequestId);

    /// <summary>The same request under another Request ID, unsigned: a template sent again by another User or with a fresh counter.</summary>
    public DuisRequest WithRequestId(RequestId requestId) =>
        new(SchemaVersion, requestId, CommandVariant, ServiceReference, ServiceReferenceVariant, Body, FirstInSequence, PrecedingRequestId);

    /// <summary>The same request without its signature (the input to signing).</summary>
    public DuisRequest WithoutSignature() =>
        new(SchemaVersion, RequestId, CommandVariant, ServiceReference, ServiceReferenceVariant, Body, FirstInSequence, PrecedingRequestId, null, _rootAttributes);
}

/// <summary>The qualified name of a request's body element, as read.</summary>
public readonly record struct BodyElementName(string Prefix, string LocalName, string NamespaceUri)
{
    /// <summary>The name as written (prefix:local).</summary>
    public string Name => Prefix.Length == 0 ? LocalName : Prefix + ":" + LocalName;

    /// <summary>Whether it is sr:<paramref name="localName"/> in the DUIS namespace.</summary>
    public bool IsSr(string localName) => LocalName == localName && NamespaceUri == DuisNamespaces.ServiceUserGateway;

    public override string ToString() => Name;
}

/// <summary>What the one-pass reader reads of a request's body for the pipeline, instead of building its element.</summary>
internal readonly record struct ReadBodyFields(BodyElementName Name, DateTimeOffset? ExecutionDateTime, string? GbcsPayload);

/// <summary>
/// A Signed Pre-Command (XSD sr:SignedPreCommand): the GBCS command the User signed, optionally
/// with the execution date and time of a Future Dated command.
/// </summary>
public sealed record SignedPreCommand(ReadOnlyMemory<byte> GbcsPayload, DateTimeOffset? ExecutionDateTime = null)
{
    public const string ElementName = "SignedPreCommand";

    public static SignedPreCommand Read(XmlElement element)
    {
        if (!IsSr(element, ElementName))
            throw new DuisFormatProblem(DuisFormatError.UnexpectedElement, Path(element), $"expected sr:{ElementName} but found {element.Name}").ToException();
        var c = new Children(element);
        var e = c.Next();
        DateTimeOffset? at = null;
        if (c.NextIf(ref e, "ExecutionDateTime") is { } when)
        {
            if (!TryParseDateTime(Text(when), out var t)) throw Invalid(DuisFormatError.InvalidDateTime, when, "an xs:dateTime").ToException();
            at = t;
        }
        var payload = c.NextIf(ref e, "GBCSPayload") ?? throw (c.Problem ?? Missing(element, "GBCSPayload", e)).ToException();
        if (e is not null) throw Unexpected(e).ToException();
        byte[] bytes;
        try { bytes = Convert.FromBase64String(Text(payload)); }
        catch (FormatException) { throw Invalid(DuisFormatError.InvalidValue, payload, "base64").ToException(); }
        return new SignedPreCommand(bytes, at);
    }

    public XmlElement ToElement(XmlDocument document)
    {
        var e = document.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, ElementName, DuisNamespaces.ServiceUserGateway);
        if (ExecutionDateTime is { } at) AppendSr(e, "ExecutionDateTime", FormatDateTime(at));
        AppendSr(e, "GBCSPayload", Convert.ToBase64String(GbcsPayload.Span));
        return e;
    }
}
