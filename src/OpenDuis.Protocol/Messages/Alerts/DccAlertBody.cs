using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Messages.Alerts;

/// <summary>
/// The body of a DCC Alert (XSD sr:DCCAlert choice, DUIS 3.9.1 Table 2): one typed record per
/// format, writing its elements in the XSD's order. Values are checked against the XSD's facets
/// when the record is made, so a built alert is schema-valid by construction.
/// </summary>
public abstract record DccAlertBody
{
    /// <summary>The sr:DCCAlert child element this body is written as (e.g. "PowerOutageEvent").</summary>
    public abstract string Format { get; }

    /// <summary>Writes the body as an sr element of <paramref name="document"/> (a new document if none).</summary>
    public XmlElement ToXml(XmlDocument? document = null)
    {
        var doc = document ?? new XmlDocument();
        var element = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, Format, DuisNamespaces.ServiceUserGateway);
        WriteContent(new AlertContent(element));
        return element;
    }

    /// <summary>Writes the body's inclusive canonical form inside a message being signed, as <see cref="ToXml"/> would be written there.</summary>
    internal void WriteCanonical(Signing.Canonicalizer canonical)
    {
        var writer = AlertContent.Writer.Start(canonical);
        writer.Open(Format);
        WriteContent(new AlertContent(writer, 1));
        writer.CloseTo(0);
    }

    protected abstract void WriteContent(AlertContent content);
}

/// <summary>
/// Where a DCC Alert body writes its elements, in the XSD's order: into a DOM element (<see cref="DccAlertBody.ToXml"/>),
/// or straight into the canonical octets of the alert being signed (<see cref="DuisResponse.ToSignedBytes"/>), where an
/// element stays open until something is written into one of its ancestors or the body ends.
/// </summary>
public readonly struct AlertContent
{
    private readonly XmlElement? _element;
    private readonly Writer? _writer;
    private readonly int _depth;

    internal AlertContent(XmlElement element) => _element = element;

    internal AlertContent(Writer writer, int depth)
    {
        _writer = writer;
        _depth = depth;
    }

    /// <summary>An sr element with content to come.</summary>
    internal AlertContent Add(string name)
    {
        if (_element is not null) return new AlertContent(DuisXml.AppendSr(_element, name));
        var writer = _writer!;
        writer.CloseTo(_depth);
        writer.Open(name);
        return new AlertContent(writer, _depth + 1);
    }

    /// <summary>An sr element of simple content.</summary>
    internal void Add(string name, string text)
    {
        if (_element is not null) { DuisXml.AppendSr(_element, name, text); return; }
        var writer = _writer!;
        writer.CloseTo(_depth);
        writer.Open(name);
        writer.Canonical.AppendText(text);
        writer.CloseTo(_depth);
    }

    /// <summary>An element carried as it is (an S1SP's signed alert).</summary>
    internal void AddElement(XmlElement element)
    {
        if (_element is not null) { _element.AppendChild(_element.OwnerDocument.ImportNode(element, deep: true)); return; }
        _writer!.CloseTo(_depth);
        // As signing the document would write it: without layout whitespace between elements.
        var copy = (XmlElement)element.CloneNode(deep: true);
        Signing.DuisSigner.RemoveWhitespaceBetweenElements(copy);
        _writer.Canonical.AppendElement(copy);
    }

    /// <summary>The open elements of one body being written canonically; one per thread, reused.</summary>
    internal sealed class Writer
    {
        [ThreadStatic] private static Writer? _thread;
        private readonly List<string> _open = new(8);

        public Signing.Canonicalizer Canonical { get; private set; } = null!;

        public static Writer Start(Signing.Canonicalizer canonical)
        {
            var writer = _thread ??= new Writer();
            writer.Canonical = canonical;
            writer._open.Clear();
            return writer;
        }

        public void Open(string name)
        {
            Canonical.Append("<sr:"u8);
            Canonical.AppendText(name);
            Canonical.Append(">"u8);
            _open.Add(name);
        }

        /// <summary>Ends the open elements deeper than <paramref name="depth"/>.</summary>
        public void CloseTo(int depth)
        {
            for (var i = _open.Count - 1; i >= depth; i--)
            {
                Canonical.Append("</sr:"u8);
                Canonical.AppendText(_open[i]);
                Canonical.Append(">"u8);
                _open.RemoveAt(i);
            }
        }
    }
}

/// <summary>Writing and checking the simple types the alert formats share.</summary>
internal static class AlertXml
{
    public static AlertContent Add(AlertContent parent, string name) => parent.Add(name);
    public static void Add(AlertContent parent, string name, string text) => parent.Add(name, text);
    public static void Add(AlertContent parent, string name, Eui value) => parent.Add(name, value.ToString());
    public static void Add(AlertContent parent, string name, RequestId value) => parent.Add(name, value.ToString());
    public static void Add(AlertContent parent, string name, DateTimeOffset value) => parent.Add(name, DuisXml.FormatDateTime(value));
    public static void Add(AlertContent parent, string name, ulong value) => parent.Add(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>xs:hexBinary of a two-octet GBCS code (an Alert Code or Message Code), e.g. 8F84.</summary>
    public static void AddHex(AlertContent parent, string name, ushort value) =>
        parent.Add(name, value.ToString("X4", CultureInfo.InvariantCulture));

    /// <summary>sr:DeviceIDList: EUIs joined by commas, at least one.</summary>
    public static void AddDeviceList(AlertContent parent, string name, IReadOnlyList<Eui> devices) =>
        parent.Add(name, string.Join(',', devices));

    // ---- facet checks (XSD simple types) ----

    /// <summary>sr:ImportMPxN / sr:MPxN: 1 to 13 characters.</summary>
    public static string Mpxn(string value, string name) =>
        Length(value, 1, 13, name, "an MPxN (sr:ImportMPxN: 1 to 13 characters)");

    /// <summary>sr:MPAN with the 13-character restriction of the secondary import and export MPANs.</summary>
    public static string? Mpan(string? value, string name) =>
        value is null ? null : Length(value, 13, 13, name, "an MPAN (13 characters)");

    /// <summary>sr:FirmwareVersion: 1 to 8 characters.</summary>
    public static string FirmwareVersion(string value, string name) =>
        Length(value, 1, 8, name, "a firmware version (sr:FirmwareVersion: 1 to 8 characters)");

    /// <summary>sr:scheduleID: 0 to 1,000,000,000,000.</summary>
    public static ulong ScheduleId(ulong value, string name) =>
        value <= 1_000_000_000_000UL ? value : throw new ArgumentOutOfRangeException(name, value, "A DSP Schedule ID is at most 1,000,000,000,000 (sr:scheduleID).");

    public static ulong? ScheduleId(ulong? value, string name) => value is { } v ? ScheduleId(v, name) : null;

    /// <summary>sr:DeviceIDList: at least one EUI.</summary>
    public static IReadOnlyList<Eui> Devices(IReadOnlyList<Eui> value, string name) =>
        value is { Count: > 0 } ? value.ToArray() : throw new ArgumentException("At least one Device ID is required (sr:DeviceIDList).", name);

    public static string Required(string value, string name, string what) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"{what} is required.", name) : value;

    private static string Length(string value, int min, int max, string name, string what)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value.Length >= min && value.Length <= max ? value : throw new ArgumentException($"'{value}' is not {what}.", name);
    }

    public static string Text(DeviceType type) => type.ToString();
}
