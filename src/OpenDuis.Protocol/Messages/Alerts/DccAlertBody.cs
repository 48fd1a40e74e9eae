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
        WriteContent(element);
        return element;
    }

    protected abstract void WriteContent(XmlElement element);
}

/// <summary>Writing and checking the simple types the alert formats share.</summary>
internal static class AlertXml
{
    public static XmlElement Add(XmlElement parent, string name) => DuisXml.AppendSr(parent, name);
    public static XmlElement Add(XmlElement parent, string name, string text) => DuisXml.AppendSr(parent, name, text);
    public static void Add(XmlElement parent, string name, Eui value) => DuisXml.AppendSr(parent, name, value.ToString());
    public static void Add(XmlElement parent, string name, RequestId value) => DuisXml.AppendSr(parent, name, value.ToString());
    public static void Add(XmlElement parent, string name, DateTimeOffset value) => DuisXml.AppendSr(parent, name, DuisXml.FormatDateTime(value));
    public static void Add(XmlElement parent, string name, ulong value) => DuisXml.AppendSr(parent, name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>xs:hexBinary of a two-octet GBCS code (an Alert Code or Message Code), e.g. 8F84.</summary>
    public static void AddHex(XmlElement parent, string name, ushort value) =>
        DuisXml.AppendSr(parent, name, value.ToString("X4", CultureInfo.InvariantCulture));

    /// <summary>sr:DeviceIDList: EUIs joined by commas, at least one.</summary>
    public static void AddDeviceList(XmlElement parent, string name, IReadOnlyList<Eui> devices) =>
        DuisXml.AppendSr(parent, name, string.Join(',', devices));

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
