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
    /// Device ID (8 octets) first and, ninth, its last communication date-time; the link quality among its other items is left
    /// out, which of them it is not being at hand. CCS07 (method 4 of the Device Logs 0-0:30.3.0.255 and 0-0:30.3.1.255):
    /// the current and the historic connected device logs, each {date-time, octets, [{Device ID, security details (16 octets)}]}.
    /// CS07 (ASN.1) is left.
    /// </summary>
    private static void DeviceLog(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
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
}
