namespace OpenDuis.Protocol.Xml;

/// <summary>Why a document was refused before any DUIS processing (R-MSG-5: XML is hostile input).</summary>
public enum XmlRefusal
{
    /// <summary>The input is empty.</summary>
    Empty,
    /// <summary>The input is larger than the configured limit (the request body limit).</summary>
    Oversize,
    /// <summary>The document carries a document type declaration; DUIS messages never do.</summary>
    DtdPresent,
    /// <summary>The document references an entity other than the five predefined ones.</summary>
    EntityReference,
    /// <summary>Elements are nested deeper than the configured limit.</summary>
    TooDeep,
    /// <summary>The input is not well-formed XML.</summary>
    NotWellFormed,
    /// <summary>
    /// An element, or the document, carries more attributes (namespace declarations included) than the
    /// configured limit: refused as it is read, before anything costs more than reading it.
    /// </summary>
    TooManyAttributes,
}

/// <summary>A document refused by <see cref="SecureXml"/>, with the precise reason.</summary>
public sealed class XmlRefusedException(XmlRefusal refusal, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public XmlRefusal Refusal { get; } = refusal;
}

/// <summary>Limits applied when loading untrusted XML.</summary>
public sealed record SecureXmlOptions
{
    /// <summary>Default size limit: 1 MiB, the request body limit.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>Default depth limit. The deepest RTDS request nests about a dozen elements.</summary>
    public const int DefaultMaxDepth = 64;

    public static readonly SecureXmlOptions Default = new();

    /// <summary>
    /// Default limit of attributes on one element, namespace declarations included. The RTDS requests
    /// carry at most 4 and the DUIS XSDs declare at most a handful per element.
    /// </summary>
    public const int DefaultMaxAttributesPerElement = 64;

    /// <summary>Default limit of attributes in the whole document. The RTDS requests carry at most 58.</summary>
    public const int DefaultMaxAttributes = 4096;

    public int MaxBytes { get; init; } = DefaultMaxBytes;
    public int MaxDepth { get; init; } = DefaultMaxDepth;
    public int MaxAttributesPerElement { get; init; } = DefaultMaxAttributesPerElement;
    public int MaxAttributes { get; init; } = DefaultMaxAttributes;
}
