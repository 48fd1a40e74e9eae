using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// A minimal indented XML writer for MMC documents: every element is in the one MMC namespace (prefix
/// <c>ra</c>), so none of XmlWriter's namespace bookkeeping is needed, and it writes straight into a
/// StringBuilder (XmlWriter's buffers made rendering four times the cost of parsing). Text and
/// attribute values are escaped; a character XML 1.0 cannot carry is an <see cref="ArgumentException"/>.
/// </summary>
internal sealed class MmcWriter
{
    private readonly StringBuilder _sb;
    private readonly List<string> _open = new(16);
    private bool _startTagOpen;
    private bool _hasChildren;

    public MmcWriter(StringBuilder sb)
    {
        _sb = sb;
        _sb.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    }

    public void WriteStartElement(string name, string ns)
    {
        CloseStartTag();
        _sb.Append('\n').Append(' ', 2 * _open.Count).Append("<ra:").Append(name);
        if (_open.Count == 0) _sb.Append(" xmlns:ra=\"").Append(ns).Append('"');
        _open.Add(name);
        _startTagOpen = true;
        _hasChildren = false;
    }

    public void WriteAttributeString(string name, string value)
    {
        if (!_startTagOpen) throw new InvalidOperationException("An attribute is written only inside a start tag.");
        _sb.Append(' ').Append(name).Append("=\"");
        Escape(value, attribute: true);
        _sb.Append('"');
    }

    /// <summary>An integer attribute, formatted straight into the document (no string per value).</summary>
    public void WriteAttribute(string name, long value)
    {
        if (!_startTagOpen) throw new InvalidOperationException("An attribute is written only inside a start tag.");
        _sb.Append(' ').Append(name).Append("=\"").Append(CultureInfo.InvariantCulture, $"{value}").Append('"');
    }

    /// <summary>Integer text, formatted straight into the document.</summary>
    public void WriteValue(long value)
    {
        CloseStartTag();
        _sb.Append(CultureInfo.InvariantCulture, $"{value}");
    }

    /// <summary>Octets as hexadecimal text (xs:hexBinary), written straight into the document.</summary>
    public void WriteHex(ReadOnlySpan<byte> octets)
    {
        CloseStartTag();
        Span<char> hex = stackalloc char[64];
        while (!octets.IsEmpty)
        {
            var chunk = octets[..Math.Min(32, octets.Length)];
            Convert.TryToHexString(chunk, hex, out var written);
            _sb.Append(hex[..written]);
            octets = octets[chunk.Length..];
        }
    }

    /// <summary>A UTC xs:dateTime (yyyy-MM-ddTHH:mm:ssZ), formatted straight into the document.</summary>
    public void WriteDateTime(DateTimeOffset at)
    {
        CloseStartTag();
        Span<char> text = stackalloc char[20];
        at.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        _sb.Append(text[..written]);
    }

    public void WriteString(string text)
    {
        CloseStartTag();
        Escape(text, attribute: false);
    }

    public void WriteEndElement()
    {
        var name = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        if (_startTagOpen)
        {
            _sb.Append(" />");
            _startTagOpen = false;
        }
        else
        {
            if (_hasChildren) _sb.Append('\n').Append(' ', 2 * _open.Count);
            _sb.Append("</ra:").Append(name).Append('>');
        }
        _hasChildren = true;
    }

    private void CloseStartTag()
    {
        if (!_startTagOpen) return;
        _sb.Append('>');
        _startTagOpen = false;
    }

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create("&<>\"");

    private void Escape(string text, bool attribute)
    {
        // Nearly all MMC text (numbers, hex, base64, EUIs, dates) is printable ASCII with nothing to escape.
        var span = text.AsSpan();
        if (!span.ContainsAnyExceptInRange(' ', '~') && !span.ContainsAny(NeedsEscape))
        {
            _sb.Append(text);
            return;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': _sb.Append("&amp;"); break;
                case '<': _sb.Append("&lt;"); break;
                case '>': _sb.Append("&gt;"); break;
                case '"' when attribute: _sb.Append("&quot;"); break;
                case '\n' or '\r' or '\t' when attribute: _sb.Append("&#x").Append(((int)c).ToString("X", System.Globalization.CultureInfo.InvariantCulture)).Append(';'); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        _sb.Append(c).Append(text[++i]);
                        break;
                    }
                    if (!XmlConvert.IsXmlChar(c)) throw new ArgumentException($"'\\u{(int)c:X4}' is not a character XML 1.0 can carry.");
                    _sb.Append(c);
                    break;
            }
        }
    }
}
