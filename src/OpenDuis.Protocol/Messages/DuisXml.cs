using System.Globalization;
using System.Xml;

namespace OpenDuis.Protocol.Messages;

/// <summary>Reading and writing helpers over the XmlDocument DOM shared by the message types.</summary>
internal static class DuisXml
{
    /// <summary>
    /// Walks the element children of a node in document order, skipping whitespace, comments and
    /// processing instructions, and reporting stray character data.
    /// </summary>
    internal struct Children(XmlNode parent)
    {
        private XmlNode? _next = parent.FirstChild;
        public DuisFormatProblem? Problem { get; private set; }

        /// <summary>The next element child, or null at the end (or on a problem).</summary>
        public XmlElement? Next()
        {
            while (_next is not null)
            {
                var node = _next;
                _next = node.NextSibling;
                switch (node.NodeType)
                {
                    case XmlNodeType.Element:
                        return (XmlElement)node;
                    case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment or XmlNodeType.ProcessingInstruction:
                        continue;
                    default:
                        Problem = new DuisFormatProblem(DuisFormatError.UnexpectedText, Path(parent), $"unexpected {node.NodeType} content in {parent.Name}");
                        _next = null;
                        return null;
                }
            }
            return null;
        }

        /// <summary>Peeks whether the following element is sr:{localName}, consuming it if so.</summary>
        public XmlElement? NextIf(ref XmlElement? current, string localName)
        {
            if (current is not null && IsSr(current, localName))
            {
                var match = current;
                current = Next();
                return match;
            }
            return null;
        }
    }

    public static bool IsSr(XmlElement e, string localName) =>
        e.LocalName == localName && e.NamespaceURI == DuisNamespaces.ServiceUserGateway;

    /// <summary>The text of a simple-content element (one text node, no child elements).</summary>
    public static string Text(XmlElement e)
    {
        var first = e.FirstChild;
        if (first is null) return string.Empty;
        if (first.NextSibling is null && first.NodeType is XmlNodeType.Text or XmlNodeType.CDATA) return first.Value ?? string.Empty;
        return e.InnerText;
    }

    public static string Path(XmlNode node) => node.ParentNode is XmlElement parent ? $"{Path(parent)}/{node.Name}" : node.Name;

    public static DuisFormatProblem Missing(XmlNode parent, string localName, XmlElement? found) =>
        new(DuisFormatError.MissingElement, $"{Path(parent)}/sr:{localName}",
            found is null ? $"sr:{localName} is missing" : $"expected sr:{localName} but found {found.Name}");

    public static DuisFormatProblem Unexpected(XmlElement element) =>
        new(DuisFormatError.UnexpectedElement, Path(element), $"element {element.Name} ({element.NamespaceURI}) is not allowed here");

    public static DuisFormatProblem Invalid(DuisFormatError error, XmlElement element, string what) =>
        new(error, Path(element), $"'{Truncate(Text(element))}' is not {what}");

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "…";

    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        try
        {
            value = XmlConvert.ToDateTimeOffset(text.Trim());
            return true;
        }
        catch (FormatException)
        {
            value = default;
            return false;
        }
    }

    /// <summary>xs:dateTime in UTC with milliseconds, as the DCC writes it (2022-08-17T15:45:42.790Z).</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseBoolean(string text, out bool value) => TryParseBoolean(text.AsSpan(), out value);

    internal static bool TryParseBoolean(ReadOnlySpan<char> text, out bool value)
    {
        switch (text.Trim())
        {
            case "true" or "1": value = true; return true;
            case "false" or "0": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>A new document with the sr document element, declaring the prefixes DCC Boxed uses.</summary>
    public static (XmlDocument Document, XmlElement Root) NewDocument(string rootLocalName, IReadOnlyList<RootAttribute>? carried)
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.AppendChild(doc.CreateXmlDeclaration("1.0", "UTF-8", null));
        var root = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, rootLocalName, DuisNamespaces.ServiceUserGateway);
        doc.AppendChild(root);
        if (carried is not null)
        {
            foreach (var a in carried)
            {
                var attr = doc.CreateAttribute(a.Prefix, a.LocalName, a.NamespaceUri);
                attr.Value = a.Value;
                root.Attributes.Append(attr);
            }
        }
        Declare(root, DuisNamespaces.ServiceUserGatewayPrefix, DuisNamespaces.ServiceUserGateway);
        Declare(root, DuisNamespaces.ResponseAndAlertPrefix, DuisNamespaces.ResponseAndAlert);
        return (doc, root);
    }

    private static void Declare(XmlElement root, string prefix, string uri)
    {
        if (root.HasAttribute("xmlns:" + prefix)) return;
        var attr = root.OwnerDocument.CreateAttribute("xmlns", prefix, DuisNamespaces.Xmlns);
        attr.Value = uri;
        root.Attributes.Append(attr);
    }

    public static XmlElement AppendSr(XmlElement parent, string localName)
    {
        var e = parent.OwnerDocument.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, localName, DuisNamespaces.ServiceUserGateway);
        parent.AppendChild(e);
        return e;
    }

    public static XmlElement AppendSr(XmlElement parent, string localName, string text)
    {
        var e = AppendSr(parent, localName);
        e.AppendChild(parent.OwnerDocument.CreateTextNode(text));
        return e;
    }

    /// <summary>The document element's attributes other than schemaVersion (namespace declarations and any others), kept so that a re-written message loses nothing.</summary>
    public static IReadOnlyList<RootAttribute> CarriedAttributes(XmlElement root)
    {
        var list = new List<RootAttribute>(root.Attributes.Count);
        foreach (XmlAttribute a in root.Attributes)
        {
            if (a.LocalName == "schemaVersion" && a.NamespaceURI.Length == 0) continue;
            list.Add(new RootAttribute(a.Prefix, a.LocalName, a.NamespaceURI, a.Value));
        }
        return list;
    }

    /// <summary>A deep copy of an element owned by <paramref name="doc"/>, so the source is never moved or shared.</summary>
    public static XmlElement Import(XmlDocument doc, XmlElement element) => (XmlElement)doc.ImportNode(element, deep: true);
}

/// <summary>An attribute of a message's document element carried through read and write.</summary>
internal sealed record RootAttribute(string Prefix, string LocalName, string NamespaceUri, string Value);
