using System.Buffers.Binary;
using System.Globalization;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// 4.13 Read Prepayment Configuration: the ESME's DLMS items (GBCS ECS26a) and both fuels' non-disablement calendars, and
/// the GSME's SuspendDebt flags (6.2.9 GCS21j).
/// </summary>
internal static partial class MmcFields
{
    /// <summary>
    /// GBCS ECS26a's items (GBCS v4 Use Cases, ECS26a, in this order): 0 debt recovery rate 1 (Charge 0-0:19.20.1.255
    /// unit_charge_active {scaling {commodity scale, price scale}, commodity reference, charge table [{index, charge per unit
    /// (long)}]}), 1 the non-disablement special days (0-0:11.0.2.255 entries [{index, date, day id}]), 2 rate 1's period
    /// (seconds), 3 rate 1's unit charge again, 4–6 the same for rate 2 (0-0:19.20.2.255), 7 debt recovery per payment
    /// (0-0:19.20.3.255 proportion), 8 maximum credit threshold (0-0:94.44.2.10), 9 disablement threshold (0-0:16.0.1.255
    /// thresholds [1]), 10 maximum meter balance (0-0:94.44.2.20), 11 low credit threshold (Account low_credit_threshold), 12
    /// debt recovery rate cap (max_provision) and 13 its period, 14 emergency credit limit (0-0:19.10.1.255
    /// preset_credit_amount), 15 emergency credit threshold (credit_available_threshold), 16 the non-disablement calendar
    /// (0-0:12.0.1.255 entries), 17 credit_charge_configuration (the payment mode and SuspendDebt flags: <see cref="CreditChargeConfiguration"/>).
    /// </summary>
    private static void ElectricityPrepaymentConfiguration(MmcWriter w, ParsedGbcsMessage m)
    {
        if (m.Payload is not DlmsAccessResponse { Data.Count: 18 }) return;
        foreach (var (item, name) in (ReadOnlySpan<(int, string)>)[(7, "DebtRecoveryPerPayment"), (12, "DebtRecoveryRateCap")])
            if (Item(m, item) is { IsInteger: true } v) Element(w, name, v.Value);
        if (Item(m, 9) is { Type: DlmsType.Array, Items: [{ IsInteger: true } disablement, ..] }) Element(w, "DisablementThreshold", disablement.Value);
        foreach (var (item, name) in (ReadOnlySpan<(int, string)>)[(14, "EmergencyCreditLimit"), (15, "EmergencyCreditThreshold"), (11, "LowCreditThreshold"),
                     (8, "CreditMaxCreditThreshold"), (10, "MaxCreditMaxMeterBalance")])
            if (Item(m, item) is { IsInteger: true } v) Element(w, name, v.Value);
        var creditCharge = CreditChargeConfiguration.Read(Item(m, 17));
        if (creditCharge?.SuspendDebtDisabled is { } disabled) Element(w, "SuspendDebtDisabled", disabled ? "true" : "false");
        if (creditCharge?.SuspendDebtEmergency is { } emergency) Element(w, "SuspendDebtEmergency", emergency ? "true" : "false");
        w.WriteStartElement("Electricity", Namespace);
        if (creditCharge is { } form) Element(w, "PaymentMode", form.Prepayment ? "Prepayment" : "Credit");
        ElectricityNonDisablementCalendar(w, Item(m, 1), Item(m, 16));
        for (var rate = 0; rate < 2; rate++)
            ElectricityDebtRecovery(w, $"DebtRecovery{rate + 1}", Item(m, 4 * rate), Item(m, rate == 0 ? 2 : 5));
        w.WriteEndElement();
    }

    /// <summary>ElecDebtRecovery: the rate (charge per unit), its price scale, and its period (3600 s hourly, 86400 s daily).</summary>
    private static void ElectricityDebtRecovery(MmcWriter w, string element, DlmsData? unitCharge, DlmsData? period)
    {
        if (unitCharge is not { Type: DlmsType.Structure, Items: [{ Items: [_, { Type: DlmsType.Integer } priceScale] }, _, { Type: DlmsType.Array, Items: [{ Items: [_, { IsInteger: true } rate] }, ..] }] })
            return;
        w.WriteStartElement(element, Namespace);
        Element(w, "DebtRecoveryRate", rate.Value);
        Element(w, "DebtRecoveryRatePriceScale", priceScale.Value);
        if (period?.Value switch { 3600 => "HOURLY", 86400 => "DAILY", _ => null } is { } p) Element(w, "DebtRecoveryRatePeriod", p);
        w.WriteEndElement();
    }

    /// <summary>The non-disablement calendar's script selectors (RTDS's ECS08a writes START as 32 and STOP as 33).</summary>
    private const int NonDisablementStart = 32, NonDisablementStop = 33;

    private static readonly string[] DaysOfWeek = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    /// <summary>
    /// ElectricityNonDisablementCalendar: the special days (COSEM Special days table entries {index, date, day id}) and the
    /// schedule (COSEM Schedule entries {index, enable, script, script selector, switch time, validity window, exec_weekdays
    /// (bit-string, Monday first), exec_specdays (bit-string, one bit per special day, the first first: GBCS ECS26a has its
    /// length align to the number of special days), begin date, end date}).
    /// </summary>
    private static void ElectricityNonDisablementCalendar(MmcWriter w, DlmsData? specialDays, DlmsData? schedule)
    {
        if (specialDays is not { Type: DlmsType.Array } && schedule is not { Type: DlmsType.Array }) return;
        w.WriteStartElement("NonDisablementCalendar", Namespace);
        if (specialDays is { Type: DlmsType.Array })
        {
            w.WriteStartElement("ElectricitySpecialDays", Namespace);
            foreach (var day in specialDays.Items.Take(20))
            {
                if (day is not { Type: DlmsType.Structure, Items: [{ IsInteger: true, Value: >= 1 and <= 20 } index, { Type: DlmsType.OctetString, Octets.Length: 5 } date, ..] }
                    || !CosemDateFits(date.Octets.Span)) continue;
                w.WriteStartElement("SpecialDay", Namespace);
                w.WriteAttribute("index", index.Value);
                CosemDate(w, date.Octets.Span);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        foreach (var e in schedule is { Type: DlmsType.Array } ? schedule.Items.Take(22) : [])
        {
            if (e is not { Type: DlmsType.Structure, Items.Count: 10 } || e[3].Value is not (NonDisablementStart or NonDisablementStop)) continue;
            w.WriteStartElement("ElectricityNonDisablementSchedule", Namespace);
            Element(w, "NonDisablementScript", e[3].Value == NonDisablementStart ? "START" : "STOP");
            w.WriteStartElement("SpecialDaysApplicability", Namespace);
            foreach (var bit in SetBits(e[7], 20))
            {
                w.WriteStartElement("SpecialDayApplicability", Namespace);
                Element(w, "SpecialDayID", bit + 1);
                w.WriteEndElement();
            }
            w.WriteEndElement();
            DaysOfWeekApplicability(w, e[6]);
            w.WriteStartElement("ScheduleDatesAndTime", Namespace);
            if (SwitchTime(e[4]) is { } time) Element(w, "SwitchTime", time);
            if (CosemCalendarDate(e[8]) is { } start) Element(w, "StartDate", start);
            if (CosemCalendarDate(e[9]) is { } end) Element(w, "EndDate", end);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>DaysOfWeekApplicability from a COSEM Schedule entry's exec_weekdays (bit-string, Monday first).</summary>
    private static void DaysOfWeekApplicability(MmcWriter w, DlmsData weekdays)
    {
        w.WriteStartElement("DaysOfWeekApplicability", Namespace);
        foreach (var bit in SetBits(weekdays, 7))
        {
            w.WriteStartElement("DayOfWeekApplicability", Namespace);
            Element(w, "DayOfWeekID", DaysOfWeek[bit]);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>The set bits of a bit-string, the first octet's most significant bit first (A-XDR), below <paramref name="max"/>.</summary>
    private static IEnumerable<int> SetBits(DlmsData bits, int max)
    {
        if (bits.Type != DlmsType.BitString) yield break;
        var octets = bits.Octets;
        for (var i = 0; i < max && i / 8 < octets.Length; i++)
            if ((octets.Span[i / 8] & (0x80 >> (i % 8))) != 0) yield return i;
    }

    /// <summary>A COSEM date (octet-string(5): year (2, 0xFFFF not specified), month, day of month, day of week; 0xFF not specified).</summary>
    private static bool CosemDateFits(ReadOnlySpan<byte> d)
    {
        var year = BinaryPrimitives.ReadUInt16BigEndian(d);
        return (year == 0xFFFF || year is >= 2014 and <= 9999) && d[2] is (>= 1 and <= 12) or 0xFF && d[3] is (>= 1 and <= 31) or 0xFE or 0xFD or 0xFF
            && d[4] is (>= 1 and <= 7) or 0xFF;
    }

    /// <summary>The MMC's Date with wildcards from a COSEM date (day of month 0xFE the last, 0xFD the second last).</summary>
    private static void CosemDate(MmcWriter w, ReadOnlySpan<byte> d)
    {
        var year = BinaryPrimitives.ReadUInt16BigEndian(d);
        Choice(w, "Year", year == 0xFFFF ? null : year, "SpecifiedYear", "NonSpecifiedYear");
        Choice(w, "Month", d[2] == 0xFF ? null : d[2], "SpecifiedMonth", "NonSpecifiedMonth");
        Choice(w, "DayOfMonth", d[3] is 0xFF or 0xFE or 0xFD ? null : d[3], "SpecifiedDayOfMonth",
            d[3] switch { 0xFE => "LastDayOfMonth", 0xFD => "SecondLastDayOfMonth", _ => "NonSpecifiedDayOfMonth" });
        Choice(w, "DayOfWeek", d[4] == 0xFF ? null : d[4], "SpecifiedDayOfWeek", "NonSpecifiedDayOfWeek");
    }

    private static void Choice(MmcWriter w, string element, int? value, string specified, string unspecified)
    {
        w.WriteStartElement(element, Namespace);
        if (value is { } v) Element(w, specified, v);
        else
        {
            w.WriteStartElement(unspecified, Namespace);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>A COSEM date with every field given, as an xs:date; null when any is a wildcard.</summary>
    private static string? CosemCalendarDate(DlmsData d)
    {
        if (d is not { Type: DlmsType.OctetString, Octets.Length: 5 }) return null;
        var s = d.Octets.Span;
        var year = BinaryPrimitives.ReadUInt16BigEndian(s);
        return year is >= 1 and <= 9999 && s[2] is >= 1 and <= 12 && s[3] >= 1 && s[3] <= DateTime.DaysInMonth(year, s[2])
            ? new DateOnly(year, s[2], s[3]).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// The GSME's non-disablement (friendly credit) calendar, read with the Calendar cluster (0x0707, ZSE 1.4; GBCS GCS21b):
    /// Publish Day Profile (0x01: provider, issuer event and issuer calendar ids (4 each), day id, number of entries, command
    /// index, total commands, calendar type, then {start time (minutes from midnight, 2), friendly credit enable (1)}), Publish
    /// Week Profile (0x02: the ids, week id, the day ids of Monday–Sunday), Publish Seasons (0x03: the ids, command index,
    /// total commands, then {date (4), week id}) and Publish Special Days (0x04: the ids, start time (4), calendar type, number
    /// of days, command index, total commands, then {date (4), day id}); little-endian, dates as ZCL Date (year − 1900, month,
    /// day of month, day of week; 0xFF not specified). GBCS maps friendly credit enable 1 to non-disablement START, 0 to STOP.
    /// </summary>
    private static bool GasNonDisablementCalendar(MmcWriter w, GbzPayload g)
    {
        var frames = g.Components.Where(c => c.ClusterId == 0x0707 && c.Frame is { ClusterSpecific: true }).Select(c => c.Frame!).ToList();
        if (frames.Count == 0) return false;
        w.WriteStartElement("NonDisablementCalendar", Namespace);
        w.WriteStartElement("DayProfiles", Namespace);
        foreach (var f in frames.Where(f => f.CommandId == 0x01).Take(5))
        {
            var p = f.Payload.Span;
            if (p.Length < 17 || p[12] is < 1 or > 5) continue;
            w.WriteStartElement("GasNonDisablementDayProfile", Namespace);
            for (var i = 0; i < Math.Min(3, (int)p[13]) && 17 + 3 * i + 3 <= p.Length; i++)
            {
                var minutes = BinaryPrimitives.ReadUInt16LittleEndian(p[(17 + 3 * i)..]);
                if (minutes >= 24 * 60) continue;
                w.WriteStartElement("TimeStartAction", Namespace);
                w.WriteAttribute("index", i + 1);
                Element(w, "StartTime", string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:D2}:{minutes % 60:D2}:00Z"));
                Element(w, "NonDisablementAction", p[17 + 3 * i + 2] != 0 ? "START" : "STOP");
                w.WriteEndElement();
            }
            Element(w, "GasDayName", p[12]);
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteStartElement("WeekProfiles", Namespace);
        foreach (var f in frames.Where(f => f.CommandId == 0x02).Take(2))
        {
            var p = f.Payload.Span;
            if (p.Length < 20 || p[12] is < 1 or > 2 || p[13..20].ContainsAnyExceptInRange((byte)1, (byte)5)) continue;
            w.WriteStartElement("WeekProfile", Namespace);
            Element(w, "WeekName", p[12]);
            for (var day = 0; day < 7; day++)
            {
                w.WriteStartElement("ReferencedDayName", Namespace);
                w.WriteAttribute("index", day + 1);
                w.WriteValue(p[13 + day]);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
        DatedEntries(w, frames, 0x03, "SeasonProfiles", "Season", "SeasonStartDate", "ReferencedWeekName", firstAt: 14, max: 3, maxReference: 2);
        DatedEntries(w, frames, 0x04, "SpecialDays", "SpecialDay", "Date", "ReferencedDayName", firstAt: 20, max: 20, maxReference: 5);
        w.WriteEndElement();
        return true;
    }

    /// <summary>Publish Seasons' and Publish Special Days' entries {ZCL Date (4), week or day id (1)}, from <paramref name="firstAt"/>.</summary>
    private static void DatedEntries(MmcWriter w, List<ZclFrame> frames, byte command, string list, string element, string dateElement, string referenceElement,
        int firstAt, int max, int maxReference)
    {
        w.WriteStartElement(list, Namespace);
        foreach (var f in frames.Where(f => f.CommandId == command))
            for (var at = firstAt; at + 5 <= f.Payload.Length && at < firstAt + 5 * max; at += 5)
            {
                var entry = f.Payload.Span.Slice(at, 5);
                if (!ZclDateFits(entry) || entry[4] < 1 || entry[4] > maxReference) continue;
                w.WriteStartElement(element, Namespace);
                ZclDate(w, dateElement, entry);
                Element(w, referenceElement, entry[4]);
                w.WriteEndElement();
            }
        w.WriteEndElement();
    }

    private static bool ZclDateFits(ReadOnlySpan<byte> d) =>
        (d[0] == 0xFF || d[0] >= 114) && d[1] is (>= 1 and <= 12) or 0xFF && d[2] is (>= 1 and <= 31) or 0xFF && d[3] is (>= 1 and <= 7) or 0xFF;

    /// <summary>GasDateWithWildcards from a ZCL Date.</summary>
    private static void ZclDate(MmcWriter w, string element, ReadOnlySpan<byte> d)
    {
        w.WriteStartElement(element, Namespace);
        Choice(w, "GasYearWithWildcards", d[0] == 0xFF ? null : 1900 + d[0], "SpecifiedYear", "NonSpecifiedYear");
        Choice(w, "GasMonthWithWildcards", d[1] == 0xFF ? null : d[1], "SpecifiedMonth", "NonSpecifiedMonth");
        Choice(w, "GasDayOfMonthWithWildcards", d[2] == 0xFF ? null : d[2], "SpecifiedDayOfMonth", "GasNonSpecifiedDayOfMonth");
        Choice(w, "GasDayOfWeekWithWildcards", d[3] == 0xFF ? null : d[3], "SpecifiedDayOfWeek", "NonSpecifiedDayOfWeek");
        w.WriteEndElement();
    }

    /// <summary>
    /// 6.2.9 GCS21j: the Prepayment cluster's Payment Control Configuration (0x0000, bitmap16): bit 1 Prepayment Enabled, bit 10
    /// Debt Configuration, bit 11 Emergency Debt Configuration. RTDS's two GCS03 commands fix the SuspendDebt flags' bits: they
    /// differ only in SuspendDebtEmergency (false: 0x0897, true: 0x0097), so bit 11 set is SuspendDebtEmergency false; both
    /// state SuspendDebtDisabled false with bit 10 clear, so bit 10 set is SuspendDebtDisabled true.
    /// </summary>
    private static void GasPaymentControl(MmcWriter w, ZclAttribute control)
    {
        Element(w, "PaymentMode", (control.Unsigned & 0x02) != 0 ? "Prepayment" : "Credit");
        Element(w, "SuspendDebtEmergency", (control.Unsigned & 0x0800) == 0 ? "true" : "false");
        Element(w, "SuspendDebtDisabled", (control.Unsigned & 0x0400) != 0 ? "true" : "false");
    }
}
