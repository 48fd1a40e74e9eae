using System.Buffers.Binary;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>The device configuration reads 6.2.3 (billing calendar) and 6.2.10 (event and alert behaviours).</summary>
internal static partial class MmcFields
{
    /// <summary>
    /// 6.2.3 ECS26d/ECS26l: the Single Action Schedule 0-0:15.0.0.255 (class 22) execution_time, an array of {time, date}. The
    /// RTDS 6.8 commands write their requests' calendars so: ECS30 (Monthly 1 at 12:00) one entry of date FFFF FF 01 FF,
    /// ECS30a (Quarterly from month 1, day 1) four entries of months 1, 4, 7, 10. So one entry is Daily (all date fields not
    /// specified), Weekly (a day of week), Monthly (a day of month) or Yearly (a month too); two are SixMonthly and four
    /// Quarterly, from the first entry's month.
    /// GCS21d/GCS21k: the Price cluster's Publish Billing Period (ZCL SE, server command 0x09): provider id (4), issuer event
    /// id (4), billing period start time (4, UTC since 2000), duration (3) and duration type (1: timebase in bits 0–3, 0
    /// minutes, 1 days, 2 weeks, 3 months), tariff type (1), little-endian; the RTDS 6.8 GCS25/GCS25a commands write Monthly
    /// and SixMonthly as 1 and 6 months.
    /// </summary>
    private static void BillingCalendar(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values) return;
        if (m.Payload is GbzPayload g)
        {
            GasBillingCalendar(w, g);
            return;
        }
        if (!TryRaw(m, 0, out var c) || !c.TryEnter(DlmsType.Array, out var n) || n is not (1 or 2 or 4)) return;
        Span<byte> months = stackalloc byte[4];
        string? time = null;
        ReadOnlySpan<byte> first = default;
        for (var i = 0; i < n; i++)
        {
            if (!c.TryEnter(DlmsType.Structure, out var items) || items != 2 || !c.TryOctets(out var t) || !c.TryOctets(out var date) || date.Length != 5) return;
            if (i == 0)
            {
                time = TimeText(t);
                first = date;
            }
            months[i] = date[2];
        }
        if (time is null) return;
        var (day, month, weekday) = (first[3], first[2], first[4]);
        w.WriteStartElement("BillingCalendar", Namespace);
        w.WriteStartElement("ElectricityBillingCalendar", Namespace);
        Element(w, "BillingTime", time);
        switch (n)
        {
            case 1 when day == 0xFF && month == 0xFF && weekday == 0xFF: Empty(w, "Daily"); break;
            case 1 when weekday is >= 1 and <= 7: Element(w, "Weekly", weekday); break;
            case 1 when month == 0xFF && day is >= 1 and <= 28: Element(w, "Monthly", day); break;
            default:
                if (day is < 1 or > 28 || month is < 1 or > 12) break;
                w.WriteStartElement(n switch { 1 => "Yearly", 2 => "SixMonthly", _ => "Quarterly" }, Namespace);
                Element(w, "DayOfMonth", day);
                Element(w, "BillingPeriodStartMonth", month);
                w.WriteEndElement();
                break;
        }
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void GasBillingCalendar(MmcWriter w, GbzPayload g)
    {
        foreach (var component in g.Components)
        {
            if (component.ClusterId != 0x0700 || component.Frame is not { ClusterSpecific: true, CommandId: 0x09 } f || f.Payload.Length < 16) continue;
            var p = f.Payload.Span;
            var duration = p[12] | p[13] << 8 | p[14] << 16;
            var periodicity = (p[15] & 0x0F, duration) switch
            {
                (1, 1) or (0, 1440) => "Daily",
                (2, 1) or (1, 7) => "Weekly",
                (3, 1) => "Monthly",
                (3, 3) => "Quarterly",
                (3, 6) => "SixMonthly",
                (3, 12) => "Yearly",
                _ => null,
            };
            if (periodicity is null) return;
            w.WriteStartElement("BillingCalendar", Namespace);
            w.WriteStartElement("GasBillingCalendar", Namespace);
            TimeElement(w, "BillingPeriodStart", BinaryPrimitives.ReadUInt32LittleEndian(p[8..]));
            Element(w, "Periodicity", periodicity);
            w.WriteEndElement();
            w.WriteEndElement();
            return;
        }
    }
}

/// <summary>6.2.10: the event and alert behaviours ECS25r1 (Supplier), ECS25r2 (Network Operator) and GCS20r (GSME) read.</summary>
internal static partial class MmcFields
{
    // The alerts each MMC alert-setting type lists, in its schema order (MMC Schema V5.4: SupplierESMECommon,
    // SupplierESMEPolyPhase, NetworkOperatorESMECommon, NetworkOperatorESMESinglePhase, NetworkOperatorESMEPolyPhase,
    // SupplierGSMEAlertsEvents).
    private static readonly ushort[] SupplierEsmeCommonAlerts =
    [
        0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x81A0, 0x81A1, 0x81A2, 0x81A3, 0x81A4,
        0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC, 0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3,
        0x81B8, 0x81B9, 0x81BA, 0x81BB, 0x81BC, 0x81BD, 0x81BE, 0x81C0, 0x81C1, 0x81C4, 0x81C5, 0x81C6,
    ];

    private static readonly ushort[] SupplierEsmePolyPhaseAlerts = [0x81B7];

    private static readonly ushort[] NetworkOperatorEsmeCommonAlerts = [0x8014, 0x8015];

    private static readonly ushort[] NetworkOperatorEsmeSinglePhaseAlerts =
        [0x8002, 0x8006, 0x8020, 0x8024, 0x8028, 0x802C, 0x8085, 0x8089, 0x808D, 0x8091, 0x8095, 0x8099, 0x8010];

    private static readonly ushort[] NetworkOperatorEsmePolyPhaseAlerts =
    [
        0x8003, 0x8004, 0x8005, 0x8007, 0x8008, 0x8009, 0x8021, 0x8022, 0x8023, 0x8025, 0x8026, 0x8027, 0x8029, 0x802A, 0x802B,
        0x802D, 0x802E, 0x802F, 0x8086, 0x8087, 0x8088, 0x808A, 0x808B, 0x808C, 0x808E, 0x808F, 0x8090, 0x8092, 0x8093, 0x8094,
        0x8096, 0x8097, 0x8098, 0x809A, 0x809B, 0x809C, 0x8011, 0x8016, 0x8013,
    ];

    private static readonly ushort[] GsmeSupplierAlerts =
    [
        0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x8184, 0x81A0, 0x81A1, 0x81A4, 0x81A5,
        0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC, 0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3, 0x81B4,
        0x81B5, 0x81B6, 0x81B9, 0x81BA, 0x81BC, 0x81BD, 0x81BE, 0x81BF, 0x81C0, 0x81C2, 0x81C3, 0x81C4, 0x81C5, 0x81C6,
    ];

    private const ushort Ecs25r2 = 0x00EF;

    /// <summary>
    /// ECS25r1 reads the Supplier's four alarm filters 0-0:97.98.15–18.255 (WAN alerts, HAN, audible alarm, logging, the order
    /// of their MMC settings), ECS25r2 the Network Operator's WAN and logging filters (0-0:97.98.15 and .18); each a bit-string
    /// of 256 in which alert 0x80nn (Network Operator) or 0x81nn (Supplier) is the bit n counted from the last (the least
    /// significant bit of the last octet is n = 0). The RTDS 6.22 commands fix it: each writes 0-0:97.98.11–14.255 with 512
    /// bits, a mask of the alerts it changes then their new values, and its request names exactly those alerts: ECS25a1
    /// (810D Enable, 8119 and 8168 Disable) masks bits n = 0x0D, 0x19, 0x68 and sets 0x0D; ECS25a2 masks and sets 0x54, 0x55,
    /// 0x61, 0x62; ECS25a3 masks 0x45, 0x54, 0x55, 0x61, 0x62, 0xC6 and sets all but 0x54 and 0x55, which it disables; ECS25b
    /// (8014 Enable, 8015 Disable) masks 0x14 and 0x15 and sets 0x14.
    /// The read does not say whether the meter is single or poly-phase, but the two kinds' own alerts are distinct: when any
    /// filter of the response enables one kind's (and none the other's), that kind's group is written in every setting, its
    /// alerts Enable or Disable; when none does, neither group is written (the schema lets both be left out).
    /// </summary>
    private static void AlertBehaviours(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload is GbzPayload g)
        {
            w.WriteStartElement("GasSupplierAlertEventSettings", Namespace);
            if (values) GasAlertBehaviours(w, g);
            w.WriteEndElement();
            return;
        }
        var networkOperator = m.Header.MessageCode == Ecs25r2;
        w.WriteStartElement(networkOperator ? "ElectricityNetworkOperatorAlertEventSettings" : "ElectricitySupplierAlertEventSettings", Namespace);
        if (values)
        {
            string[] settings = networkOperator
                ? ["ElectricityNetworkOperatorWANAlertSettings", "ElectricityNetworkOperatorLoggingSettings"]
                : ["ElectricitySupplierWANAlertSettings", "ElectricitySupplierHANAlertSettings", "ElectricitySupplierAlarmSettings", "ElectricitySupplierLoggingSettings"];
            bool singlePhase = false, polyPhase = false;
            for (var i = 0; i < settings.Length; i++)
                if (Filter(m, i) is { } f)
                {
                    singlePhase |= networkOperator && AnyEnabled(f.Octets.Span, NetworkOperatorEsmeSinglePhaseAlerts);
                    polyPhase |= AnyEnabled(f.Octets.Span, networkOperator ? NetworkOperatorEsmePolyPhaseAlerts : SupplierEsmePolyPhaseAlerts);
                }
            for (var i = 0; i < settings.Length; i++)
            {
                if (Filter(m, i) is not { } filter) continue;
                var bits = filter.Octets.Span;
                w.WriteStartElement(settings[i], Namespace);
                if (networkOperator)
                {
                    AlertFilter(w, "NetworkOperatorESMECommon", NetworkOperatorEsmeCommonAlerts, bits, always: true);
                    if (singlePhase && polyPhase)
                    {
                        // Both kinds enabled: each filter says for itself (the schema allows one group per setting).
                        if (!AlertFilter(w, "NetworkOperatorESMESinglePhase", NetworkOperatorEsmeSinglePhaseAlerts, bits, always: false))
                            AlertFilter(w, "NetworkOperatorESMEPolyPhase", NetworkOperatorEsmePolyPhaseAlerts, bits, always: false);
                    }
                    else if (singlePhase) AlertFilter(w, "NetworkOperatorESMESinglePhase", NetworkOperatorEsmeSinglePhaseAlerts, bits, always: true);
                    else if (polyPhase) AlertFilter(w, "NetworkOperatorESMEPolyPhase", NetworkOperatorEsmePolyPhaseAlerts, bits, always: true);
                }
                else
                {
                    AlertFilter(w, "SupplierESMECommon", SupplierEsmeCommonAlerts, bits, always: true);
                    if (polyPhase) AlertFilter(w, "SupplierESMEPolyPhase", SupplierEsmePolyPhaseAlerts, bits, always: true);
                }
                w.WriteEndElement();
            }
        }
        w.WriteEndElement();
    }

    private static DlmsData? Filter(ParsedGbcsMessage m, int item) =>
        Item(m, item) is { Type: DlmsType.BitString, Value: 256, Octets.Length: 32 } filter ? filter : null;

    private static bool AnyEnabled(ReadOnlySpan<byte> filter, ushort[] alerts)
    {
        foreach (var alert in alerts)
            if (AlertEnabled(filter, alert)) return true;
        return false;
    }

    private static bool AlertEnabled(ReadOnlySpan<byte> filter, ushort alert)
    {
        var n = alert & 0xFF;
        return (filter[filter.Length - 1 - n / 8] & (1 << (n % 8))) != 0;
    }

    /// <summary>One alert-setting group, each alert Enable or Disable; unless <paramref name="always"/>, only if one is enabled.</summary>
    private static bool AlertFilter(MmcWriter w, string group, ushort[] alerts, ReadOnlySpan<byte> filter, bool always)
    {
        if (!always && !AnyEnabled(filter, alerts)) return false;
        w.WriteStartElement(group, Namespace);
        foreach (var alert in alerts) Element(w, AlertElement(alert), EnableDisable(AlertEnabled(filter, alert)));
        w.WriteEndElement();
        return true;
    }

    private static string AlertElement(ushort alert) => "x" + alert.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);

    private static string EnableDisable(bool enabled) => enabled ? "Enable" : "Disable";

    /// <summary>
    /// GCS20r: the Device Management cluster's Report Event Configuration (ZCL SE, command 0x04: command index, total commands,
    /// then {event id (2, little-endian), event configuration (1)}). Its configuration is ZSE's Event Configuration bitmap: bits
    /// 0–2 how the event is logged (0 not logged), bit 3 push to WAN, bit 4 push to HAN, bit 5 raise a ZigBee alarm, bit 6 raise a
    /// physical (audible or visible) alarm. The RTDS 6.22 GCS20 command writes its request so: 810E (WAN only) as 0x08, 8161, 8162
    /// and 81C6 (event log and alarm) as 0x43, 81BD–81C0 (all but HAN) as 0x4B, 81AA, 81AB and 81C4 (all four) as 0x5B.
    /// </summary>
    private static void GasAlertBehaviours(MmcWriter w, GbzPayload g)
    {
        var configurations = new Dictionary<ushort, byte>();
        foreach (var component in g.Components)
        {
            if (component.ClusterId != 0x0708 || component.Frame is not { ClusterSpecific: true, CommandId: 0x04 } f || f.Payload.Length < 2) continue;
            var entries = f.Payload.Span[2..];
            for (var i = 0; i + 3 <= entries.Length; i += 3) configurations[BinaryPrimitives.ReadUInt16LittleEndian(entries[i..])] = entries[i + 2];
        }
        foreach (var alert in GsmeSupplierAlerts)
        {
            if (!configurations.TryGetValue(alert, out var c)) continue;
            w.WriteStartElement(AlertElement(alert), Namespace);
            Element(w, "WANAlert", EnableDisable((c & 0x08) != 0));
            Element(w, "HANAlert", EnableDisable((c & 0x10) != 0));
            Element(w, "EventLog", EnableDisable((c & 0x07) != 0));
            Element(w, "Alarm", EnableDisable((c & 0x40) != 0));
            w.WriteEndElement();
        }
    }
}
