using System.Text;
using System.Text.Json;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The auxiliary controller reads (ALCS, HCALCS, APC): 7.7 ECS61a, 7.11 ECS61c, 7.14 ECS61d, 7.15 ECS61e. Item order is the RTDS
/// 4.5.0 commands' (their COSEM attribute descriptors are named beside each decoder).
/// </summary>
internal static partial class MmcFields
{
    /// <summary>
    /// 7.7 ECS61a: items 0–4 Data 0-0:94.44.0.11–15 (switch descriptions), 5–9 Data 0-0:94.44.0.21–25 (switch type and
    /// identifier, <see cref="ControllerType"/>: RTDS's switch 2, described "HCALCS_2_Description", carries 00DB123456789097), 10 Special Days Table 0-0:11.0.3.255, 11 Schedule 0-0:12.0.2.255, 12–16 Disconnect Control
    /// 0-1…5:96.3.10.255 output_state (the switch's state).
    /// </summary>
    private static void AlcsData(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 17 }) return;
        for (var n = 0; n < 5; n++)
        {
            w.WriteStartElement("AuxiliaryLoadControlSwitch", Namespace);
            w.WriteAttribute("Index", n + 1);
            if (Description(Item(m, n)) is { } description) Element(w, "Description", description);
            if (ControllerType(Item(m, 5 + n)) is ("ALCS" or "HCALCS", var hcalcs))
            {
                w.WriteStartElement("TypeAndIdentifier", Namespace);
                if (hcalcs is null) Empty(w, "ALCS");
                else Element(w, "HCALCS", hcalcs);
                w.WriteEndElement();
            }
            if (Item(m, 12 + n) is { Type: DlmsType.Boolean } state) Element(w, "State", state.Value != 0 ? "true" : "false");
            w.WriteEndElement();
        }
        AuxiliarySpecialDays(w, m, 10, "ALCSHCALCSSpecialDays", "ALCSHCALCSSpecialDay", "index");
        foreach (var (entry, selector) in ScheduleEntries(Item(m, 11), 48))
        {
            if (AlcsAction(selector) is not var (number, activate)) continue;
            w.WriteStartElement("ALCSScheduler", Namespace);
            w.WriteStartElement("ActivateDeactivateSwitch", Namespace);
            w.WriteAttribute("index", number);
            Empty(w, activate ? "ActivateSwitch" : "DeactivateSwitch");
            w.WriteEndElement();
            ScheduleApplicability(w, entry, "index", "ALCSScheduleDatesAndTime");
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// 7.14 ECS61d: items 0–4 Data 0-0:94.44.0.11–15 (the auxiliary controllers' descriptions), 5 Special Days Table
    /// 0-0:11.0.3.255, 6 Schedule 0-0:12.0.2.255.
    /// </summary>
    private static void AuxiliaryControllerConfiguration(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 7 }) return;
        for (var n = 0; n < 5; n++)
        {
            if (Description(Item(m, n)) is not { } description) continue;
            w.WriteStartElement("AuxiliaryControllerDescription", Namespace);
            w.WriteAttribute("auxiliaryControllerN", n + 1);
            Element(w, "AuxiliaryControlDescription", description);
            w.WriteEndElement();
        }
        AuxiliarySpecialDays(w, m, 5, "AuxiliaryControllerSpecialDayDefinitions", "AuxiliaryControllerSpecialDayDefinition", "identifier");
        foreach (var (entry, selector) in ScheduleEntries(Item(m, 6), 120))
        {
            if (AuxiliaryControllerAction(selector) is not var (controller, input, level)) continue;
            w.WriteStartElement("AuxiliaryControllerSchedule", Namespace);
            w.WriteStartElement("AuxiliaryControllerAction", Namespace);
            w.WriteAttribute("auxiliaryControllerN", controller);
            Element(w, "CommandedStateLevel", level);
            if (input) Empty(w, "InputFromControlledLoad");
            w.WriteEndElement();
            ScheduleApplicability(w, entry, "identifier", "AuxiliaryControllerSchedulePeriodAndTime");
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// The Schedule 0-0:12.0.2.255 (class 10) both 7.7 and 7.14 read: its enabled entries {index, enable, script, script
    /// selector, switch time, validity window, exec_weekdays, exec_specdays, begin date, end date} whose switch time and dates
    /// the MMC can hold (it requires all three), at most <paramref name="max"/>. A disabled entry does not run, so it is left out.
    /// </summary>
    private static IEnumerable<(DlmsData Entry, long Selector)> ScheduleEntries(DlmsData? schedule, int max)
    {
        if (schedule is not { Type: DlmsType.Array }) yield break;
        var n = 0;
        foreach (var e in schedule.Items)
            if (e is { Type: DlmsType.Structure, Items: [_, { Type: DlmsType.Boolean, Value: not 0 }, _, { IsInteger: true } selector, var time, _, _, _, { Type: DlmsType.OctetString, Octets.Length: 5 } begin, { Type: DlmsType.OctetString, Octets.Length: 5 } end] }
                && SwitchTime(time) is not null && CosemDateFits(begin.Octets.Span) && CosemDateFits(end.Octets.Span) && ++n <= max)
                yield return (e, selector.Value);
    }

    /// <summary>
    /// An ALCS or HCALCS schedule entry's script selector, as 6.14.2 ECS46c writes it: the switch (1–5) in the high octet, 1
    /// (activate) or 2 (deactivate) in the low (RTDS's ECS46c commands against their requests: 0x0101 switch 1 on, 0x0102 off,
    /// 0x0201 switch 2 on …). Any other selector is not an ALCS entry.
    /// </summary>
    internal static (int Switch, bool Activate)? AlcsAction(long selector) =>
        (selector >> 8, selector & 0xFF) is (>= 1 and <= 5, 1 or 2) ? ((int)(selector >> 8), (selector & 0xFF) == 1) : null;

    /// <summary>
    /// An auxiliary controller schedule entry's script selector, as 6.14.3 ECS46d writes it: the high octet 0x10 + n (the
    /// controller n's output) or 0x20 + n (InputFromControlledLoad), the low octet 0x80 + the commanded level 0–100 (RTDS's
    /// three ECS46d commands against their requests: 0x1180 controller 1 level 0, 0x11B2 level 50, 0x11E4 level 100, 0x2180
    /// controller 1's input level 0). Any other selector is not an auxiliary controller entry.
    /// </summary>
    internal static (int Controller, bool Input, int Level)? AuxiliaryControllerAction(long selector)
    {
        long kind = selector >> 12, controller = (selector >> 8) & 0x0F, level = (selector & 0xFF) - 0x80;
        return kind is 1 or 2 && controller is >= 1 and <= 5 && level is >= 0 and <= 100 && selector >> 16 == 0
            ? ((int)controller, kind == 2, (int)level)
            : null;
    }

    /// <summary>A schedule entry's special days (one element per set exec_specdays bit, numbered from 1), days of the week and ScheduleDatesAndTime.</summary>
    private static void ScheduleApplicability(MmcWriter w, DlmsData entry, string specialDayNumber, string datesAndTime)
    {
        foreach (var bit in SetBits(entry[7], 20))
        {
            w.WriteStartElement("SpecialDaysApplicability", Namespace);
            w.WriteAttribute(specialDayNumber, bit + 1);
            w.WriteEndElement();
        }
        DaysOfWeekApplicability(w, entry[6]);
        w.WriteStartElement(datesAndTime, Namespace);
        Element(w, "SwitchTime", SwitchTime(entry[4])!);
        w.WriteStartElement("StartDate", Namespace);
        CosemDate(w, entry[8].Octets.Span);
        w.WriteEndElement();
        w.WriteStartElement("EndDate", Namespace);
        CosemDate(w, entry[9].Octets.Span);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>
    /// 6.13 ECS35g, the auxiliary controller event log, as the MMC's ALCSEvent when every entry is of the ALCS form {time
    /// (double-long-unsigned, UTC seconds since 2000), code (long-unsigned: <see cref="AlcsLogAction"/>), outcome (enum: the
    /// MMC's order, 0 not known, 1 success, 2 failure; RTDS logs each command to its HCALCS as not known and the HC ALCS's
    /// reply as success or failure), HAN command id (double-long-unsigned, 0 where no HAN command was sent)}; false (the
    /// entries then render as a Log) when one is not, such as an APC's, whose coding no RTDS log shows.
    /// </summary>
    private static bool AlcsEventLog(MmcWriter w, DlmsData buffer)
    {
        foreach (var e in buffer.Items)
            if (e is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned }, { Type: DlmsType.LongUnsigned } code, { Type: DlmsType.Enum, Value: >= 0 and <= 2 }, { Type: DlmsType.DoubleLongUnsigned }] }
                || AlcsLogAction(code.Value) is null)
                return false;
        w.WriteStartElement("ALCSEvent", Namespace);
        foreach (var e in buffer.Items.Take(MaxLogEntries))
        {
            var (number, action) = AlcsLogAction(e[1].Value)!.Value;
            w.WriteStartElement("ALCSEventLogEntry", Namespace);
            TimeElement(w, "Timestamp", e[0].Value);
            Element(w, "SwitchNumber", number);
            Element(w, "SwitchAction", action);
            Element(w, "Outcome", AlcsOutcomes[(int)e[2].Value]);
            if (e[3].Value != 0) Element(w, "HANCommandID", e[3].Value);
            w.WriteEndElement();
        }
        w.WriteEndElement();
        return true;
    }

    private static readonly string[] AlcsOutcomes = ["Outcome not known", "Success", "Failure"];

    /// <summary>
    /// An ALCS or HCALCS action code (the ECS35g log's, and the script parameter 7.5, 7.6 and 7.8 send): the switch (1–5) in the
    /// high octet; in the low 0x11 On and 0x12 Off (7.5 ECS47Activate writes 0x0111 for switch 1, 7.6 ECS47Deactivate 0x0312 for
    /// switch 3), 0x20 revert to calendar control (7.8 ECS47Reset, 0x0520 for switch 5), and 0x00 a message from an HC ALCS (the
    /// MMC's remaining action: RTDS logs it only for its HCALCS, switch 2, after each command to it, with that command's HAN id).
    /// </summary>
    internal static (int Switch, string Action)? AlcsLogAction(long code) => (code >> 8) is >= 1 and <= 5 && (code & 0xFF) switch
    {
        0x11 => "On",
        0x12 => "Off",
        0x20 => "Revert to calendar control",
        0x00 => "Entry relates to a Message from an HC ALCS",
        _ => null,
    } is { } action ? ((int)(code >> 8), action) : null;

    /// <summary>A switch or controller description (MMC: at most 22 characters).</summary>
    private static string? Description(DlmsData? d) =>
        d is { Type: DlmsType.VisibleString or DlmsType.OctetString or DlmsType.Utf8String, Octets.Length: <= 22 } && Printable(d.Octets.Span) ? Ascii(d.Octets.Span) : null;

    /// <summary>A Special Days Table's (class 11) entries {index, specialday_date, day_id} as the MMC's Date, numbered by index (at most 20).</summary>
    private static void AuxiliarySpecialDays(MmcWriter w, ParsedGbcsMessage m, int item, string list, string entryName, string numberName)
    {
        if (!TryRaw(m, item, out var c) || !c.TryEnter(DlmsType.Array, out var n) || n == 0) return;
        w.WriteStartElement(list, Namespace);
        for (var i = 0; i < n && i < 20; i++)
        {
            var entry = c;
            c.Skip();
            if (!entry.TryEnter(DlmsType.Structure, out var items) || items != 3 || !entry.TryInteger(out var index) || index is < 1 or > 20
                || !entry.TryOctets(out var date) || date.Length != 5 || !DateFits(date)) continue;
            w.WriteStartElement(entryName, Namespace);
            w.WriteAttribute(numberName, index);
            WriteDateFields(w, date);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// 7.11 ECS61c: item 0 Data 0-0:94.44.7.255 (boost function availability), 1 the boost event log Profile 0-0:99.98.20.255
    /// buffer of {boost start, boost end} (double-long-unsigned, UTC seconds since 2000: in RTDS each row's first is the
    /// earlier), 2–6 Data 0-0:94.44.6.1–5 (boost function control 1–5). MMC order: the log (at most 25), then the flags.
    /// </summary>
    private static void BoostButton(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 7 }) return;
        if (Item(m, 1) is { Type: DlmsType.Array } log)
        {
            var n = 0;
            foreach (var row in log.Items)
            {
                if (row is not { Type: DlmsType.Structure, Items: [{ Type: DlmsType.DoubleLongUnsigned } start, { Type: DlmsType.DoubleLongUnsigned } end] } || ++n > 25) continue;
                w.WriteStartElement("EventLogEntry", Namespace);
                TimeElement(w, "BoostEnd", end.Value);
                TimeElement(w, "BoostStart", start.Value);
                w.WriteEndElement();
            }
        }
        if (Item(m, 0) is { Type: DlmsType.Boolean } available) Element(w, "BoostFunctionAvailability", available.Value != 0 ? "true" : "false");
        for (var i = 1; i <= 5; i++)
            if (Item(m, 1 + i) is { Type: DlmsType.Boolean } control) Element(w, $"BoostFunctionControl{i}Value", control.Value != 0 ? "true" : "false");
    }

    /// <summary>
    /// 7.15 ECS61e: items 0–4 Data 0-0:94.44.0.21–25 (controller type and identifier: <see cref="ControllerType"/>), 5–9 Data
    /// 0-0:94.44.0.31–35 (state and associated information: UTF-8 JSON text whose outputState and inputState are the levels, 0–100).
    /// </summary>
    private static void AuxiliaryControllerOperational(MmcWriter w, ParsedGbcsMessage m, bool values, IReadOnlyList<byte[]> plaintexts)
    {
        if (!values || m.Payload is not DlmsAccessResponse { Data.Count: 10 }) return;
        for (var n = 0; n < 5; n++)
        {
            var type = ControllerType(Item(m, n));
            var state = Item(m, 5 + n) is { Type: DlmsType.Utf8String or DlmsType.VisibleString or DlmsType.OctetString, Octets.Length: <= 72000 } s ? s : null;
            if (type is null && state is null) continue;
            w.WriteStartElement("AuxiliaryControllerOperationalData", Namespace);
            w.WriteAttribute("auxiliaryControllerN", n + 1);
            if (type is var (name, hcalcs))
            {
                w.WriteStartElement("TypeAndIdentifier", Namespace);
                Element(w, "AuxiliaryControllerType", name);
                if (hcalcs is not null) Element(w, "HCALCSID", hcalcs);
                w.WriteEndElement();
            }
            if (state is not null) ControllerState(w, state.Octets.Span);
            w.WriteEndElement();
        }
    }

    /// <summary>
    /// An auxiliary controller's type and identifier (Data 0-0:94.44.0.21–25, octet-string), one of the MMC's four types: eight
    /// zero octets an ALCS and eight others an HCALCS's Device ID (6.14.2 ECS46c writes its request's SwitchTypeAndId so); a zero
    /// length None and the single octet FF an APC. No RTDS request writes these two: they are read from RTDS's ECS61e, whose
    /// controllers take all four forms, the empty one beside an empty state ("{}") as a controller not there would have, FF
    /// beside output and input levels. Any other form is left out.
    /// </summary>
    internal static (string Type, string? HcalcsId)? ControllerType(DlmsData? d) => d switch
    {
        { Type: DlmsType.OctetString, Octets.Length: 8 } id when id.Octets.Span.ContainsAnyExcept((byte)0) => ("HCALCS", Protocol.Domain.Eui.FromBytes(id.Octets.Span).ToString()),
        { Type: DlmsType.OctetString, Octets.Length: 8 } => ("ALCS", null),
        { Type: DlmsType.OctetString, Octets.Length: 0 } => ("None", null),
        { Type: DlmsType.OctetString, Octets.Length: 1 } apc when apc.Octets.Span[0] == 0xFF => ("APC", null),
        _ => null,
    };

    private static void ControllerState(MmcWriter w, ReadOnlySpan<byte> json)
    {
        long? output = null, input = null;
        try
        {
            var r = new Utf8JsonReader(json);
            if (r.Read() && r.TokenType == JsonTokenType.StartObject)
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var name = r.GetString();
                    if (!r.Read()) break;
                    if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var level) && level is >= 0 and <= 100)
                    {
                        if (name == "outputState") output = level;
                        else if (name == "inputState") input = level;
                    }
                    else r.Skip();
                }
        }
        catch (JsonException)
        {
            // Not JSON: the text is still the state and associated information.
        }
        var text = Encoding.UTF8.GetString(json);
        w.WriteStartElement("AuxiliaryControllerStateAndAssociatedInformation", Namespace);
        if (output is { } o) Element(w, "OutputState", o);
        if (input is { } i) Element(w, "InputState", i);
        if (text.Length > 0) Element(w, "StateAndAssociatedInformation", text);
        w.WriteEndElement();
    }
}
