using System.Buffers;
using System.Runtime.InteropServices;
using System.Xml;

namespace OpenDuis.Protocol.Xml;

/// <summary>
/// Loads untrusted DUIS XML (R-MSG-5): no DTD, no entities beyond the predefined five, nothing
/// resolved from outside, bounded size, element depth and attributes (per element and in all), whitespace preserved because the
/// signature covers it. Every refusal is an <see cref="XmlRefusedException"/> naming its reason.
/// Thread-safe: one instance serves all requests.
/// </summary>
public sealed class SecureXml
{
    public static readonly SecureXml Default = new(SecureXmlOptions.Default);

    private readonly XmlReaderSettings _settings;

    public SecureXml(SecureXmlOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttributesPerElement, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttributes, 1);
        Options = options;
        _settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = options.MaxBytes,
            IgnoreWhitespace = false,
            IgnoreComments = false,
            IgnoreProcessingInstructions = false,
            CloseInput = false,
        };
    }

    public SecureXmlOptions Options { get; }

    public XmlDocument Load(byte[] bytes) => Load(bytes.AsMemory());

    public XmlDocument Load(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty) throw new XmlRefusedException(XmlRefusal.Empty, "The document is empty.");
        if (bytes.Length > Options.MaxBytes)
            throw new XmlRefusedException(XmlRefusal.Oversize,
                $"The document is {bytes.Length} bytes, over the limit of {Options.MaxBytes} bytes.");
        var segment = MemoryMarshal.TryGetArray(bytes, out var s) ? s : new ArraySegment<byte>(bytes.ToArray());
        return Parse(segment);
    }

    /// <summary>Reads at most the size limit (plus one byte, to tell an oversize stream) and loads it.</summary>
    public XmlDocument Load(Stream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Options.MaxBytes + 1L, 64 * 1024));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > Options.MaxBytes) break;
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Options.MaxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = stream.Read(buffer, length, (int)Math.Min(buffer.Length, Options.MaxBytes + 1L) - length);
                if (read == 0) break;
                length += read;
                if (length > Options.MaxBytes) break;
            }
            if (length == 0) throw new XmlRefusedException(XmlRefusal.Empty, "The document is empty.");
            if (length > Options.MaxBytes)
                throw new XmlRefusedException(XmlRefusal.Oversize,
                    $"The document is over the limit of {Options.MaxBytes} bytes.");
            return Parse(new ArraySegment<byte>(buffer, 0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A reader over <paramref name="bytes"/> with these settings and limits, for a one-pass reader that
    /// builds no document; <paramref name="observer"/> sees every node as it is read, after the limits.
    /// <paramref name="settings"/> are this instance's (<see cref="ReaderSettings"/>), with the caller's name table.
    /// </summary>
    internal XmlReader CreateReader(MemoryStream bytes, IXmlNodeObserver? observer, XmlReaderSettings settings) =>
        new LimitedReader(XmlReader.Create(bytes, settings), Options, observer);

    /// <summary>This instance's reader settings with <paramref name="names"/> as their name table, for a reader kept by one thread.</summary>
    internal XmlReaderSettings ReaderSettings(XmlNameTable names)
    {
        var settings = _settings.Clone();
        settings.NameTable = names;
        return settings;
    }

    private XmlDocument Parse(ArraySegment<byte> bytes)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
            using var inner = XmlReader.Create(stream, _settings);
            using var reader = new LimitedReader(inner, Options, null);
            document.Load(reader);
        }
        catch (XmlException e)
        {
            throw Classify(bytes, e);
        }
        if (document.DocumentElement is null)
            throw new XmlRefusedException(XmlRefusal.NotWellFormed, "The document has no root element.");
        return document;
    }

    // The reader reports DTDs and unknown entities as plain XmlExceptions; the bytes say which it was.
    internal static XmlRefusedException Classify(ReadOnlySpan<byte> bytes, XmlException e)
    {
        if (bytes.IndexOf("<!DOCTYPE"u8) >= 0)
            return new XmlRefusedException(XmlRefusal.DtdPresent,
                "The document carries a document type declaration (DTD); DUIS messages must not.", e);
        if (FindEntityReference(bytes) is { } name)
            return new XmlRefusedException(XmlRefusal.EntityReference,
                $"The document references the entity '&{name};'; only the predefined entities are allowed.", e);
        return new XmlRefusedException(XmlRefusal.NotWellFormed,
            $"The document is not well-formed XML: {e.Message}", e);
    }

    private static string? FindEntityReference(ReadOnlySpan<byte> bytes)
    {
        for (var at = bytes.IndexOf((byte)'&'); at >= 0;)
        {
            var rest = bytes[(at + 1)..];
            var end = rest.IndexOf((byte)';');
            if (end > 0 && rest[0] != (byte)'#')
            {
                var name = System.Text.Encoding.UTF8.GetString(rest[..end]);
                if (name is not ("lt" or "gt" or "amp" or "quot" or "apos") && XmlConvert.VerifyNCName(name) is not null)
                    return name;
            }
            var next = rest.IndexOf((byte)'&');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return null;
    }

    /// <summary>
    /// Passes every call through, refusing an element deeper than the limit, or with more attributes than
    /// the limits allow, as soon as it is read: the reader has only scanned its start tag (in time linear
    /// in its length), and nothing has been built from it yet.
    /// </summary>
    private sealed class LimitedReader(XmlReader inner, SecureXmlOptions limits, IXmlNodeObserver? observer) : XmlReader, IXmlLineInfo
    {
        private int _attributes;

        public override bool Read()
        {
            if (!inner.Read()) return false;
            if (inner.NodeType != XmlNodeType.Element)
            {
                observer?.Observe(inner);
                return true;
            }
            if (inner.Depth >= limits.MaxDepth)
                throw new XmlRefusedException(XmlRefusal.TooDeep,
                    $"Elements are nested deeper than the limit of {limits.MaxDepth} (at '{inner.Name}').");
            var count = inner.AttributeCount;
            if (count > limits.MaxAttributesPerElement)
                throw new XmlRefusedException(XmlRefusal.TooManyAttributes,
                    $"Element '{inner.Name}' carries {count} attributes and namespace declarations, over the limit of {limits.MaxAttributesPerElement} per element.");
            _attributes += count;
            if (_attributes > limits.MaxAttributes)
                throw new XmlRefusedException(XmlRefusal.TooManyAttributes,
                    $"The document carries more than {limits.MaxAttributes} attributes and namespace declarations (at '{inner.Name}').");
            observer?.Observe(inner);
            return true;
        }

        public override int AttributeCount => inner.AttributeCount;
        public override string BaseURI => inner.BaseURI;
        public override int Depth => inner.Depth;
        public override bool EOF => inner.EOF;
        public override bool IsEmptyElement => inner.IsEmptyElement;
        public override bool IsDefault => inner.IsDefault;
        public override string LocalName => inner.LocalName;
        public override string Name => inner.Name;
        public override string NamespaceURI => inner.NamespaceURI;
        public override XmlNameTable NameTable => inner.NameTable;
        public override XmlNodeType NodeType => inner.NodeType;
        public override string Prefix => inner.Prefix;
        public override ReadState ReadState => inner.ReadState;
        public override string Value => inner.Value;
        public override bool HasValue => inner.HasValue;
        public override XmlSpace XmlSpace => inner.XmlSpace;
        public override string XmlLang => inner.XmlLang;
        public override char QuoteChar => inner.QuoteChar;
        public override bool CanResolveEntity => false;
        public override string GetAttribute(int i) => inner.GetAttribute(i);
        public override string? GetAttribute(string name) => inner.GetAttribute(name);
        public override string? GetAttribute(string name, string? namespaceURI) => inner.GetAttribute(name, namespaceURI);
        public override string? LookupNamespace(string prefix) => inner.LookupNamespace(prefix);
        public override void MoveToAttribute(int i) => inner.MoveToAttribute(i);
        public override bool MoveToAttribute(string name) => inner.MoveToAttribute(name);
        public override bool MoveToAttribute(string name, string? ns) => inner.MoveToAttribute(name, ns);
        public override bool MoveToElement() => inner.MoveToElement();
        public override bool MoveToFirstAttribute() => inner.MoveToFirstAttribute();
        public override bool MoveToNextAttribute() => inner.MoveToNextAttribute();
        public override bool ReadAttributeValue() => inner.ReadAttributeValue();
        public override void ResolveEntity() => throw new XmlRefusedException(XmlRefusal.EntityReference, "Entity references are not resolved.");
        public bool HasLineInfo() => inner is IXmlLineInfo li && li.HasLineInfo();
        public int LineNumber => inner is IXmlLineInfo li ? li.LineNumber : 0;
        public int LinePosition => inner is IXmlLineInfo li ? li.LinePosition : 0;
    }
}

/// <summary>Sees each node a <see cref="SecureXml"/> reader reads; it must leave the reader on the node (MoveToElement after attributes).</summary>
internal interface IXmlNodeObserver
{
    void Observe(XmlReader reader);
}
