using System.Buffers.Binary;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>The Communications Hub reads: 6.30–6.32 CHF Sub GHz (DBCH01–03) and 8.9 device logs (CCS05CCS04, CCS06, CCS07).</summary>
internal static partial class MmcFields
{
    /// <summary>
    /// A Sub GHz channel set as an IEEE 802.15.4 channel page word (a 32-bit bit-string, most significant bit first): the page
    /// in bits 27–31 (28: lower band channels 0–26, 29: 27–34, 30: 35–61, 31: upper band 0–26) and channel k of the page in bit
    /// k. The RTDS 6.28 DBCH04 command writes its request's Channel1 and Channel2 of each band as E0000006, E8000006, F0000006,
    /// F8000006.
    /// </summary>
    private static (int Page, uint Channels)? ChannelPage(DlmsData? d)
    {
        if (d is not { Type: DlmsType.BitString, Value: 32, Octets.Length: 4 }) return null;
        var word = BinaryPrimitives.ReadUInt32BigEndian(d.Octets.Span);
        var page = (int)(word >> 27);
        return page is >= 28 and <= 31 ? (page, word & 0x07FFFFFF) : null;
    }

    /// <summary>The first channel of a page's page-relative channel k: lower band 0, 27 and 35 for pages 28–30, upper band 0 for page 31.</summary>
    private static int FirstChannel(int page) => page switch { 29 => 27, 30 => 35, _ => 0 };

    private static readonly int[] PageChannelCount = [27, 8, 27, 27];

    /// <summary>
    /// 6.30 DBCH03: Data 0-0:94.44.10.0, a structure of the four channel pages (lower 0–26, 27–34, 35–61, upper 0–26), then the
    /// eleven settings in the MMC's order; the duty cycle thresholds and percentages are carried in hundredths (DBCH04 writes
    /// 1.3 as 130, 60.00 as 6000).
    /// </summary>
    private static void ChfSubGhzConfiguration(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || Item(m, 0) is not { Type: DlmsType.Structure, Items.Count: 15 } config) return;
        string[] pages = ["LowerBandSubGHzChannels0To26", "LowerBandSubGHzChannels27To34", "LowerBandSubGHzChannels35To61", "UpperBandSubGHzChannels0To26"];
        for (var i = 0; i < 4; i++)
        {
            if (ChannelPage(config[i]) is not { } p || p.Page != 28 + i) continue;
            w.WriteStartElement(pages[i], Namespace);
            for (var k = 0; k < PageChannelCount[i]; k++)
                if ((p.Channels & (1u << k)) != 0) Empty(w, $"Channel{FirstChannel(p.Page) + k}");
            w.WriteEndElement();
        }
        string[] names = ["NormalLimitedDutyCycleThreshold", "LimitedCriticalDutyCycleThreshold", "MaximumSubGHzChannelChangesPerWeek", "GSMECurfew",
            "ChannelQuieterThreshold", "ChannelNoisierThreshold", "NonGSMEPoorCommsPercentageThreshold", "NonGSMEPoorCommsMeasurementPeriods",
            "LocalCHNoiseMeasurementPeriod", "LocalCHFailurePercentage", "LocalCHRetryPercentage"];
        for (var i = 0; i < names.Length; i++)
        {
            if (config[4 + i] is not { IsInteger: true, Value: >= 0 and <= ushort.MaxValue } v) continue;
            if (i is 0 or 1 or 6 or 9 or 10)
                Element(w, names[i], new decimal((int)v.Value, 0, 0, false, 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            else Element(w, names[i], v.Value);
        }
    }

    private static void OperatingChannel(MmcWriter w, (int Page, uint Channels) p)
    {
        var k = System.Numerics.BitOperations.TrailingZeroCount(p.Channels);
        if (p.Channels == 0 || k >= PageChannelCount[p.Page - 28]) return;
        w.WriteStartElement("OperatingSubGHzChannel", Namespace);
        w.WriteStartElement(p.Page == 31 ? "OperatingUpperBandSubGHzChannel" : "OperatingLowerBandSubGHzChannel", Namespace);
        Empty(w, $"Channel{FirstChannel(p.Page) + k}");
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>6.31 DBCH01: Data 0-0:94.44.10.2, the operating channel as a channel page word with one channel bit.</summary>
    private static void ChfSubGhzChannel(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (values && ChannelPage(Item(m, 0)) is { } p) OperatingChannel(w, p);
    }

    private static readonly string[] ScanTriggers = ["RemotePartyCommand", "GSMERequest", "GSMEMissedItsCurfew", "GSMEMissingForTheLastDay",
        "CHDetectedMessageFailureProblems", "CHDetectedMessageRetryProblems", "SubGHzNon-GSMEDeviceRequest", "SMHANFormation"];

    /// <summary>
    /// 6.32 DBCH02: Profile 0-0:94.44.10.3's buffer of {time (UTC seconds since 2000), event code, octet-string: the channel page
    /// word of the channel moved to, then three octets whose last is the scan trigger in the MMC ScanTrigger's order (RTDS's
    /// eight rows count 0–7 through them)}; at most 100.
    /// </summary>
    private static void ChfSubGhzChannelLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || Item(m, 0) is not { Type: DlmsType.Array } log) return;
        var n = 0;
        foreach (var row in log.Items)
        {
            if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } time, { Type: DlmsType.LongUnsigned } code, { Type: DlmsType.OctetString } detail] } || ++n > 100)
                continue;
            w.WriteStartElement("LogEntry", Namespace);
            TimeElement(w, "Timestamp", time.Value);
            w.WriteStartElement("EventCode", Namespace);
            Span<byte> octets = [(byte)(code.Value >> 8), (byte)code.Value];
            w.WriteHex(octets);
            w.WriteEndElement();
            if (MmcStatus.KnownAlert((ushort)code.Value) is { Length: <= 200 } description) Element(w, "EventDescription", description);
            var d = detail.Octets.Span;
            if (d.Length >= 4 && (BinaryPrimitives.ReadUInt32BigEndian(d) >> 27) is >= 28 and <= 31 and var page)
                OperatingChannel(w, ((int)page, BinaryPrimitives.ReadUInt32BigEndian(d) & 0x07FFFFFF));
            if (d.Length == 7 && d[6] < ScanTriggers.Length) Element(w, "ScanTrigger", ScanTriggers[d[6]]);
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// 8.9: CCS05CCS04 and CCS06 read the CHF Device Log (Device Log 0-0:30.3.0.255, class 104, attribute 4): per Device its
    /// Device ID (8 octets) first and, ninth, its last communication date-time. Its 14 items are the ZigBee network control
    /// active device element's (a status bit-string, three signed values RTDS orders as maximum, average and minimum RSSI, three
    /// unsigned, the date-time, five unsigned); which of them GBCS reports as the SubGHzLinkQuality is not fixed, so it is left out. CCS07 (method 4 of the Device Logs 0-0:30.3.0.255 and 0-0:30.3.1.255):
    /// the current and the historic connected device logs, each {date-time, octets, [{Device ID, security details (16 octets)}]}.
    /// CS07: GBCS's Read Device Join Details response, SEQUENCE {response code (INTEGER: 0 success, 1 read failure), SEQUENCE OF
    /// device log entries}, as DeviceLogEntries.
    /// </summary>
    private static void DeviceLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (values && m.Payload is Asn1Payload { Root.Children: [{ TagNumber: Asn1Node.Integer }, { TagNumber: Asn1Node.Sequence } entries] })
        {
            w.WriteStartElement("DeviceLogEntries", Namespace);
            foreach (var entry in entries.Children) DeviceLogEntry(w, "LogEntry", entry);
            w.WriteEndElement();
            return;
        }
        if (!values || m.Payload is not DlmsAccessResponse r) return;
        if (m.Header.MessageCode is 0x0004 or 0x010F && Item(m, 0) is { Type: DlmsType.Array } log)
        {
            w.WriteStartElement("CHFDeviceLog", Namespace);
            var n = 0;
            foreach (var device in log.Items)
            {
                if (device is not { Type: DlmsType.Structure } || device.Items.Count < 9 || device[0] is not { Type: DlmsType.OctetString, Octets.Length: 8 } id || ++n > 16) continue;
                w.WriteStartElement("CHFDeviceLogEntry", Namespace);
                Element(w, "DeviceID", Protocol.Domain.Eui.FromBytes(id.Octets.Span).ToString());
                if (device[8].AsDateTime() is { } last) Element(w, "LastCommunicationsDateTime", DateTimeText(last));
                w.WriteEndElement();
            }
            w.WriteEndElement();
            return;
        }
        if (m.Header.MessageCode != 0x00FE || r.Data.Count != 2) return;
        w.WriteStartElement("CHFConnectedDeviceLog", Namespace);
        foreach (var (item, name) in (ReadOnlySpan<(int, string)>)[(0, "CHFCurrentConnectedDeviceLogEntry"), (1, "CHFHistoricConnectedDeviceLogEntry")])
        {
            if (Item(m, item) is not { Type: DlmsType.Structure, Items: [_, _, { Type: DlmsType.Array } devices] }) continue;
            var n = 0;
            foreach (var device in devices.Items)
            {
                if (device is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.OctetString, Octets.Length: 8 } id, { Type: DlmsType.OctetString, Octets.Length: <= 16 } security] } || ++n > 16) continue;
                w.WriteStartElement(name, Namespace);
                Element(w, "DeviceID", Protocol.Domain.Eui.FromBytes(id.Octets.Span).ToString());
                w.WriteStartElement("DeviceSecurityDetails", Namespace);
                w.WriteHex(security.Octets.Span);
                w.WriteEndElement();
                w.WriteEndElement();
            }
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// GBCS's DeviceType (an ASN.1 INTEGER in device log entries and join commands): 0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5
    /// PPMID, 6 Type 2, as the Smart DCC's open GBCS reader names them. RTDS agrees where it can say: CS03A1, the Method A join of
    /// a meter (an ESME's partner is an HCALCS or a PPMID), names type 4; the GPF's non-critical Method C join names 0, a GSME.
    /// </summary>
    private static readonly string[] GbcsDeviceTypes = ["GSME", "ESME", "CHF", "GPF", "HCALCS", "PPMID", "Type2"];

    internal static string? GbcsDeviceType(int code) => code >= 0 && code < GbcsDeviceTypes.Length ? GbcsDeviceTypes[code] : null;

    /// <summary>A device log entry SEQUENCE {Device ID (OCTET STRING (8)), device type (INTEGER)} as the MMC's DeviceLogEntry; false when it is not one.</summary>
    private static bool DeviceLogEntry(MmcWriter w, string element, Asn1Node entry)
    {
        if (entry is not { TagNumber: Asn1Node.Sequence, Children: [{ TagNumber: Asn1Node.OctetString, Value.Length: 8 } id, { TagNumber: Asn1Node.Integer, Value.Length: 1 } type] }
            || GbcsDeviceType(type.Value.Span[0]) is not { } name)
            return false;
        w.WriteStartElement(element, Namespace);
        Element(w, "DeviceID", Protocol.Domain.Eui.FromBytes(id.Value.Span).ToString());
        Element(w, "DeviceType", name);
        w.WriteEndElement();
        return true;
    }

    /// <summary>
    /// 8.12.2 GCS59: SEQUENCE {SEQUENCE OF restore outcome SEQUENCE {device log entry, join response code (INTEGER)}}, each as a
    /// RestoreDeviceLogOutcome.
    /// </summary>
    private static void RestoreGpfDeviceLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not Asn1Payload { Root.Children: [{ TagNumber: Asn1Node.Sequence } outcomes] }) return;
        foreach (var outcome in outcomes.Children)
        {
            if (outcome is not { TagNumber: Asn1Node.Sequence, Children: [var entry, { TagNumber: Asn1Node.Integer, Value.Length: <= 4 } code] }) continue;
            w.WriteStartElement("RestoreDeviceLogOutcome", Namespace);
            DeviceLogEntry(w, "DeviceLogEntry", entry);
            Asn1StatusCodes.Write(w, "joinResponseCode", (long)code.AsInteger(), Asn1CodeList.Join);
            w.WriteEndElement();
        }
    }
}
