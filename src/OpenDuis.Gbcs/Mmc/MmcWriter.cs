using System.Buffers;
using System.Globalization;
using System.Xml;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// A minimal indented XML writer for MMC documents: every element is in the one MMC namespace (prefix
/// <c>ra</c>), so none of XmlWriter's namespace bookkeeping is needed, and it writes straight into a
/// character buffer kept per thread (XmlWriter's buffers made rendering four times the cost of parsing, and a
/// StringBuilder's per-call bookkeeping was most of what was left of rendering a large read). Text and
/// attribute values are escaped; a character XML 1.0 cannot carry is an <see cref="ArgumentException"/>.
/// </summary>
internal sealed class MmcWriter
{
    private char[] _buffer;
    private int _length;
    private readonly List<string> _open = new(16);
    private bool _startTagOpen;
    private bool _hasChildren;

    /// <summary>A writer over <paramref name="buffer"/> (grown as needed: <see cref="Buffer"/> is the one in use at the end).</summary>
    public MmcWriter(char[] buffer)
    {
        _buffer = buffer;
        Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    }

    public char[] Buffer => _buffer;

    public override string ToString() => new(_buffer, 0, _length);

    /// <summary>The document written so far, in the buffer.</summary>
    public ReadOnlySpan<char> Written => _buffer.AsSpan(0, _length);

    public void WriteStartElement(string name, string ns)
    {
        CloseStartTag();
        NewLine(_open.Count);
        Append("<ra:");
        Append(name);
        if (_open.Count == 0)
        {
            Append(" xmlns:ra=\"");
            Append(ns);
            Append('"');
        }
        _open.Add(name);
        _startTagOpen = true;
        _hasChildren = false;
    }

    public void WriteAttributeString(string name, string value)
    {
        if (!_startTagOpen) throw new InvalidOperationException("An attribute is written only inside a start tag.");
        Append(' ');
        Append(name);
        Append("=\"");
        Escape(value, attribute: true);
        Append('"');
    }

    /// <summary>An integer attribute, formatted straight into the document (no string per value).</summary>
    public void WriteAttribute(string name, long value)
    {
        if (!_startTagOpen) throw new InvalidOperationException("An attribute is written only inside a start tag.");
        Append(' ');
        Append(name);
        Append("=\"");
        AppendInteger(value);
        Append('"');
    }

    /// <summary>Integer text, formatted straight into the document.</summary>
    public void WriteValue(long value)
    {
        CloseStartTag();
        AppendInteger(value);
    }

    /// <summary>Octets as hexadecimal text (xs:hexBinary), written straight into the document.</summary>
    public void WriteHex(ReadOnlySpan<byte> octets)
    {
        CloseStartTag();
        Convert.TryToHexString(octets, Space(2 * octets.Length), out var written);
        _length += written;
    }

    /// <summary>A UTC xs:dateTime (yyyy-MM-ddTHH:mm:ssZ), formatted straight into the document.</summary>
    public void WriteDateTime(DateTimeOffset at)
    {
        CloseStartTag();
        at.UtcDateTime.TryFormat(Space(20), out var written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        _length += written;
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
            Append(" />");
            _startTagOpen = false;
        }
        else
        {
            if (_hasChildren) NewLine(_open.Count);
            Append("</ra:");
            Append(name);
            Append('>');
        }
        _hasChildren = true;
    }

    // A line break and the indentation of a depth, copied from one string.
    private const string Indentation = "\n                                                                ";

    private void NewLine(int depth)
    {
        var n = 1 + 2 * depth;
        if (n <= Indentation.Length)
        {
            Append(Indentation.AsSpan(0, n));
            return;
        }
        Append('\n');
        Space(2 * depth).Fill(' ');
        _length += 2 * depth;
    }

    private void CloseStartTag()
    {
        if (!_startTagOpen) return;
        Append('>');
        _startTagOpen = false;
    }

    private void AppendInteger(long value)
    {
        value.TryFormat(Space(20), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    /// <summary>At least <paramref name="n"/> characters of room after the text written (not yet counted as written).</summary>
    private Span<char> Space(int n)
    {
        if (_length + n > _buffer.Length)
        {
            var grown = new char[Math.Max(_buffer.Length * 2, _length + n)];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }
        return _buffer.AsSpan(_length, n);
    }

    private void Append(char c)
    {
        if (_length == _buffer.Length) Space(1);
        _buffer[_length++] = c;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        text.CopyTo(Space(text.Length));
        _length += text.Length;
    }

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create("&<>\"");

    private void Escape(string text, bool attribute)
    {
        // Nearly all MMC text (numbers, hex, base64, EUIs, dates) is printable ASCII with nothing to escape.
        var span = text.AsSpan();
        if (!span.ContainsAnyExceptInRange(' ', '~') && !span.ContainsAny(NeedsEscape))
        {
            Append(span);
            return;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': Append("&amp;"); break;
                case '<': Append("&lt;"); break;
                case '>': Append("&gt;"); break;
                case '"' when attribute: Append("&quot;"); break;
                case '\n' or '\r' or '\t' when attribute:
                    Append("&#x");
                    Append(((int)c).ToString("X", CultureInfo.InvariantCulture));
                    Append(';');
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        Append(c);
                        Append(text[++i]);
                        break;
                    }
                    if (!XmlConvert.IsXmlChar(c)) throw new ArgumentException($"'\\u{(int)c:X4}' is not a character XML 1.0 can carry.");
                    Append(c);
                    break;
            }
        }
    }
}
