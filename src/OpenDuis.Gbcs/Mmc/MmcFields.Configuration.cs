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
