using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;
using static OpenDuis.Protocol.Signing.DuisSignatureProfile;

namespace OpenDuis.Protocol.Signing;

/// <summary>
/// Reads a signed DUIS request straight from its UTF-8 bytes, without an <see cref="System.Xml.XmlReader"/>, when
/// it is written the plain way DUIS Users write it: ASCII, no comments, processing instructions, CDATA, character
/// references or DTD, entity references only to the predefined five, attribute values without references or
/// line breaks, at most <see cref="MaxInScope"/> namespace declarations in scope. It answers exactly what
/// <see cref="SignedRequestReader"/> answers for such a request (the same fields, canonical octets and signature
/// shape, written into the same canonicalisers); for anything else, well-formed or not, it declines and the
/// reader reads the request, so XML refused by <see cref="SecureXml"/> is refused there with its reason. Its
/// names and repeated values (namespaces, algorithms, issuers) are strings it keeps from request to request, so
/// the usual request costs no string but its GBCS payload. Linear in the input: every byte is looked at a
/// bounded number of times, and a namespace prefix is looked up among at most <see cref="MaxInScope"/> bindings.
/// One instance per thread (a <see cref="SignedRequestReader"/>'s).
/// </summary>
internal sealed class SignedRequestScanner
{
    private const string Sr = DuisNamespaces.ServiceUserGateway;
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
    /// <summary>Bindings in scope beyond which a request is left to the reader (whose lookups stay linear however many).</summary>
    private const int MaxInScope = 32;
    /// <summary>Text decoded to characters at most this long (a header value, a signature's value); longer is left to the reader.</summary>
    private const int MaxValueChars = 512;
    private const int MaxKeptStrings = 1024;

    // Printable ASCII, tab and line feed: anything else (a carriage return, other controls, UTF-8 beyond ASCII) is left to the reader.
    private static readonly SearchValues<byte> Plain = SearchValues.Create(
        [(byte)'\t', (byte)'\n', .. Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b)]);
    private static readonly SearchValues<byte> NotWhitespace = SearchValues.Create(
        [.. Enumerable.Range(0x21, 0x7F - 0x21).Select(b => (byte)b)]);
    private static readonly SearchValues<byte> NameEnd = SearchValues.Create(" \t\n/>=:"u8);

    private byte[] _b = [];
    private int _pos;
    private int _end;
    private SecureXmlOptions _limits = SecureXmlOptions.Default;

    // Names and repeated values, kept from request to request (renewed once a hostile stream of new ones has filled it).
    private Dictionary<string, string> _kept = new(StringComparer.Ordinal);

    // The current token.
    private Token _token;
    private string _prefix = "";
    private string _local = "";
    private string _ns = "";
    private bool _empty;
    private int _textStart;
    private int _textEnd;
    private bool _textIsWhitespace;

    private readonly List<Attribute> _attributes = new(8);
    // Namespace bindings in scope, innermost last, and each open element's name and first binding.
    private readonly List<(string Prefix, string Uri)> _scope = new(16);
    private readonly List<(string Prefix, string Local, int Scope)> _open = new(16);
    private int _attributeTotal;
    private bool _popAfterEmpty;
    private bool _rootDone;

    // Where tokens are written as they are read: the document's canonical form (but the enveloped signature) and SignedInfo's.
    private Canonicalizer? _document;
    private bool _writeDocument;
    private Canonicalizer? _signedInfo;
    // SignedInfo's canonicaliser, begun if the next start tag is SignedInfo (the apex of its own node-set).
    private Canonicalizer? _signedInfoNext;

    // The last signature's digest and value: the thread's reader verifies the request it has just read before it reads
    // another (SignedRequestReader.Verify), so they are the scanner's, not each request's.
    private readonly byte[] _digest = new byte[DigestLength];
    private readonly byte[] _signatureValue = new byte[SignatureValueLength];

    private enum Token { StartTag, EndTag, Text, End, Decline }

    private readonly record struct Attribute(string Prefix, string Local, string Ns, string Value, bool Declaration);

    /// <summary>The number of requests this thread's scanner has read (for tests that it, and not the reader, answered).</summary>
    internal int Read { get; private set; }

    /// <summary>
    /// Reads the request in <paramref name="bytes"/>, writing its canonical form into <paramref name="document"/> (begun
    /// in the foreseen form) and SignedInfo's into <paramref name="signedInfo"/>; false when it is not of the plain shape
    /// this answers (the canonicalisers then hold a partial form: the caller begins again).
    /// </summary>
    public bool TryRead(SecureXml xml, ArraySegment<byte> segment, ReadOnlyMemory<byte> bytes, Canonicalizer document, Canonicalizer signedInfo,
        [NotNullWhen(true)] out DuisRequest? request, out DuisSignatureVerifier.Shape shape)
    {
        request = null;
        shape = default;
        var span = segment.AsSpan();
        if (span.IndexOfAnyExcept(Plain) >= 0) return false;
        (_b, _pos, _end, _limits) = (segment.Array!, segment.Offset, segment.Offset + segment.Count, xml.Options);
        (_document, _writeDocument, _signedInfo, _signedInfoNext) = (document, true, null, null);
        _scope.Clear();
        _open.Clear();
        _attributeTotal = 0;
        (_popAfterEmpty, _rootDone) = (false, false);
        if (_kept.Count > MaxKeptStrings) _kept = new(StringComparer.Ordinal);
        try
        {
            request = ReadRequest(xml, bytes, signedInfo, out shape);
        }
        finally
        {
            (_b, _document, _signedInfo, _signedInfoNext) = ([], null, null, null);
        }
        if (request is not null) Read++;
        return request is not null;
    }

    private DuisRequest? ReadRequest(SecureXml xml, ReadOnlyMemory<byte> bytes, Canonicalizer signedInfo, out DuisSignatureVerifier.Shape shape)
    {
        shape = default;
        if (!Prolog()) return null;
        if (Next() != Token.StartTag || _ns != Sr || _local != "Request" || _empty) return null;
        string? versionText = null;
        var carried = new List<RootAttribute>(_attributes.Count);
        foreach (var a in _attributes)
        {
            if (!a.Declaration && a.Local == "schemaVersion" && a.Ns.Length == 0) versionText = a.Value;
            // As a reader names them: a declaration is xmlns:p (prefix xmlns) or xmlns (local name xmlns).
            else if (a.Declaration) carried.Add(a.Prefix.Length == 0 ? new RootAttribute("", "xmlns", XmlnsNamespace, a.Value) : new RootAttribute("xmlns", a.Prefix, XmlnsNamespace, a.Value));
            else carried.Add(new RootAttribute(a.Prefix, a.Local, a.Ns, a.Value));
        }
        if (versionText is null || !DuisSchemaVersion.TryParse(versionText, out var version)) return null;

        // Header: RequestID, FirstInSequence?, PrecedingServiceRequestID?, CommandVariant, ServiceReference, ServiceReferenceVariant.
        if (!NextElement() || _ns != Sr || _local != "Header" || _empty) return null;
        Span<char> text = stackalloc char[MaxValueChars];
        if (!NextField(text, out var name, out var n) || name != "RequestID" || !RequestId.TryParse(text[..n], null, out var requestId)) return null;
        if (!NextField(text, out name, out n)) return null;
        bool? first = null;
        if (name == "FirstInSequence")
        {
            if (!DuisXml.TryParseBoolean(text[..n], out var f) || !NextField(text, out name, out n)) return null;
            first = f;
        }
        RequestId? preceding = null;
        if (name == "PrecedingServiceRequestID")
        {
            if (!RequestId.TryParse(text[..n], null, out var p) || !NextField(text, out name, out n)) return null;
            preceding = p;
        }
        if (name != "CommandVariant" || !CommandVariants.TryParse(text[..n], out var cv)) return null;
        if (!NextField(text, out name, out n) || name != "ServiceReference"
            || !ServiceReference.TryParse(text[..n], null, out var sr) || !ServiceCatalogue.IsKnown(sr)) return null;
        if (!NextField(text, out name, out n) || name != "ServiceReferenceVariant"
            || !ServiceReferenceVariant.TryParse(text[..n], null, out var srv) || !ServiceCatalogue.TryGet(srv, out _)) return null;
        if (NextElement() || _token != Token.EndTag) return null;

        // Body: exactly one element, read as fields.
        if (!NextElement() || _ns != Sr || _local != "Body" || _empty) return null;
        if (!NextElement()) return null;
        if (ReadFields() is not { } fields) return null;
        if (NextElement() || _token != Token.EndTag) return null;

        // The enveloped signature (left out of the document's form as it is read: Next), SignedInfo canonicalised as it is read.
        if (!NextElement() || _local != "Signature" || _ns != DsigNamespace || _empty) return null;
        if (!ReadSignature(signedInfo, text, out shape)) return null;
        if (NextElement() || _token != Token.EndTag) return null;
        // Only whitespace after the document element.
        while (Next() == Token.Text)
        {
        }
        if (_token != Token.End) return null;

        return new DuisRequest(version, requestId, cv, sr, srv, fields, first, preceding, null, carried, xml, bytes);
    }

    /// <summary>An XML declaration of UTF-8 (or none), then whitespace, before the document element.</summary>
    private bool Prolog()
    {
        var rest = _b.AsSpan(_pos, _end - _pos);
        if (rest.StartsWith("<?xml"u8))
        {
            var close = rest.IndexOf("?>"u8);
            if (close < 0 || !PlainDeclaration(rest[5..close])) return false;
            _pos += close + 2;
        }
        var after = _b.AsSpan(_pos, _end - _pos);
        var tag = after.IndexOfAny(NotWhitespace);
        if (tag < 0 || after[tag] != (byte)'<') return false;
        _pos += tag;
        return true;
    }

    /// <summary>version="1.0", an optional encoding of UTF-8 and an optional standalone, as a reader takes them.</summary>
    private static bool PlainDeclaration(ReadOnlySpan<byte> d)
    {
        var i = 0;
        bool Space(ReadOnlySpan<byte> s)
        {
            var start = i;
            while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n') i++;
            return i > start;
        }
        bool Pseudo(ReadOnlySpan<byte> s, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            value = default;
            var start = i;
            if (!Space(s) || !s[i..].StartsWith(name)) { i = start; return false; }
            i += name.Length;
            Space(s);
            if (i >= s.Length || s[i] != (byte)'=') return false;
            i++;
            Space(s);
            if (i >= s.Length || s[i] is not ((byte)'"' or (byte)'\'')) return false;
            var quote = s[i++];
            var close = s[i..].IndexOf(quote);
            if (close < 0) return false;
            value = s.Slice(i, close);
            i += close + 1;
            return true;
        }
        if (!Pseudo(d, "version"u8, out var version) || !version.SequenceEqual("1.0"u8)) return false;
        if (Pseudo(d, "encoding"u8, out var encoding) && !System.Text.Ascii.EqualsIgnoreCase(encoding, "utf-8"u8)) return false;
        if (Pseudo(d, "standalone"u8, out var standalone) && !standalone.SequenceEqual("yes"u8) && !standalone.SequenceEqual("no"u8)) return false;
        Space(d);
        return i == d.Length;
    }

    /// <summary>
    /// The body's element (the current start tag) to its end tag, as <c>SignedRequestReader.ReadFields</c> keeps it: its
    /// name, the text of a first child sr:ExecutionDateTime, of the first sr:GBCSPayload child. Null when it holds a
    /// signature (the reader counts signatures) or a field with markup inside.
    /// </summary>
    private ReadBodyFields? ReadFields()
    {
        var name = new BodyElementName(_prefix, _local, _ns);
        if (_local == "Signature" && _ns == DsigNamespace) return null;
        if (_empty) return new ReadBodyFields(name, null, null);
        var depth = _open.Count;
        DateTimeOffset? at = null;
        string? payload = null;
        var firstChild = true;
        while (true)
        {
            switch (Next())
            {
                case Token.EndTag when _open.Count == depth - 1:
                    return new ReadBodyFields(name, at, payload);
                case Token.StartTag:
                    if (_local == "Signature" && _ns == DsigNamespace) return null;
                    if (_open.Count != depth + 1) continue;
                    var isFirst = firstChild;
                    firstChild = false;
                    if (_ns != Sr) continue;
                    if (isFirst && _local == "ExecutionDateTime")
                    {
                        if (TextString() is not { } when) return null;
                        at = DuisRequest.ParseExecutionDateTime(when);
                    }
                    else if (payload is null && _local == "GBCSPayload")
                    {
                        if ((payload = TextString()) is null) return null;
                    }
                    continue;
                case Token.EndTag or Token.Text:
                    continue;
                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// The ds:Signature (on its start tag; left on its end tag) in the one shape <c>SignedRequestReader.ReadSignature</c>
    /// reads, SignedInfo written into <paramref name="signedInfo"/> by exclusive C14N as its apex.
    /// </summary>
    private bool ReadSignature(Canonicalizer signedInfo, Span<char> text, out DuisSignatureVerifier.Shape shape)
    {
        shape = default;
        _signedInfoNext = signedInfo;
        if (!NextDs("SignedInfo") || _empty) return false;
        if (!NextDs("CanonicalizationMethod") || Algorithm() != ExclusiveC14N) return false;
        if (!NextDs("SignatureMethod") || Algorithm() != EcdsaSha256) return false;
        if (!NextDs("Reference") || _empty || !UsualReferenceAttributes()) return false;
        if (!NextDs("Transforms") || _empty) return false;
        if (!NextDs("Transform") || Algorithm() != EnvelopedSignature) return false;
        var form = CanonicalForm.Inclusive;
        if (NextDs("Transform"))
        {
            if (Algorithm() != ExclusiveC14N || !AtEnd()) return false;
            form = CanonicalForm.Exclusive;
        }
        else if (_token != Token.EndTag) return false;
        if (!NextDs("DigestMethod") || Algorithm() != Sha256) return false;
        var digest = _digest;
        if (!NextDs("DigestValue") || !TextChars(text, out var n) || !TryBase64(text[..n], digest)) return false;
        if (!AtEnd()) return false; // Reference
        if (!AtEnd()) return false; // SignedInfo
        _signedInfo = null;
        var signatureValue = _signatureValue;
        if (!NextDs("SignatureValue") || !TextChars(text, out n) || !TryBase64(text[..n], signatureValue)) return false;
        if (!NextDs("KeyInfo") || _empty || !NextDs("X509Data") || _empty || !NextDs("X509IssuerSerial") || _empty) return false;
        if (!NextDs("X509IssuerName") || !TextChars(text, out n)) return false;
        var issuer = text[..n].Trim();
        if (issuer.IsEmpty) return false;
        var issuerName = Keep(issuer);
        if (!NextDs("X509SerialNumber") || !TextChars(text, out n)) return false;
        if (!System.Numerics.BigInteger.TryParse(text[..n].Trim(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var serial)) return false;
        if (!AtEnd() || !AtEnd() || !AtEnd() || !AtEnd()) return false; // X509IssuerSerial, X509Data, KeyInfo, Signature
        shape = new DuisSignatureVerifier.Shape
        {
            ReferenceForm = form, Digest = digest, SignatureValue = signatureValue, IssuerName = issuerName, Serial = serial,
        };
        return true;
    }

    private static bool TryBase64(ReadOnlySpan<char> text, byte[] bytes)
    {
        Span<byte> scratch = stackalloc byte[bytes.Length + 3];
        if (!Convert.TryFromBase64Chars(text, scratch, out var written) || written != bytes.Length) return false;
        scratch[..bytes.Length].CopyTo(bytes);
        return true;
    }

    /// <summary>Moves to the next element (true), past whitespace; false on anything else (the caller reads which).</summary>
    private bool NextSignatureNode()
    {
        while (Next() == Token.Text)
            if (!_textIsWhitespace) return false;
        return _token == Token.StartTag;
    }

    private bool NextDs(string localName) => NextSignatureNode() && _local == localName && _ns == DsigNamespace;

    private bool AtEnd() => !NextSignatureNode() && _token == Token.EndTag;

    /// <summary>The Algorithm of an element without parameters (left on its end); null when it has content.</summary>
    private string? Algorithm()
    {
        var algorithm = "";
        foreach (var a in _attributes)
            if (!a.Declaration && a.Prefix.Length == 0 && a.Local == "Algorithm") algorithm = a.Value;
        if (_empty) return algorithm;
        return AtEnd() ? algorithm : null;
    }

    /// <summary>URI="" and no attributes but Id, Type and namespace declarations.</summary>
    private bool UsualReferenceAttributes()
    {
        if (_attributes.Count == 0) return false;
        var uri = false;
        foreach (var a in _attributes)
        {
            if (a.Declaration) continue;
            if (a.Local == "URI" && a.Ns.Length == 0 && a.Value.Length == 0) uri = true;
            else if (a.Local is not ("Id" or "Type") || a.Ns.Length != 0) return false;
        }
        return uri;
    }

    /// <summary>Moves to the next element child (true) past whitespace; false at an end tag or other content.</summary>
    private bool NextElement()
    {
        while (Next() == Token.Text)
            if (!_textIsWhitespace) return false;
        return _token == Token.StartTag;
    }

    /// <summary>The next header element, an sr element holding only text, with its name and its text in <paramref name="text"/>.</summary>
    private bool NextField(Span<char> text, [NotNullWhen(true)] out string? name, out int length)
    {
        name = null;
        length = 0;
        if (!NextElement() || _ns != Sr) return false;
        name = _local;
        return TextChars(text, out length);
    }

    /// <summary>
    /// The text of the current element (on its start tag; left on its end tag), decoded into <paramref name="text"/>;
    /// false when it holds anything but one run of text (or is longer than it).
    /// </summary>
    private bool TextChars(Span<char> text, out int length)
    {
        length = 0;
        if (_empty) return true;
        if (Next() == Token.Text)
        {
            if (!Decode(_b.AsSpan(_textStart, _textEnd - _textStart), text, out length)) return false;
            Next();
        }
        return _token == Token.EndTag;
    }

    /// <summary>The text of the current element as a string (a body field), or null when it holds anything but text.</summary>
    private string? TextString()
    {
        if (_empty) return "";
        if (Next() == Token.EndTag) return "";
        if (_token != Token.Text) return null;
        var raw = _b.AsSpan(_textStart, _textEnd - _textStart);
        if (Next() != Token.EndTag) return null;
        if (raw.IndexOf((byte)'&') < 0) return System.Text.Encoding.ASCII.GetString(raw);
        var chars = new char[raw.Length];
        return Decode(raw, chars, out var n) ? new string(chars, 0, n) : null;
    }

    /// <summary>Character data with its (predefined) entity references replaced.</summary>
    private static bool Decode(ReadOnlySpan<byte> raw, Span<char> into, out int length)
    {
        length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (length == into.Length) return false;
            var c = raw[i];
            if (c == (byte)'&')
            {
                Reference(raw[i..], out var ch, out var size);
                into[length++] = ch;
                i += size - 1;
            }
            else into[length++] = (char)c;
        }
        return true;
    }

    /// <summary>
    /// The reference at the start of <paramref name="at"/>: one of the predefined five, or a character reference to a tab,
    /// a line break or printable ASCII (as a Java serialiser writes a carriage return: &amp;#13;). False for any other,
    /// which is the reader's.
    /// </summary>
    private static bool Reference(ReadOnlySpan<byte> at, out char c, out int length)
    {
        (c, length) = ('\0', 0);
        var end = at.IndexOf((byte)';');
        if (end < 2 || end > 10) return false;
        var name = at[1..end];
        length = end + 1;
        if (name.SequenceEqual("lt"u8)) c = '<';
        else if (name.SequenceEqual("gt"u8)) c = '>';
        else if (name.SequenceEqual("amp"u8)) c = '&';
        else if (name.SequenceEqual("quot"u8)) c = '"';
        else if (name.SequenceEqual("apos"u8)) c = '\'';
        else if (name[0] != (byte)'#') return false;
        else
        {
            var hex = name.Length > 1 && name[1] == (byte)'x';
            var digits = name[(hex ? 2 : 1)..];
            if (digits.IsEmpty) return false;
            var value = 0;
            foreach (var d in digits)
            {
                var digit = d is >= (byte)'0' and <= (byte)'9' ? d - '0'
                    : hex && d is >= (byte)'a' and <= (byte)'f' ? d - 'a' + 10
                    : hex && d is >= (byte)'A' and <= (byte)'F' ? d - 'A' + 10 : -1;
                if (digit < 0) return false;
                value = value * (hex ? 16 : 10) + digit;
            }
            if (value is not (9 or 10 or 13 or (>= 0x20 and < 0x7F))) return false;
            c = (char)value;
        }
        return true;
    }

    /// <summary>Reads the next token and writes it into the canonical forms being written.</summary>
    private Token Next()
    {
        _token = Scan();
        if (_token == Token.Decline) return _token;
        var toDocument = _writeDocument;
        if (_token == Token.StartTag)
        {
            // The document element's ds:Signature child: the enveloped-signature transform leaves it out of the digest's octets.
            if (_open.Count == 2 && _local == "Signature" && _ns == DsigNamespace) toDocument = _writeDocument = false;
            if (_signedInfoNext is { } signedInfo)
            {
                _signedInfoNext = null;
                if (_open.Count == 3 && _local == "SignedInfo" && _ns == DsigNamespace)
                {
                    signedInfo.BeginStream(CanonicalForm.Exclusive);
                    _signedInfo = signedInfo;
                }
            }
        }
        else if (_token == Token.EndTag && !_writeDocument && _open.Count == 1) _writeDocument = true;
        if (toDocument) Write(_document!);
        if (_signedInfo is { } s) Write(s);
        return _token;
    }

    private void Write(Canonicalizer sink)
    {
        switch (_token)
        {
            case Token.StartTag:
                sink.BeginStartTag(_prefix, _local);
                foreach (var a in _attributes)
                    if (a.Declaration) sink.Declared(a.Prefix, a.Value);
                    else sink.AddAttribute(a.Prefix, a.Local, a.Ns, a.Value);
                sink.EndStartTag(_prefix, _local, _ns, _empty);
                break;
            case Token.EndTag:
                sink.StreamEndTag(_prefix, _local);
                break;
            case Token.Text when _open.Count > 0:
                WriteCanonicalText(sink, _b.AsSpan(_textStart, _textEnd - _textStart));
                break;
        }
    }

    /// <summary>
    /// Text as C14N writes it: '&amp;', '&lt;', '&gt;' and a carriage return (only ever from a character reference: a request
    /// with a raw one is the reader's, which normalises line ends) as references, every other character as itself.
    /// </summary>
    private static void WriteCanonicalText(Canonicalizer sink, ReadOnlySpan<byte> raw)
    {
        while (true)
        {
            var at = raw.IndexOfAny((byte)'&', (byte)'>');
            if (at < 0)
            {
                sink.Append(raw);
                return;
            }
            sink.Append(raw[..at]);
            var c = '>';
            var size = 1;
            if (raw[at] == (byte)'&') Reference(raw[at..], out c, out size);
            sink.AppendText(new ReadOnlySpan<char>(in c));
            raw = raw[(at + size)..];
        }
    }

    private Token Scan()
    {
        if (_popAfterEmpty)
        {
            _popAfterEmpty = false;
            Pop();
        }
        if (_pos >= _end) return _open.Count == 0 ? Token.End : Token.Decline;
        var rest = _b.AsSpan(_pos, _end - _pos);
        if (rest[0] != (byte)'<')
        {
            var lt = rest.IndexOf((byte)'<');
            var run = lt < 0 ? rest : rest[..lt];
            _textStart = _pos;
            _textEnd = _pos + run.Length;
            _pos = _textEnd;
            _textIsWhitespace = run.IndexOfAny(NotWhitespace) < 0;
            // Outside the document element only whitespace; inside, no "]]>" and only the predefined entity references.
            if (_open.Count == 0) return _textIsWhitespace ? Token.Text : Token.Decline;
            if (run.IndexOf("]]>"u8) >= 0 || !KnownReferencesOnly(run)) return Token.Decline;
            return Token.Text;
        }
        if (rest.Length < 2) return Token.Decline;
        if (rest[1] == (byte)'/') return EndTag(rest);
        // Comments, CDATA, PIs and DTDs are the reader's.
        if (rest[1] is (byte)'!' or (byte)'?') return Token.Decline;
        // One document element: anything after it is the reader's.
        if (_rootDone) return Token.Decline;
        return StartTag(rest);
    }

    private static bool KnownReferencesOnly(ReadOnlySpan<byte> run)
    {
        for (var at = run.IndexOf((byte)'&'); at >= 0;)
        {
            if (!Reference(run[at..], out _, out var size)) return false;
            var next = run[(at + size)..].IndexOf((byte)'&');
            at = next < 0 ? -1 : at + size + next;
        }
        return true;
    }

    private Token EndTag(ReadOnlySpan<byte> rest)
    {
        var i = 2;
        if (!QName(rest, ref i, out var prefix, out var local)) return Token.Decline;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\n') i++;
        if (i >= rest.Length || rest[i] != (byte)'>' || _open.Count == 0) return Token.Decline;
        var open = _open[^1];
        if (!ReferenceEquals(open.Prefix, prefix) || !ReferenceEquals(open.Local, local)) return Token.Decline;
        _pos += i + 1;
        (_prefix, _local) = (prefix, local);
        Pop();
        return Token.EndTag;
    }

    private void Pop()
    {
        var open = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        _scope.RemoveRange(open.Scope, _scope.Count - open.Scope);
        _rootDone = _open.Count == 0;
    }

    private Token StartTag(ReadOnlySpan<byte> rest)
    {
        var i = 1;
        if (!QName(rest, ref i, out var prefix, out var local) || prefix is "xml" or "xmlns") return Token.Decline;
        _attributes.Clear();
        var scopeStart = _scope.Count;
        // Declarations are bound as they are read, the other attributes resolved once all of the tag's are known.
        while (true)
        {
            var spaced = false;
            while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\n') { i++; spaced = true; }
            if (i >= rest.Length) return Token.Decline;
            if (rest[i] == (byte)'>') { _empty = false; i++; break; }
            if (rest[i] == (byte)'/')
            {
                if (i + 1 >= rest.Length || rest[i + 1] != (byte)'>') return Token.Decline;
                _empty = true;
                i += 2;
                break;
            }
            if (!spaced || _attributes.Count >= _limits.MaxAttributesPerElement) return Token.Decline;
            if (!QName(rest, ref i, out var aPrefix, out var aLocal)) return Token.Decline;
            while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\n') i++;
            if (i >= rest.Length || rest[i] != (byte)'=') return Token.Decline;
            i++;
            while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\n') i++;
            if (i >= rest.Length || rest[i] is not ((byte)'"' or (byte)'\'')) return Token.Decline;
            var quote = rest[i++];
            var close = rest[i..].IndexOf(quote);
            if (close < 0) return Token.Decline;
            var raw = rest.Slice(i, close);
            i += close + 1;
            // References and line breaks in values (normalised by a reader) are the reader's; '<' is not well-formed.
            if (raw.IndexOfAny((byte)'&', (byte)'<') >= 0 || raw.IndexOfAny((byte)'\t', (byte)'\n') >= 0) return Token.Decline;
            var value = Keep(raw);
            if (aPrefix.Length == 0 && aLocal == "xmlns")
            {
                if (!Bind("", value)) return Token.Decline;
                _attributes.Add(new Attribute("", "", XmlnsNamespace, value, Declaration: true));
            }
            else if (aPrefix == "xmlns")
            {
                if (aLocal is "xml" or "xmlns" || value.Length == 0 || !Bind(aLocal, value)) return Token.Decline;
                _attributes.Add(new Attribute(aLocal, aLocal, XmlnsNamespace, value, Declaration: true));
            }
            else if (aPrefix.Length > 0 && aPrefix == "xml") return Token.Decline;
            else _attributes.Add(new Attribute(aPrefix, aLocal, "", value, Declaration: false));
        }
        // The depth and attribute limits: a request beyond them is the reader's, which refuses it with the reason.
        _attributeTotal += _attributes.Count;
        if (_open.Count >= _limits.MaxDepth || _attributeTotal > _limits.MaxAttributes) return Token.Decline;
        // A prefix declared twice on one tag is not well-formed.
        for (var a = scopeStart; a < _scope.Count; a++)
            for (var b = a + 1; b < _scope.Count; b++)
                if (ReferenceEquals(_scope[a].Prefix, _scope[b].Prefix)) return Token.Decline;
        if (Resolve(prefix) is not { } ns) return Token.Decline;
        for (var a = 0; a < _attributes.Count; a++)
        {
            var attribute = _attributes[a];
            if (attribute.Declaration) continue;
            if (attribute.Prefix.Length > 0)
            {
                if (Resolve(attribute.Prefix) is not { } uri || uri.Length == 0) return Token.Decline;
                _attributes[a] = attribute = attribute with { Ns = uri };
            }
            // Two attributes with one expanded name are not well-formed.
            for (var b = 0; b < a; b++)
                if (!_attributes[b].Declaration && ReferenceEquals(_attributes[b].Local, attribute.Local) && ReferenceEquals(_attributes[b].Ns, attribute.Ns))
                    return Token.Decline;
        }
        _pos += i;
        (_prefix, _local, _ns) = (prefix, local, ns);
        _open.Add((prefix, local, scopeStart));
        if (_empty) _popAfterEmpty = true;
        return Token.StartTag;
    }

    private bool Bind(string prefix, string uri)
    {
        if (_scope.Count >= MaxInScope) return false;
        _scope.Add((prefix, uri));
        return true;
    }

    /// <summary>What <paramref name="prefix"/> means here ("" for no namespace), or null when it is not declared.</summary>
    private string? Resolve(string prefix)
    {
        for (var i = _scope.Count - 1; i >= 0; i--)
            if (ReferenceEquals(_scope[i].Prefix, prefix)) return _scope[i].Uri;
        return prefix.Length == 0 ? "" : null;
    }

    /// <summary>A name (prefix:local or local) of ASCII letters, digits, '.', '-' and '_'; anything else is the reader's.</summary>
    private bool QName(ReadOnlySpan<byte> rest, ref int i, out string prefix, out string local)
    {
        prefix = local = "";
        var start = i;
        if (!NamePart(rest, ref i)) return false;
        if (i < rest.Length && rest[i] == (byte)':')
        {
            prefix = Keep(rest[start..i]);
            start = ++i;
            if (!NamePart(rest, ref i)) return false;
        }
        local = Keep(rest[start..i]);
        return i < rest.Length && rest[i] != (byte)':';
    }

    private static bool NamePart(ReadOnlySpan<byte> rest, ref int i)
    {
        if (i >= rest.Length || !(char.IsAsciiLetter((char)rest[i]) || rest[i] == (byte)'_')) return false;
        var end = rest[i..].IndexOfAny(NameEnd);
        if (end < 0) return false;
        foreach (var c in rest.Slice(i, end))
            if (!(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'.' or (byte)'-' or (byte)'_')) return false;
        i += end;
        return true;
    }

    /// <summary>The kept string of these ASCII octets (made once, then the same instance each time).</summary>
    private string Keep(ReadOnlySpan<byte> ascii)
    {
        if (ascii.IsEmpty) return "";
        Span<char> chars = ascii.Length <= 256 ? stackalloc char[ascii.Length] : new char[ascii.Length];
        for (var i = 0; i < ascii.Length; i++) chars[i] = (char)ascii[i];
        return Keep(chars);
    }

    private string Keep(ReadOnlySpan<char> chars)
    {
        var lookup = _kept.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var kept)) return kept;
        kept = new string(chars);
        _kept[kept] = kept;
        return kept;
    }
}
