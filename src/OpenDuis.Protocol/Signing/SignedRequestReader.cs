using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;
using static OpenDuis.Protocol.Signing.DuisSignatureProfile;

namespace OpenDuis.Protocol.Signing;

/// <summary>
/// Reads a signed DUIS request in one pass over its bytes, with the limits of <see cref="SecureXml"/>
/// (R-MSG-5) and no DOM of the whole message: as each node is parsed it is written in inclusive
/// canonical form (the octets the Reference's digest covers, XML-DSig 4.3.3.2, without the enveloped
/// signature); the header's fields and what the pipeline reads of the body (its element's name, an
/// ExecutionDateTime, a GBCSPayload: <see cref="ReadBodyFields"/>) are read from the stream; only the
/// ds:Signature becomes XML nodes, for the signature's profile checks (R-MSG-3). The body's element is
/// built as it is read only for a device request the SM WAN will keep (<c>bodyElementForDevices</c>),
/// otherwise from the bytes when it is first asked for (<see cref="ReadBodyElement"/>).
/// <para>
/// XML that <see cref="SecureXml"/> refuses is refused here with the same reason. Beyond that it
/// answers only the shape a DUIS User's request has: sr:Request of Header, Body with one element,
/// and one ds:Signature of the usual shape, the header's values as text, a Reference in the canonical
/// form foreseen (inclusive, or exc-c14n when its transforms name it). Anything else (a second or
/// misplaced signature, an unknown value, a comment inside a header value) makes
/// <see cref="TryRead"/> return false, and the caller loads the message as a
/// document (<see cref="SecureXml.Load(byte[])"/>, <see cref="DuisRequest.TryRead"/>,
/// <see cref="DuisSignatureVerifier.Verify"/>), which gives such a message its precise answer. Both
/// passes are linear in the input, so a hostile message costs at most twice the reading.
/// </para>
/// A request of the plain shape is read before that, without an XmlReader, by <see cref="SignedRequestScanner"/>
/// (into the same canonicalisers, with the same answers); anything it declines is read here.
/// One instance per thread.
/// </summary>
internal sealed class SignedRequestReader : IXmlNodeObserver
{
    [ThreadStatic] private static SignedRequestReader? _thread;

    private const string Sr = DuisNamespaces.ServiceUserGateway;

    private readonly Canonicalizer _canonical = new();
    // SignedInfo's exclusive canonical form, written as the signature is read (what its SignatureValue signs).
    private readonly Canonicalizer _signedInfo = new(1024);
    private bool _inSignedInfo;
    private bool _signedInfoSeen;
    private DuisSignatureVerifier.Shape _shape;
    private bool _shapeRead;
    private readonly StringBuilder _text = new(64);
    private readonly SignedRequestScanner _scanner = new();
    private int _signatures;
    private bool _excluding;

    // The reader's names kept from request to request (a fresh table once hostile requests have filled it),
    // with the settings that carry it, made again only for another SecureXml.
    private const int NameCapacity = 4096;
    private BoundedNameTable _names = new(NameCapacity);
    private (SecureXml Xml, XmlReaderSettings Settings)? _settings;

    public static SignedRequestReader ForThread => _thread ??= new SignedRequestReader();

    /// <summary>How many requests this thread read straight from their bytes (<see cref="SignedRequestScanner"/>), without an XmlReader.</summary>
    internal int Scanned => _scanner.Read;

    /// <summary>The canonical octets of the last request read, without its enveloped signature, in <see cref="CanonicalForm"/>.</summary>
    public ReadOnlySpan<byte> CanonicalOctets => _canonical.Written;

    /// <summary>The form <see cref="CanonicalOctets"/> are in: the one the request's Reference was foreseen to name.</summary>
    public CanonicalForm CanonicalForm { get; private set; }

    /// <summary>
    /// Verifies the last request read against its signature: as read from the stream when the reader did not build the
    /// signature's element, else through that element; null when the Reference names the form not written (the caller
    /// then takes the document path).
    /// </summary>
    public VerificationResult? Verify(DuisRequest request, ICertificateLookup certificates, RemotePartyRole requiredRole) =>
        _shapeRead
            ? _shape.ReferenceForm == CanonicalForm
                ? DuisSignatureVerifier.VerifyStreamed(_shape, _signedInfo.Written, _canonical.Written, certificates, requiredRole)
                : null
            : DuisSignatureVerifier.VerifyRead(request.Signature!, CanonicalForm, _canonical.Written, certificates, requiredRole);

    /// <summary>
    /// Reads <paramref name="bytes"/>; false when the message is not of the shape this pass answers. XML the
    /// limits refuse throws the <see cref="XmlRefusedException"/> <see cref="SecureXml.Load(byte[])"/> throws.
    /// </summary>
    public bool TryRead(SecureXml xml, ReadOnlyMemory<byte> bytes, bool bodyElementForDevices, [NotNullWhen(true)] out DuisRequest? request)
    {
        request = null;
        if (bytes.IsEmpty || bytes.Length > xml.Options.MaxBytes) return false;
        var segment = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var s) ? s : new ArraySegment<byte>(bytes.ToArray());
        CanonicalForm = ReferenceFormIn(segment);
        _canonical.BeginStream(CanonicalForm);
        // The plain shape straight from the bytes; a device request whose body the SM WAN keeps as XML is the reader's.
        if (!bodyElementForDevices && _scanner.TryRead(xml, segment, bytes, _canonical, _signedInfo, out request, out _shape))
        {
            _shapeRead = true;
            return true;
        }
        _canonical.BeginStream(CanonicalForm);
        _signatures = 0;
        _excluding = false;
        _inSignedInfo = false;
        _signedInfoSeen = false;
        _shapeRead = false;
        if (_names.IsFull)
        {
            _names = new BoundedNameTable(NameCapacity);
            _settings = null;
        }
        if (_settings is not { } kept || kept.Xml != xml) _settings = kept = (xml, xml.ReaderSettings(_names));
        try
        {
            using var stream = new PieceStream(segment.Array!, segment.Offset, segment.Count);
            using var reader = xml.CreateReader(stream, this, kept.Settings);
            request = Read(reader, xml, bytes, bodyElementForDevices);
        }
        catch (XmlException e)
        {
            // Refused as the document path refuses it, at the same node, so the bytes are not read twice.
            throw SecureXml.Classify(segment, e);
        }
        // DUIS allows one signature, the document element's child; any other is for the document path to name.
        if (_signatures != 1) request = null;
        return request is not null;
    }

    /// <summary>
    /// The form the Reference's digest covers, foreseen from the bytes before they are read: its transforms follow the
    /// body, and DUIS signs with the enveloped-signature transform alone (inclusive C14N) or followed by exc-c14n. It is
    /// the last enveloped-signature transform's Transforms that is looked at; the verifier compares the guess with the
    /// Reference it reads, and a request whose Reference names the other form takes the document path.
    /// </summary>
    private static CanonicalForm ReferenceFormIn(ReadOnlySpan<byte> bytes)
    {
        var at = bytes.LastIndexOf("#enveloped-signature"u8);
        if (at < 0) return CanonicalForm.Inclusive;
        var rest = bytes[at..];
        var end = rest.IndexOf("Transforms>"u8);
        return end >= 0 && rest[..end].IndexOf("/xml-exc-c14n#"u8) >= 0 ? CanonicalForm.Exclusive : CanonicalForm.Inclusive;
    }

    public void Observe(XmlReader reader)
    {
        if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Signature" && reader.NamespaceURI == DsigNamespace)
        {
            _signatures++;
            if (!_excluding && reader.Depth == 1 && _signatures == 1)
            {
                // The enveloped-signature transform: the signature is not part of what its digest covers.
                _excluding = !reader.IsEmptyElement;
                return;
            }
        }
        if (_excluding)
        {
            if (!_signedInfoSeen && reader.NodeType == XmlNodeType.Element && reader.Depth == 2
                && reader.LocalName == "SignedInfo" && reader.NamespaceURI == DsigNamespace)
            {
                // As the apex of its own node-set: nothing its ancestors declare is in force (exclusive C14N).
                _signedInfoSeen = _inSignedInfo = true;
                _signedInfo.BeginStream(CanonicalForm.Exclusive);
            }
            if (_inSignedInfo)
            {
                _signedInfo.Stream(reader);
                if (reader.Depth == 2 && (reader.NodeType == XmlNodeType.EndElement || reader.IsEmptyElement)) _inSignedInfo = false;
            }
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == 1) _excluding = false;
            return;
        }
        _canonical.Stream(reader);
    }

    private DuisRequest? Read(XmlReader r, SecureXml xml, ReadOnlyMemory<byte> bytes, bool bodyElementForDevices)
    {
        do
        {
            if (!r.Read()) return null;
        }
        while (r.NodeType != XmlNodeType.Element);
        if (!IsSr(r, "Request") || r.IsEmptyElement) return null;

        var (rootPrefix, rootName, rootNamespace) = (r.Prefix, r.LocalName, r.NamespaceURI);
        var carried = RootAttributes(r, out var versionText);
        if (versionText is null || !DuisSchemaVersion.TryParse(versionText, out var version)) return null;

        // Header: RequestID, FirstInSequence?, PrecedingServiceRequestID?, CommandVariant, ServiceReference, ServiceReferenceVariant.
        if (!NextElement(r, read: true) || !IsSr(r, "Header") || r.IsEmptyElement) return null;
        if (!NextField(r, out var name, out var text) || name != "RequestID" || !RequestId.TryParse(text, out var requestId)) return null;
        if (!NextField(r, out name, out text)) return null;
        bool? first = null;
        if (name == "FirstInSequence")
        {
            if (!DuisXml.TryParseBoolean(text, out var f) || !NextField(r, out name, out text)) return null;
            first = f;
        }
        RequestId? preceding = null;
        if (name == "PrecedingServiceRequestID")
        {
            if (!RequestId.TryParse(text, out var p) || !NextField(r, out name, out text)) return null;
            preceding = p;
        }
        if (name != "CommandVariant" || !CommandVariants.TryParse(text, out var cv)) return null;
        if (!NextField(r, out name, out text) || name != "ServiceReference"
            || !ServiceReference.TryParse(text, out var sr) || !ServiceCatalogue.IsKnown(sr)) return null;
        if (!NextField(r, out name, out text) || name != "ServiceReferenceVariant"
            || !ServiceReferenceVariant.TryParse(text, out var srv) || !ServiceCatalogue.TryGet(srv, out var definition)) return null;
        if (NextElement(r, read: true) || r.NodeType != XmlNodeType.EndElement) return null;

        // Body: exactly one element, read as fields (or kept as XML under copies of sr:Body and the document element).
        if (!NextElement(r, read: true) || !IsSr(r, "Body") || r.IsEmptyElement) return null;
        XmlElement? content = null;
        ReadBodyFields fields = default;
        XmlDocument? document = null;
        XmlElement? root = null;
        if (bodyElementForDevices && !definition.NonDevice)
        {
            // Not the reader's names, which this thread's next request reuses: the document's nodes outlive the request and
            // may be read on other threads. Its names are the ones the process has learned (allocated once), or its own.
            document = new XmlDocument(new LearnedNameTable()) { PreserveWhitespace = true, XmlResolver = null };
            root = (XmlElement)document.AppendChild(document.CreateElement(rootPrefix, rootName, rootNamespace))!;
            root.SetAttribute("schemaVersion", versionText);
            foreach (var a in carried)
            {
                var attribute = document.CreateAttribute(a.Prefix, a.LocalName, a.NamespaceUri);
                attribute.Value = a.Value;
                root.Attributes.Append(attribute);
            }
            var body = (XmlElement)root.AppendChild(CopyElement(document, r, out _, out _))!;
            if (!NextElement(r, read: true)) return null;
            content = (XmlElement)body.AppendChild(document.ReadNode(r)!)!;
            if (NextElement(r, read: false) || r.NodeType != XmlNodeType.EndElement) return null;
        }
        else
        {
            if (!NextElement(r, read: true)) return null;
            fields = ReadFields(r);
            if (NextElement(r, read: true) || r.NodeType != XmlNodeType.EndElement) return null;
        }

        if (!NextElement(r, read: true) || r.LocalName != "Signature" || r.NamespaceURI != DsigNamespace) return null;
        XmlElement? signature = null;
        if (content is not null)
        {
            // Kept with the body for the SM WAN (a Future Dated request is stored as it was signed).
            signature = (XmlElement)root!.AppendChild(document!.ReadNode(r)!)!;
            if (NextElement(r, read: false) || r.NodeType != XmlNodeType.EndElement) return null;
        }
        else
        {
            if (r.IsEmptyElement || !ReadSignature(r, out _shape)) return null;
            _shapeRead = true;
            if (NextElement(r, read: true) || r.NodeType != XmlNodeType.EndElement) return null;
        }
        while (r.Read())
        {
            // What follows the document element (comments, PIs, whitespace) is canonicalised as it is read.
        }

        return content is not null
            ? new DuisRequest(version, requestId, cv, sr, srv, content, first, preceding, signature, carried)
            : new DuisRequest(version, requestId, cv, sr, srv, fields, first, preceding, signature, carried, xml, bytes);
    }

    /// <summary>
    /// Reads the ds:Signature (the reader on its start tag, left on its end tag) in the one shape DUIS signers write:
    /// SignedInfo (exclusive C14N, ECDSA-SHA256, one Reference URI="" with [enveloped-signature] or [enveloped-signature,
    /// exc-c14n] and SHA-256), SignatureValue, KeyInfo/X509Data/X509IssuerSerial; only whitespace and comments between
    /// them. False for anything else, which the document path's profile checks then name (<see cref="DuisSignatureVerifier"/>).
    /// </summary>
    private bool ReadSignature(XmlReader r, out DuisSignatureVerifier.Shape shape)
    {
        shape = default;
        if (!NextDs(r, "SignedInfo") || r.IsEmptyElement) return false;
        if (!NextDs(r, "CanonicalizationMethod") || Algorithm(r) != ExclusiveC14N) return false;
        if (!NextDs(r, "SignatureMethod") || Algorithm(r) != EcdsaSha256) return false;
        if (!NextDs(r, "Reference") || r.IsEmptyElement || !UsualReferenceAttributes(r)) return false;
        if (!NextDs(r, "Transforms") || r.IsEmptyElement) return false;
        if (!NextDs(r, "Transform") || Algorithm(r) != EnvelopedSignature) return false;
        var form = CanonicalForm.Inclusive;
        if (NextDs(r, "Transform"))
        {
            if (Algorithm(r) != ExclusiveC14N || !AtEnd(r)) return false;
            form = CanonicalForm.Exclusive;
        }
        else if (r.NodeType != XmlNodeType.EndElement) return false;
        if (!NextDs(r, "DigestMethod") || Algorithm(r) != Sha256) return false;
        if (!NextDs(r, "DigestValue") || !TryBase64(Text(r, TextContent.TextAndComments), DigestLength, out var digest)) return false;
        if (!AtEnd(r) || !AtEnd(r)) return false; // Reference, SignedInfo
        if (!NextDs(r, "SignatureValue") || !TryBase64(Text(r, TextContent.TextAndComments), SignatureValueLength, out var signatureValue)) return false;
        if (!NextDs(r, "KeyInfo") || r.IsEmptyElement || !NextDs(r, "X509Data") || r.IsEmptyElement
            || !NextDs(r, "X509IssuerSerial") || r.IsEmptyElement) return false;
        if (!NextDs(r, "X509IssuerName") || Text(r, TextContent.TextAndComments) is not { } issuerText) return false;
        if (!NextDs(r, "X509SerialNumber") || Text(r, TextContent.TextAndComments) is not { } serialText) return false;
        if (!AtEnd(r) || !AtEnd(r) || !AtEnd(r) || !AtEnd(r)) return false; // X509IssuerSerial, X509Data, KeyInfo, Signature
        var issuer = issuerText.Trim();
        if (issuer.Length == 0 || !System.Numerics.BigInteger.TryParse(serialText.AsSpan().Trim(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var serial)) return false;
        shape = new DuisSignatureVerifier.Shape
        {
            ReferenceForm = form, Digest = digest, SignatureValue = signatureValue, IssuerName = issuer, Serial = serial,
        };
        return true;
    }

    /// <summary>Moves to the next element (true), or to anything but whitespace and comments (false: the caller reads which).</summary>
    private static bool NextSignatureNode(XmlReader r)
    {
        while (r.Read())
        {
            switch (r.NodeType)
            {
                case XmlNodeType.Element: return true;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment: continue;
                default: return false;
            }
        }
        return false;
    }

    private static bool NextDs(XmlReader r, string localName) =>
        NextSignatureNode(r) && r.LocalName == localName && r.NamespaceURI == DsigNamespace;

    private static bool AtEnd(XmlReader r) => !NextSignatureNode(r) && r.NodeType == XmlNodeType.EndElement;

    /// <summary>The Algorithm of an element without parameters (the reader left on its end); null when it has content.</summary>
    private static string? Algorithm(XmlReader r)
    {
        var algorithm = r.GetAttribute("Algorithm") ?? "";
        if (r.IsEmptyElement) return algorithm;
        return AtEnd(r) ? algorithm : null;
    }

    /// <summary>URI="" and no attributes but Id, Type and namespace declarations (the document path's profile).</summary>
    private static bool UsualReferenceAttributes(XmlReader r)
    {
        var uri = false;
        if (!r.MoveToFirstAttribute()) return false;
        do
        {
            if (r.NamespaceURI == "http://www.w3.org/2000/xmlns/") continue;
            if (r.LocalName == "URI" && r.NamespaceURI.Length == 0 && r.Value.Length == 0) uri = true;
            else if (r.LocalName is not ("Id" or "Type") || r.NamespaceURI.Length != 0)
            {
                uri = false;
                break;
            }
        }
        while (r.MoveToNextAttribute());
        r.MoveToElement();
        return uri;
    }

    private static bool TryBase64(string? text, int length, out byte[] bytes)
    {
        bytes = new byte[length];
        if (text is null) return false;
        Span<byte> scratch = stackalloc byte[length + 3];
        if (!Convert.TryFromBase64String(text, scratch, out var written) || written != length) return false;
        scratch[..length].CopyTo(bytes);
        return true;
    }

    /// <summary>
    /// Reads the body's element (the reader on its start tag) to its end tag, keeping what the pipeline reads of it: its
    /// name, the text of a first child sr:ExecutionDateTime (DuisRequest.ExecutionDateTime) and of the first sr:GBCSPayload child.
    /// </summary>
    private ReadBodyFields ReadFields(XmlReader r)
    {
        var name = new BodyElementName(r.Prefix, r.LocalName, r.NamespaceURI);
        if (r.IsEmptyElement) return new ReadBodyFields(name, null, null);
        var depth = r.Depth;
        DateTimeOffset? at = null;
        string? payload = null;
        var firstChild = true;
        while (r.Read())
        {
            if (r.NodeType == XmlNodeType.EndElement && r.Depth == depth) break;
            if (r.NodeType != XmlNodeType.Element || r.Depth != depth + 1) continue;
            var isFirst = firstChild;
            firstChild = false;
            if (r.NamespaceURI != Sr) continue;
            if (isFirst && r.LocalName == "ExecutionDateTime") at = DuisRequest.ParseExecutionDateTime(Text(r, TextContent.Descendants) ?? "");
            else if (payload is null && r.LocalName == "GBCSPayload") payload = Text(r, TextContent.Descendants);
        }
        return new ReadBodyFields(name, at, payload);
    }

    /// <summary>
    /// The body's element of a request this reader has read (so of the shape it reads), built from its bytes under copies
    /// of sr:Body and the document element, as the document path has it.
    /// </summary>
    internal static XmlElement ReadBodyElement(SecureXml xml, ReadOnlyMemory<byte> bytes) => ReadElement(xml, bytes, signature: false);

    /// <summary>The ds:Signature of a request this reader has read, built from its bytes under a copy of the document element.</summary>
    internal static XmlElement ReadSignatureElement(SecureXml xml, ReadOnlyMemory<byte> bytes) => ReadElement(xml, bytes, signature: true);

    private static XmlElement ReadElement(SecureXml xml, ReadOnlyMemory<byte> bytes, bool signature)
    {
        var segment = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var s) ? s : new ArraySegment<byte>(bytes.ToArray());
        var document = new XmlDocument(new LearnedNameTable()) { PreserveWhitespace = true, XmlResolver = null };
        using var stream = new PieceStream(segment.Array!, segment.Offset, segment.Count);
        using var r = xml.CreateReader(stream, null, xml.ReaderSettings(document.NameTable));
        do
        {
            if (!r.Read()) throw NotRead();
        }
        while (r.NodeType != XmlNodeType.Element);
        var root = document.AppendChild(CopyElement(document, r, out _, out _))!;
        if (!NextElement(r, read: true)) throw NotRead();
        r.Skip();
        if (!NextElement(r, read: false) || !IsSr(r, "Body")) throw NotRead();
        if (signature)
        {
            r.Skip();
            if (!NextElement(r, read: false) || r.LocalName != "Signature" || r.NamespaceURI != DsigNamespace) throw NotRead();
            return (XmlElement)root.AppendChild(document.ReadNode(r)!)!;
        }
        var body = root.AppendChild(CopyElement(document, r, out _, out _))!;
        if (!NextElement(r, read: true)) throw NotRead();
        return (XmlElement)body.AppendChild(document.ReadNode(r)!)!;

        static InvalidOperationException NotRead() => new("The request's bytes changed after it was read: its body or signature cannot be built from them.");
    }

    /// <summary>
    /// The request's bytes as the reader's stream, said to be at most <see cref="Piece"/> long: an XmlReader sizes
    /// its byte buffer and its char buffer (twice the bytes) from a seekable stream's length, so it reads the
    /// request in pieces through two small buffers instead of copying the whole of it twice. It reads on until
    /// Read returns nothing, as from any stream, so what it parses is the same; a name or value longer than a piece
    /// grows its char buffer as it does for a network stream. Over <see cref="LargestInPieces"/> (no DUIS request
    /// of the usual shape; a hostile one, e.g. 30,000 namespace declarations on one element) it tells its real
    /// length: the reader moves what it keeps of a long start tag at each refill, so small pieces would make
    /// such a tag cost its length times the number of pieces.
    /// </summary>
    private sealed class PieceStream(byte[] buffer, int offset, int count) : MemoryStream(buffer, offset, count, writable: false)
    {
        private const int Piece = 512;
        private const int LargestInPieces = 64 * 1024;

        public override long Length => base.Length <= LargestInPieces ? Math.Min(base.Length, Piece) : base.Length;
    }

    private static bool IsSr(XmlReader r, string localName) => r.LocalName == localName && r.NamespaceURI == Sr;

    /// <summary>
    /// Moves to the next element child (true), or stops at an end tag or character data (false; the
    /// caller reads which); whitespace, comments and PIs between elements are skipped, as the DOM reader does.
    /// </summary>
    private static bool NextElement(XmlReader r, bool read)
    {
        if (read && !r.Read()) return false;
        while (true)
        {
            switch (r.NodeType)
            {
                case XmlNodeType.Element:
                    return true;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment or XmlNodeType.ProcessingInstruction:
                    break;
                default:
                    return false;
            }
            if (!r.Read()) return false;
        }
    }

    /// <summary>The next header element, an sr element holding only text, with its name and text.</summary>
    private bool NextField(XmlReader r, [NotNullWhen(true)] out string? name, [NotNullWhen(true)] out string? text)
    {
        name = null;
        text = null;
        if (!NextElement(r, read: true) || r.NamespaceURI != Sr) return false;
        name = r.LocalName;
        if (r.IsEmptyElement)
        {
            text = "";
            return true;
        }
        text = Text(r, TextContent.TextOnly);
        return text is not null;
    }

    private enum TextContent
    {
        /// <summary>Text and CDATA only (a header field).</summary>
        TextOnly,
        /// <summary>Text, CDATA and comments (a signature's value, as the xmldsig XSD types it).</summary>
        TextAndComments,
        /// <summary>All the text within, whatever else (XmlElement.InnerText).</summary>
        Descendants,
    }

    /// <summary>
    /// The text of the reader's element (on its start tag; left on its end tag), or null when it holds what
    /// <paramref name="content"/> does not allow. The usual value is one text node: its string is the text, not copied.
    /// </summary>
    private string? Text(XmlReader r, TextContent content)
    {
        if (r.IsEmptyElement) return "";
        var depth = r.Depth;
        string? single = null;
        _text.Clear();
        while (r.Read())
        {
            switch (r.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (single is null && _text.Length == 0) single = r.Value;
                    else
                    {
                        if (single is not null) _text.Append(single);
                        single = null;
                        _text.Append(r.Value);
                    }
                    break;
                case XmlNodeType.EndElement when r.Depth == depth:
                    return single ?? _text.ToString();
                case XmlNodeType.Comment when content != TextContent.TextOnly:
                    break;
                default:
                    if (content != TextContent.Descendants) return null;
                    break;
            }
        }
        return null;
    }

    /// <summary>The reader's element's attributes but schemaVersion (the ones a re-written message carries), and schemaVersion's value.</summary>
    private static List<RootAttribute> RootAttributes(XmlReader r, out string? schemaVersion)
    {
        schemaVersion = null;
        var carried = new List<RootAttribute>(r.AttributeCount);
        if (r.MoveToFirstAttribute())
        {
            do
            {
                if (r.LocalName == "schemaVersion" && r.NamespaceURI.Length == 0) schemaVersion = r.Value;
                else carried.Add(new RootAttribute(r.Prefix, r.LocalName, r.NamespaceURI, r.Value));
            }
            while (r.MoveToNextAttribute());
            r.MoveToElement();
        }
        return carried;
    }

    /// <summary>A copy of the reader's element without content; its attributes other than schemaVersion are the ones a re-written message carries.</summary>
    private static XmlElement CopyElement(XmlDocument document, XmlReader r, out string? schemaVersion, out List<RootAttribute> carried)
    {
        var element = document.CreateElement(r.Prefix, r.LocalName, r.NamespaceURI);
        schemaVersion = null;
        carried = new List<RootAttribute>(r.AttributeCount);
        if (r.MoveToFirstAttribute())
        {
            do
            {
                var attribute = document.CreateAttribute(r.Prefix, r.LocalName, r.NamespaceURI);
                attribute.Value = r.Value;
                element.Attributes.Append(attribute);
                if (r.LocalName == "schemaVersion" && r.NamespaceURI.Length == 0) schemaVersion = r.Value;
                else carried.Add(new RootAttribute(r.Prefix, r.LocalName, r.NamespaceURI, attribute.Value));
            }
            while (r.MoveToNextAttribute());
            r.MoveToElement();
        }
        return element;
    }
}
