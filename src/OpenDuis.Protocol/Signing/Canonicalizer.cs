using System.Buffers;
using System.Text;
using System.Xml;

namespace OpenDuis.Protocol.Signing;

/// <summary>The two canonical forms a DUIS signature uses.</summary>
public enum CanonicalForm
{
    /// <summary>
    /// Canonical XML 1.0 without comments (http://www.w3.org/TR/2001/REC-xml-c14n-20010315): what
    /// the Reference's node-set becomes when its transforms end with the enveloped-signature
    /// transform, as DCC Boxed signs (XML-DSig 4.3.3.2).
    /// </summary>
    Inclusive,

    /// <summary>
    /// Exclusive XML Canonicalization 1.0 without comments and without an InclusiveNamespaces
    /// prefix list (http://www.w3.org/2001/10/xml-exc-c14n#): SignedInfo's canonicalisation method,
    /// and the Reference's when its last transform is exc-c14n.
    /// </summary>
    Exclusive,
}

/// <summary>
/// A purpose-built canonicaliser for the DUIS signature profile: a whole document (minus the
/// enveloped signature) or one element subtree (SignedInfo), written as UTF-8 into a pooled
/// buffer. It covers what a DUIS message can contain once <see cref="Xml.SecureXml"/> has loaded it:
/// elements, attributes, namespaces, text, CDATA, comments (dropped) and processing instructions;
/// there are no entity references because DTDs are refused.
/// </summary>
public sealed class Canonicalizer : IDisposable
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<\"\t\n\r");

    private byte[] _buffer;
    private int _length;
    // Namespace bindings in force in the output, innermost last; _frames marks each element's start.
    // Each binding links to the one it shadows, and _innermost indexes the innermost per prefix, so
    // "what does this prefix mean here" is one lookup however many declarations are in scope: the
    // work stays linear in the document (a request padded with 30,000 declarations must not cost
    // seconds of CPU before it is refused).
    private readonly List<Binding> _bindings = new(16);
    private Dictionary<string, int> _innermost = new(StringComparer.Ordinal);
    private readonly List<int> _frames = new(32);
    private readonly List<(string Prefix, string Uri)> _pending = new(8);
    // The element (by its ordinal) a prefix was last made pending on: de-duplicates _pending in one lookup.
    private Dictionary<string, int> _pendingOn = new(StringComparer.Ordinal);
    private int _element;
    private CanonicalForm _form;
    private XmlNode? _excluded;

    public Canonicalizer(int initialCapacity = 8 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>The canonical octets of the last call.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Canonicalises a document, leaving out <paramref name="excluded"/> (the enveloped signature).</summary>
    public ReadOnlySpan<byte> Canonicalise(XmlDocument document, CanonicalForm form, XmlNode? excluded)
    {
        Reset(form, excluded);
        var beforeRoot = true;
        foreach (XmlNode child in document.ChildNodes)
        {
            switch (child)
            {
                case XmlElement element:
                    WriteElement(element);
                    beforeRoot = false;
                    break;
                case XmlProcessingInstruction pi:
                    if (!beforeRoot) WriteAscii("\n"u8);
                    WriteProcessingInstruction(pi);
                    if (beforeRoot) WriteAscii("\n"u8);
                    break;
            }
        }
        return Written;
    }

    /// <summary>
    /// Canonicalises one element subtree (SignedInfo) by Exclusive C14N, as the apex of the
    /// node-set: namespaces it uses are rendered on it whatever its ancestors declare.
    /// </summary>
    public ReadOnlySpan<byte> CanonicaliseExclusive(XmlElement apex)
    {
        Reset(CanonicalForm.Exclusive, null);
        WriteElement(apex);
        return Written;
    }

    /// <summary>
    /// Starts the canonical form (<paramref name="form"/>) of a document fed node by node from a reader
    /// (<see cref="Stream"/>), so a request is canonicalised as it is parsed, with no DOM. It writes
    /// what <see cref="Canonicalise"/> writes for the document those nodes make: the same namespace,
    /// attribute and text rules, and the same linear bookkeeping of bindings.
    /// </summary>
    internal void BeginStream(CanonicalForm form)
    {
        Reset(form, null);
        _streamBeforeRoot = true;
    }

    /// <summary>Writes the reader's current node (its start tag, end tag, text or PI; comments are dropped).</summary>
    internal void Stream(XmlReader reader)
    {
        switch (reader.NodeType)
        {
            case XmlNodeType.Element:
                StreamStartTag(reader);
                _streamBeforeRoot = false;
                break;
            case XmlNodeType.EndElement:
                WriteEndTag(reader.Prefix, reader.LocalName);
                break;
            case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                // Outside the document element only whitespace can occur, and C14N drops it.
                if (reader.Depth > 0) WriteEscaped(reader.Value, TextSpecials);
                break;
            case XmlNodeType.ProcessingInstruction:
                var outside = reader.Depth == 0;
                if (outside && !_streamBeforeRoot) WriteAscii("\n"u8);
                WriteProcessingInstruction(reader.LocalName, reader.Value);
                if (outside && _streamBeforeRoot) WriteAscii("\n"u8);
                break;
        }
    }

    /// <summary>
    /// Starts the inclusive canonical form of a message written piece by piece (<see cref="Append(ReadOnlySpan{byte})"/>,
    /// <see cref="AppendText"/>, <see cref="AppendElement"/>): the caller writes the fixed parts as precomputed
    /// canonical fragments, and this writes what <see cref="Canonicalise"/> would for the values and
    /// elements between them. <paramref name="inForce"/> are the bindings the caller's document element
    /// renders, so an element appended inside it does not declare them again.
    /// </summary>
    internal void BeginFragments(ReadOnlySpan<(string Prefix, string Uri)> inForce)
    {
        Reset(CanonicalForm.Inclusive, null);
        foreach (var (prefix, uri) in inForce) Bind(prefix, uri);
    }

    /// <summary>Canonical octets as they are (a precomputed fragment).</summary>
    internal void Append(ReadOnlySpan<byte> canonical) => WriteAscii(canonical);

    /// <summary>Character data, escaped as C14N escapes text.</summary>
    internal void AppendText(ReadOnlySpan<char> text) => WriteEscaped(text, TextSpecials);

    /// <summary>A value whose UTF-8 form holds nothing C14N escapes (digits, hex, a date), formatted in place.</summary>
    internal void AppendFormatted<T>(T value, ReadOnlySpan<char> format = default) where T : IUtf8SpanFormattable
    {
        Ensure(64);
        if (!value.TryFormat(_buffer.AsSpan(_length), out var written, format, System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"{typeof(T).Name} did not fit 64 octets.");
        _length += written;
    }

    /// <summary>Octets as base64 text (which C14N leaves as it is).</summary>
    internal void AppendBase64(ReadOnlySpan<byte> data)
    {
        Ensure(System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(data.Length));
        System.Buffers.Text.Base64.EncodeToUtf8(data, _buffer.AsSpan(_length), out _, out var written);
        _length += written;
    }

    /// <summary>An element subtree of a document being written, as <see cref="Canonicalise"/> writes it there.</summary>
    internal void AppendElement(XmlElement element) => WriteElement(element);

    private bool _streamBeforeRoot;
    // The attributes of the element being written, from the DOM or the reader.
    private readonly List<StreamAttribute> _streamAttributes = new(8);

    private readonly record struct StreamAttribute(string Prefix, string LocalName, string NamespaceUri, string Value);

    // The order of CollectDeclared (or CollectVisiblyUtilised): the element's namespace declarations, then its own prefix, then its attributes'.
    private void StreamStartTag(XmlReader reader)
    {
        var prefix = reader.Prefix;
        var localName = reader.LocalName;
        BeginStartTag(prefix, localName);
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                var ns = reader.NamespaceURI;
                if (ns == XmlnsNamespace) Declared(reader.Prefix.Length == 0 ? "" : reader.LocalName, reader.Value);
                else AddAttribute(reader.Prefix, reader.LocalName, ns, reader.Value);
            }
            while (reader.MoveToNextAttribute());
            reader.MoveToElement();
        }
        EndStartTag(prefix, localName, reader.NamespaceURI, reader.IsEmptyElement);
    }

    /// <summary>
    /// A start tag fed by a scanner rather than a reader: <see cref="BeginStartTag"/>, then the element's namespace
    /// declarations (<see cref="Declared"/>) and other attributes (<see cref="AddAttribute"/>) in document order, then
    /// <see cref="EndStartTag"/>; <see cref="StreamEndTag"/> and <see cref="Append(ReadOnlySpan{byte})"/> (text already in
    /// canonical form) for the rest. What is written is what <see cref="Stream"/> writes for the same nodes.
    /// </summary>
    internal void BeginStartTag(string prefix, string localName)
    {
        _frames.Add(_bindings.Count);
        _element++;
        WriteAscii("<"u8);
        WriteName(prefix, localName);
        _pending.Clear();
        _streamAttributes.Clear();
    }

    /// <summary>A namespace declaration on the element being started (<paramref name="prefix"/> "" for the default namespace).</summary>
    internal void Declared(string prefix, string uri)
    {
        // Exclusive C14N 3 renders no declaration for being declared, only for being used (EndStartTag).
        if (_form == CanonicalForm.Inclusive) ConsiderInclusive(prefix, uri);
    }

    /// <summary>An attribute (not a namespace declaration) of the element being started.</summary>
    internal void AddAttribute(string prefix, string localName, string namespaceUri, string value) =>
        _streamAttributes.Add(new StreamAttribute(prefix, localName, namespaceUri, value));

    internal void EndStartTag(string prefix, string localName, string namespaceUri, bool isEmpty)
    {
        if (_form == CanonicalForm.Exclusive)
        {
            ConsiderExclusive(prefix, namespaceUri);
            foreach (var attribute in _streamAttributes)
            {
                if (attribute.Prefix.Length == 0 || attribute.NamespaceUri == XmlNamespace) continue;
                ConsiderExclusive(attribute.Prefix, attribute.NamespaceUri);
            }
        }
        else
        {
            ConsiderInclusive(prefix, namespaceUri);
            foreach (var attribute in _streamAttributes)
            {
                if (attribute.Prefix.Length == 0 || attribute.NamespaceUri == XmlNamespace) continue;
                ConsiderInclusive(attribute.Prefix, attribute.NamespaceUri);
            }
        }
        WritePendingDeclarations();

        WriteAttributes();
        if (isEmpty) WriteEndTag(prefix, localName);
    }

    /// <summary>An end tag fed by a scanner.</summary>
    internal void StreamEndTag(string prefix, string localName) => WriteEndTag(prefix, localName);

    private void Reset(CanonicalForm form, XmlNode? excluded)
    {
        _length = 0;
        _bindings.Clear();
        _frames.Clear();
        // A pathological document leaves big tables behind; clearing those on every later call would cost as much.
        if (_innermost.Count > 256) _innermost = new(StringComparer.Ordinal); else _innermost.Clear();
        if (_pendingOn.Count > 256) _pendingOn = new(StringComparer.Ordinal); else _pendingOn.Clear();
        _element = 0;
        _form = form;
        _excluded = excluded;
    }

    private void WriteElement(XmlElement element)
    {
        _frames.Add(_bindings.Count);
        _element++;
        WriteAscii("<"u8);
        WriteName(element.Prefix, element.LocalName);

        _pending.Clear();
        if (_form == CanonicalForm.Exclusive) CollectVisiblyUtilised(element);
        else CollectDeclared(element);
        WritePendingDeclarations();

        _streamAttributes.Clear();
        // HasAttributes first: reading Attributes makes an empty collection for an element without any.
        if (element.HasAttributes)
            foreach (XmlAttribute attribute in element.Attributes)
                if (attribute.NamespaceURI != XmlnsNamespace)
                    _streamAttributes.Add(new StreamAttribute(attribute.Prefix, attribute.LocalName, attribute.NamespaceURI, attribute.Value));
        WriteAttributes();

        for (var child = element.FirstChild; child is not null; child = child.NextSibling)
        {
            switch (child.NodeType)
            {
                case XmlNodeType.Element:
                    if (!ReferenceEquals(child, _excluded)) WriteElement((XmlElement)child);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    WriteEscaped(child.Value!, TextSpecials);
                    break;
                case XmlNodeType.ProcessingInstruction:
                    WriteProcessingInstruction((XmlProcessingInstruction)child);
                    break;
                case XmlNodeType.EntityReference:
                    throw new InvalidOperationException("Entity references cannot be canonicalised here; the document should have been refused.");
            }
        }

        WriteEndTag(element.Prefix, element.LocalName);
    }

    private void WriteEndTag(string prefix, string localName)
    {
        WriteAscii("</"u8);
        WriteName(prefix, localName);
        WriteAscii(">"u8);
        Unbind(_frames[^1]);
        _frames.RemoveAt(_frames.Count - 1);
    }

    private void WritePendingDeclarations()
    {
        _pending.Sort(static (a, b) => string.CompareOrdinal(a.Prefix, b.Prefix));
        foreach (var (prefix, uri) in _pending)
        {
            WriteAscii(" xmlns"u8);
            if (prefix.Length > 0)
            {
                WriteAscii(":"u8);
                WriteUtf8(prefix);
            }
            WriteAscii("=\""u8);
            WriteEscaped(uri, AttributeSpecials);
            WriteAscii("\""u8);
            Bind(prefix, uri);
        }
    }

    /// <summary>The element's attributes (other than namespace declarations) in C14N order, by namespace then local name, and the start tag's end.</summary>
    private void WriteAttributes()
    {
        if (_streamAttributes.Count > 1)
            _streamAttributes.Sort(static (a, b) =>
            {
                var byNamespace = string.CompareOrdinal(a.NamespaceUri, b.NamespaceUri);
                return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.LocalName, b.LocalName);
            });
        foreach (var attribute in _streamAttributes) WriteAttribute(attribute.Prefix, attribute.LocalName, attribute.Value);
        WriteAscii(">"u8);
    }

    private void WriteAttribute(string prefix, string localName, string value)
    {
        WriteAscii(" "u8);
        WriteName(prefix, localName);
        WriteAscii("=\""u8);
        WriteEscaped(value, AttributeSpecials);
        WriteAscii("\""u8);
    }

    // Exclusive C14N 3: a namespace is rendered where it is visibly utilised (by the element's own
    // prefix, or a prefixed attribute's) and the output in force does not already bind it so.
    private void CollectVisiblyUtilised(XmlElement element)
    {
        ConsiderExclusive(element.Prefix, element.NamespaceURI);
        if (!element.HasAttributes) return;
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.Prefix.Length == 0 || attribute.NamespaceURI is XmlnsNamespace or XmlNamespace) continue;
            ConsiderExclusive(attribute.Prefix, attribute.NamespaceURI);
        }
    }

    private void ConsiderExclusive(string prefix, string uri)
    {
        if (IsPending(prefix)) return;
        var inForce = InForce(prefix);
        // An unprefixed element with no default namespace needs xmlns="" only to undo one in force.
        if (inForce is null ? uri.Length == 0 : inForce == uri) return;
        AddPending(prefix, uri);
    }

    // Inclusive C14N 2.3 (whole document): a namespace declared on the element — as an xmlns
    // attribute, or implied by a name built in memory — is rendered unless the parent's output
    // already binds it the same way.
    private void CollectDeclared(XmlElement element)
    {
        if (!element.HasAttributes)
        {
            ConsiderInclusive(element.Prefix, element.NamespaceURI);
            return;
        }
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.NamespaceURI != XmlnsNamespace) continue;
            ConsiderInclusive(attribute.Prefix.Length == 0 ? "" : attribute.LocalName, attribute.Value);
        }
        ConsiderInclusive(element.Prefix, element.NamespaceURI);
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.Prefix.Length == 0 || attribute.NamespaceURI is XmlnsNamespace or XmlNamespace) continue;
            ConsiderInclusive(attribute.Prefix, attribute.NamespaceURI);
        }
    }

    private void ConsiderInclusive(string prefix, string uri)
    {
        if (prefix == "xml") return;
        if (IsPending(prefix)) return;
        var inForce = InForce(prefix);
        if (inForce is null ? uri.Length == 0 : inForce == uri) return;
        AddPending(prefix, uri);
    }

    private bool IsPending(string prefix) => _pendingOn.TryGetValue(prefix, out var on) && on == _element;

    private void AddPending(string prefix, string uri)
    {
        _pendingOn[prefix] = _element;
        _pending.Add((prefix, uri));
    }

    private string? InForce(string prefix) =>
        _innermost.TryGetValue(prefix, out var at) ? _bindings[at].Uri : null;

    private void Bind(string prefix, string uri)
    {
        var shadowed = _innermost.TryGetValue(prefix, out var at) ? at : -1;
        _innermost[prefix] = _bindings.Count;
        _bindings.Add(new Binding(prefix, uri, shadowed));
    }

    /// <summary>Drops the bindings from <paramref name="start"/> on (an element's), restoring what each shadowed.</summary>
    private void Unbind(int start)
    {
        for (var i = _bindings.Count - 1; i >= start; i--)
        {
            var binding = _bindings[i];
            if (binding.Shadowed >= 0) _innermost[binding.Prefix] = binding.Shadowed;
            else _innermost.Remove(binding.Prefix);
        }
        _bindings.RemoveRange(start, _bindings.Count - start);
    }

    private readonly record struct Binding(string Prefix, string Uri, int Shadowed);

    private void WriteProcessingInstruction(XmlProcessingInstruction pi) => WriteProcessingInstruction(pi.Target, pi.Data);

    private void WriteProcessingInstruction(string target, string data)
    {
        WriteAscii("<?"u8);
        WriteUtf8(target);
        if (data.Length > 0)
        {
            WriteAscii(" "u8);
            WriteUtf8(data);
        }
        WriteAscii("?>"u8);
    }

    private void WriteName(string prefix, string localName)
    {
        if (prefix.Length > 0)
        {
            WriteUtf8(prefix);
            WriteAscii(":"u8);
        }
        WriteUtf8(localName);
    }

    private void WriteEscaped(ReadOnlySpan<char> value, SearchValues<char> specials)
    {
        var rest = value;
        while (true)
        {
            var at = rest.IndexOfAny(specials);
            if (at < 0)
            {
                WriteUtf8(rest);
                return;
            }
            WriteUtf8(rest[..at]);
            WriteAscii(rest[at] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '"' => "&quot;"u8,
                '\t' => "&#x9;"u8,
                '\n' => "&#xA;"u8,
                _ => "&#xD;"u8,
            });
            rest = rest[(at + 1)..];
        }
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void WriteAscii(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
