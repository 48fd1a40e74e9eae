using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The electricity tariff reads, 4.11.1 ECS24 and 4.11.2 ECS24b, read where their values lie (<see cref="DlmsCursor"/>): the
/// ECS24 read is ≈ 300 values, and building an object for each was most of the cost of parsing and rendering it.
/// Item order is the RTDS 4.5.0 ECS24 and ECS24b commands' (GBCS Use Case ECS24/ECS24b):
/// ECS24: 0–1 Register 0-0:94.44.1.7 value and scaler_unit (the primary active tariff price), 2–4 Activity Calendar
/// 0-0:13.0.0.255 season, week and day profiles, 5 Special Days Table 0-0:11.0.0.255 entries, 6–13 Register Monitor
/// 0-0:16.0.11–18.255 thresholds, 14 the currency flag, 15 Charge 0-0:19.20.4.255 (standing charge), 16 Charge
/// 0-0:19.20.0.255 (TOU and block prices).
/// ECS24b: 0 Charge 0-0:19.20.5.255 (the secondary element's TOU prices), 1–2 Register 0-0:94.44.1.8 (the secondary active
/// tariff price), 3 Special Days 0-0:11.0.1.255, 4–6 Activity Calendar 0-0:13.0.1.255 season, week and day profiles.
/// </summary>
internal static partial class MmcFields
{
    /// <summary>An item's encoding to read in place, when the item was read successfully (an access-response's items as parsed).</summary>
    private static bool TryRaw(ParsedGbcsMessage m, int index, out DlmsCursor cursor)
    {
        cursor = default;
        if (m.Payload is not DlmsAccessResponse { Data: DlmsItems items } r || index >= items.Count || index >= r.Results.Count || !r.Results[index].Success) return false;
        cursor = new DlmsCursor(items.Raw(index));
        return true;
    }

    private static void Tariff(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (m.Payload is GbzPayload)
        {
            GasTariff(w, m, values);
            return;
        }
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: >= 17 })
        {
            FuelOnly(w, m, values, plaintexts);
            return;
        }
        w.WriteStartElement("Electricity", Namespace);
        if (TryRaw(m, 0, out var price) && price.TryInteger(out var active) && active is >= 0 and <= uint.MaxValue) Element(w, "PrimaryActiveTariffPrice", active);
        // The standing charge is the first entry of its Charge's table (its index an empty octet-string in ECS24).
        if (TryRaw(m, 15, out var standing) && ChargeTable(ref standing, out var chargeScale, out var entries) && entries > 0
            && standing.TryEnter(DlmsType.Structure, out var n) && n == 2 && standing.TryOctets(out _) && standing.TryInteger(out var charge)
            && charge is >= short.MinValue and <= short.MaxValue)
        {
            Element(w, "StandingCharge", charge);
            Element(w, "StandingChargeScale", chargeScale);
        }
        if (TryRaw(m, 16, out var prices) && ChargeTable(ref prices, out var priceScale, out var count))
        {
            Element(w, "PriceScale", priceScale);
            ElectricityPrices(w, ref prices, count, secondary: false);
        }
        SwitchingTable(w, m, seasons: 2, weeks: 3, days: 4, secondary: false);
        SpecialDays(w, m, 5);
        ElectricityThresholds(w, m, first: 6);
        w.WriteEndElement();
    }

    /// <summary>4.11.2 ECS24b: the secondary active tariff price, the price scale, the four TOU prices, switching table and special days.</summary>
    private static void SecondaryTariff(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 7 }) return;
        if (TryRaw(m, 1, out var price) && price.TryInteger(out var active) && active is >= 0 and <= uint.MaxValue) Element(w, "SecondaryActiveTariffPrice", active);
        if (TryRaw(m, 0, out var prices) && ChargeTable(ref prices, out var priceScale, out var count))
        {
            Element(w, "PriceScale", priceScale);
            ElectricityPrices(w, ref prices, count, secondary: true);
        }
        SwitchingTable(w, m, seasons: 4, weeks: 5, days: 6, secondary: true);
        SpecialDays(w, m, 3);
    }

    /// <summary>
    /// A COSEM Charge (class 113) unit_charge {charge_per_unit_scaling {commodity_scale, price_scale}, commodity, charge_table}:
    /// the price scale, leaving the cursor at the charge table's first entry.
    /// </summary>
    private static bool ChargeTable(ref DlmsCursor c, out long priceScale, out int entries)
    {
        priceScale = 0;
        entries = 0;
        if (!c.TryEnter(DlmsType.Structure, out var n) || n != 3 || !c.TryEnter(DlmsType.Structure, out var scaling) || scaling != 2
            || !c.TryInteger(out _) || c.Next != DlmsType.Integer || !c.TryInteger(out priceScale)) return false;
        c.Skip();
        return c.TryEnter(DlmsType.Array, out entries);
    }

    /// <summary>A charge_table entry {index (octet-string of 1), charge_per_unit}; the entry is passed over either way.</summary>
    private static (int Index, long Price)? ChargeEntry(ref DlmsCursor c)
    {
        var entry = c;
        c.Skip();
        return entry.TryEnter(DlmsType.Structure, out var n) && n == 2 && entry.TryOctets(out var index) && index.Length == 1
            && entry.TryInteger(out var price) ? (index[0], price) : null;
    }

    /// <summary>
    /// GBCS ECS24 (4.11.1): the TOU and block prices are one Charge charge_table of {index, price}: index 0x01–0x30 is TOU
    /// price 1–48; 0xXY with X = 0xA–0xD is block price X − 9 (1–4) of the block price row Y (1–8) (the MMC's
    /// TariffBlockPrices [8][4]). Written as the MMC orders them: the block matrix, then the TOU matrix. ECS24b (4.11.2):
    /// indexes 0x01–0x04 are the secondary element's four TOU prices.
    /// </summary>
    private static void ElectricityPrices(MmcWriter w, ref DlmsCursor table, int count, bool secondary)
    {
        Span<long> tou = stackalloc long[48];
        Span<long> block = stackalloc long[32];
        ulong touHeld = 0;
        uint blockHeld = 0;
        var touMax = secondary ? 4 : 48;
        for (var i = 0; i < count; i++)
        {
            // MMC PriceType is xs:short.
            if (ChargeEntry(ref table) is not { Price: >= short.MinValue and <= short.MaxValue } c) continue;
            if (c.Index >= 1 && c.Index <= touMax)
            {
                tou[c.Index - 1] = c.Price;
                touHeld |= 1UL << (c.Index - 1);
            }
            else if (!secondary && c.Index >> 4 is >= 0xA and <= 0xD && (c.Index & 0x0F) is >= 1 and <= 8)
            {
                var cell = 8 * ((c.Index >> 4) - 0xA) + (c.Index & 0x0F) - 1;
                block[cell] = c.Price;
                blockHeld |= 1U << cell;
            }
        }
        if (blockHeld != 0)
        {
            w.WriteStartElement("TariffBlockPriceMatrix", Namespace);
            for (var row = 1; row <= 8; row++)
            {
                var open = false;
                for (var b = 1; b <= 4; b++)
                {
                    var cell = 8 * (b - 1) + row - 1;
                    if ((blockHeld & (1U << cell)) == 0) continue;
                    if (!open) { w.WriteStartElement("TariffBlockPrices", Namespace); w.WriteAttribute("index", row); open = true; }
                    IndexedValue(w, "BlockPrice", b, block[cell]);
                }
                if (open) w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        if (touHeld == 0) return;
        w.WriteStartElement("TariffTOUPriceMatrix", Namespace);
        for (var i = 0; i < touMax; i++)
            if ((touHeld & (1UL << i)) != 0) IndexedValue(w, "TariffTOUPrice", i + 1, tou[i]);
        w.WriteEndElement();
    }

    private static void IndexedValue(MmcWriter w, string name, int index, long value)
    {
        w.WriteStartElement(name, Namespace);
        w.WriteAttribute("index", index);
        w.WriteValue(value);
        w.WriteEndElement();
    }

    /// <summary>GBCS ECS24: eight Register Monitor thresholds (items 7–14), each an array of up to three double-long-unsigned block thresholds.</summary>
    private static void ElectricityThresholds(MmcWriter w, ParsedGbcsMessage m, int first)
    {
        var open = false;
        for (var row = 0; row < 8; row++)
        {
            if (!TryRaw(m, first + row, out var c) || !c.TryEnter(DlmsType.Array, out var n) || n is < 1 or > 3) continue;
            if (!open) { w.WriteStartElement("TariffThresholdMatrix", Namespace); open = true; }
            w.WriteStartElement("ElecTariffThresholds", Namespace);
            w.WriteAttribute("index", row + 1);
            for (var i = 0; i < n; i++)
                if (c.TryInteger(out var threshold)) IndexedValue(w, "BlockThreshold", i + 1, threshold);
                else c.Skip();
            w.WriteEndElement();
        }
        if (open) w.WriteEndElement();
    }

    /// <summary>
    /// The Activity Calendar's (class 20) passive-turned-active tables, in the MMC's order: day profiles {day_id, day_schedule
    /// [{start_time, script logical name, script_selector}]}, week profiles {week_profile_name, Monday … Sunday day_id} and
    /// seasons {season_profile_name, season_start, week_name}. The script_selector is the tariff action, as the RTDS 1.1.1
    /// and 1.1.2 commands write it for their requests' actions: 1–48 TOU rate, 101–108 block tariff (ECS01a), 201–204 the
    /// secondary element's TOU rate (ECS01c).
    /// </summary>
    private static void SwitchingTable(MmcWriter w, ParsedGbcsMessage m, int seasons, int weeks, int days, bool secondary)
    {
        var open = false;
        void Open()
        {
            if (open) return;
            w.WriteStartElement("TariffSwitchingTable", Namespace);
            open = true;
        }
        if (TryRaw(m, days, out var d) && d.TryEnter(DlmsType.Array, out var dayCount) && dayCount is > 0 and <= 16)
        {
            Open();
            w.WriteStartElement("DayProfiles", Namespace);
            for (var i = 0; i < dayCount; i++) DayProfile(w, ref d, secondary);
            w.WriteEndElement();
        }
        if (TryRaw(m, weeks, out var k) && k.TryEnter(DlmsType.Array, out var weekCount) && weekCount is > 0 and <= 4)
        {
            Open();
            w.WriteStartElement("WeekProfiles", Namespace);
            for (var i = 0; i < weekCount; i++) WeekProfile(w, ref k);
            w.WriteEndElement();
        }
        if (TryRaw(m, seasons, out var s) && s.TryEnter(DlmsType.Array, out var seasonCount) && seasonCount is > 0 and <= 4)
        {
            Open();
            w.WriteStartElement("Seasons", Namespace);
            for (var i = 0; i < seasonCount; i++) Season(w, ref s);
            w.WriteEndElement();
        }
        if (open) w.WriteEndElement();
    }

    private static void DayProfile(MmcWriter w, ref DlmsCursor c, bool secondary)
    {
        var day = c;
        c.Skip();
        if (!day.TryEnter(DlmsType.Structure, out var n) || n != 2 || !day.TryInteger(out var id) || id is < 1 or > 16
            || !day.TryEnter(DlmsType.Array, out var actions)) return;
        w.WriteStartElement("DayProfile", Namespace);
        Element(w, "Day", id);
        for (var i = 0; i < actions && i < 48; i++)
        {
            var action = day;
            day.Skip();
            if (!action.TryEnter(DlmsType.Structure, out var items) || items != 3 || !action.TryOctets(out var start) || TimeText(start) is not { } time)
                continue;
            action.Skip();
            if (!action.TryInteger(out var selector)) continue;
            var (name, rate) = (secondary, selector) switch
            {
                (false, >= 1 and <= 48) => ("TOUTariffAction", selector),
                (false, >= 101 and <= 108) => ("BlockTariffAction", selector - 100),
                (true, >= 201 and <= 204) => ("TOUTariffAction", selector - 200),
                _ => (null, 0L),
            };
            if (name is null) continue;
            w.WriteStartElement("ProfileSchedule", Namespace);
            Element(w, "StartTime", time);
            Element(w, name, rate);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void WeekProfile(MmcWriter w, ref DlmsCursor c)
    {
        var week = c;
        c.Skip();
        if (!week.TryEnter(DlmsType.Structure, out var n) || n != 8 || !week.TryOctets(out var name) || name is not [>= 1 and <= 4]) return;
        w.WriteStartElement("WeekProfile", Namespace);
        Element(w, "WeekName", name[0]);
        for (var day = 1; day <= 7; day++)
            if (week.TryInteger(out var id) && id is >= 1 and <= 16) IndexedValue(w, "ReferencedElecDay", day, id);
        w.WriteEndElement();
    }

    private static void Season(MmcWriter w, ref DlmsCursor c)
    {
        var season = c;
        c.Skip();
        if (!season.TryEnter(DlmsType.Structure, out var n) || n != 3 || !season.TryOctets(out var name) || !season.TryOctets(out var start)
            || !season.TryOctets(out var week)) return;
        w.WriteStartElement("Season", Namespace);
        if (name.Length <= 8 && Printable(name)) Element(w, "SeasonName", Ascii(name));
        if (start.Length == 12 && DateFits(start[..5])) WriteDate(w, "SeasonStartDate", start[..5]);
        if (week is [>= 1 and <= 4]) Element(w, "ReferencedWeekName", week[0]);
        w.WriteEndElement();
    }

    /// <summary>The Special Days Table (class 11) entries {index, specialday_date (date), day_id}: the MMC's SpecialDay {Date, ReferencedDay}, at most 50.</summary>
    private static void SpecialDays(MmcWriter w, ParsedGbcsMessage m, int item)
    {
        if (!TryRaw(m, item, out var c) || !c.TryEnter(DlmsType.Array, out var n) || n == 0) return;
        w.WriteStartElement("TariffSwitchingTableSpecialDays", Namespace);
        for (var i = 0; i < n && i < 50; i++)
        {
            var entry = c;
            c.Skip();
            if (!entry.TryEnter(DlmsType.Structure, out var items) || items != 3 || !entry.TryInteger(out _) || !entry.TryOctets(out var date)
                || date.Length != 5 || !DateFits(date) || !entry.TryInteger(out var day) || day is < 1 or > 16) continue;
            w.WriteStartElement("SpecialDay", Namespace);
            WriteDate(w, "Date", date);
            Element(w, "ReferencedDay", day);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// A DLMS date (IEC 62056-6-2 4.1.6.1: year (2, 0xFFFF not specified), month (0xFF not specified), day of month (0xFE last,
    /// 0xFD second last, 0xFF not specified), day of week (1 Monday … 7, 0xFF not specified)) the MMC Date can say: its years
    /// start at 2014 and it has no daylight-saving months (0xFD, 0xFE).
    /// </summary>
    private static bool DateFits(ReadOnlySpan<byte> d)
    {
        var year = d[0] << 8 | d[1];
        return (year == 0xFFFF || year is >= 2014 and <= 9999) && d[2] is (>= 1 and <= 12) or 0xFF
            && d[3] is (>= 1 and <= 31) or 0xFD or 0xFE or 0xFF && d[4] is (>= 1 and <= 7) or 0xFF;
    }

    private static void WriteDate(MmcWriter w, string name, ReadOnlySpan<byte> d)
    {
        w.WriteStartElement(name, Namespace);
        WriteDateFields(w, d);
        w.WriteEndElement();
    }

    /// <summary>The MMC Date's Year, Month, DayOfMonth and DayOfWeek (inside an element that extends Date).</summary>
    private static void WriteDateFields(MmcWriter w, ReadOnlySpan<byte> d)
    {
        var year = d[0] << 8 | d[1];
        w.WriteStartElement("Year", Namespace);
        if (year == 0xFFFF) Empty(w, "NonSpecifiedYear"); else Element(w, "SpecifiedYear", year);
        w.WriteEndElement();
        w.WriteStartElement("Month", Namespace);
        if (d[2] == 0xFF) Empty(w, "NonSpecifiedMonth"); else Element(w, "SpecifiedMonth", d[2]);
        w.WriteEndElement();
        w.WriteStartElement("DayOfMonth", Namespace);
        switch (d[3])
        {
            case 0xFF: Empty(w, "NonSpecifiedDayOfMonth"); break;
            case 0xFE: Empty(w, "LastDayOfMonth"); break;
            case 0xFD: Empty(w, "SecondLastDayOfMonth"); break;
            default: Element(w, "SpecifiedDayOfMonth", d[3]); break;
        }
        w.WriteEndElement();
        w.WriteStartElement("DayOfWeek", Namespace);
        if (d[4] == 0xFF) Empty(w, "NonSpecifiedDayOfWeek"); else Element(w, "SpecifiedDayOfWeek", d[4]);
        w.WriteEndElement();
    }

    /// <summary>A DLMS time (hour, minute, second, hundredths; 0xFF hundredths as 0) as xs:time in the form DUIS requests write it (hh:mm:ss.ffZ), or null.</summary>
    private static string? TimeText(ReadOnlySpan<byte> t) =>
        t is [<= 23 and var h, <= 59 and var min, <= 59 and var sec, var hundredths] && hundredths is <= 99 or 0xFF
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{h:D2}:{min:D2}:{sec:D2}.{(hundredths == 0xFF ? 0 : hundredths):D2}Z")
            : null;
}
