using System.Xml;

namespace OpenDuis.Protocol.Xml;

/// <summary>
/// The descendant elements of a node with a given name, in document order: what
/// <see cref="XmlElement.GetElementsByTagName(string, string)"/> finds, without its live
/// <c>XmlElementList</c>. That list has a finalizer and holds its document, so every request's
/// DOM outlived its request by a collection and was copied into an older generation on the way:
/// under load it was most of what the GC promoted and most of each pause.
/// </summary>
public static class XmlDescendants
{
    /// <summary>Elements below <paramref name="root"/> named <paramref name="localName"/> ("*" for any) in <paramref name="namespaceUri"/>.</summary>
    public static IEnumerable<XmlElement> Elements(this XmlNode root, string localName, string namespaceUri)
    {
        var node = root.FirstChild;
        while (node is not null)
        {
            if (node is XmlElement element && element.NamespaceURI == namespaceUri && (localName == "*" || element.LocalName == localName))
                yield return element;
            if (node.FirstChild is { } child)
            {
                node = child;
                continue;
            }
            while (node is not null && !ReferenceEquals(node, root) && node.NextSibling is null) node = node.ParentNode;
            node = node is null || ReferenceEquals(node, root) ? null : node.NextSibling;
        }
    }

    /// <summary>The first element below <paramref name="root"/> named <paramref name="localName"/> in <paramref name="namespaceUri"/>, or null.</summary>
    public static XmlElement? FirstElement(this XmlNode root, string localName, string namespaceUri)
    {
        foreach (var element in root.Elements(localName, namespaceUri)) return element;
        return null;
    }
}
