using System.Globalization;
using System.Xml;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>
/// Values, not only headers, agree with Wireshark's ZigBee Smart Energy dissector where it decodes them (it does not
/// decode the DLMS payloads, nor encrypted ZCL): every ZCL attribute id of every plaintext RTDS Read Attributes Response,
/// every event of the CS10a/b event and security logs, and GCS21b's non-disablement calendar, as the MMC document renders them.
/// </summary>
public class WiresharkValueAgreementTests
{
    private static readonly string[] AttributeIdFields =
    [
        "zbee_zcl_se.met.attr_id", "zbee_zcl_se.price.attr_id", "zbee_zcl_se.pp.attr_id", "zbee_zcl_se.calendar.attr_id",
        "zbee_zcl_se.device_management.attr_id", "zbee_zcl_se.ke.attr_id", "zbee_zcl_se.tun.attr_id", "zbee_zcl_se.sub_ghz.attr_id",
        "zbee_zcl_se.daily_schedule.attr_id", "zbee_zcl_se.energy_management.attr_id", "zbee_zcl_se.keep_alive.attr_id",
        "zbee_zcl_general.basic.attr_id", "zbee_zcl_general.time.attr_id", "zbee_zcl_general.alarms.attr_id", "zbee_zcl_general.ota.attr_id",
    ];

    [Fact]
    public void Every_plaintext_ZCL_attribute_id_agrees_with_tshark()
    {
        var files = Rtds.ResponsesAndAlerts().Where(f => ZclAttributes(Rtds.Read(f)).Any()).ToList();
        Assert.True(files.Count >= 20, $"only {files.Count} RTDS messages carry plaintext ZCL attributes");
        var lines = Tshark.Fields([.. files.Select(Rtds.Read)], AttributeIdFields, allOccurrences: true);
        var disagreements = new List<string>();
        for (var i = 0; i < files.Count; i++)
        {
            var ours = ZclAttributes(Rtds.Read(files[i])).Select(a => $"0x{a.Id:x4}").Order(StringComparer.Ordinal);
            var theirs = lines[i].SelectMany(f => f.Split(';', StringSplitOptions.RemoveEmptyEntries)).Order(StringComparer.Ordinal);
            if (!ours.SequenceEqual(theirs))
                disagreements.Add($"{Rtds.Name(files[i])}: OpenDUIS {string.Join(' ', ours)}, tshark {string.Join(' ', theirs)}");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }

    [Fact]
    public void Every_event_of_the_ZigBee_event_and_security_logs_agrees_with_tshark()
    {
        var files = Rtds.ResponsesAndAlerts().Where(f => Rtds.Name(f).StartsWith("CS10", StringComparison.Ordinal) && Rtds.Name(f).Contains("SUCCESS", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, files.Count);
        var lines = Tshark.Fields([.. files.Select(Rtds.Read)], ["zbee_zcl_se.events.publish_event_log.event_id", "zbee_zcl_se.events.publish_event_log.event_time"], allOccurrences: true);
        for (var i = 0; i < files.Count; i++)
        {
            var bytes = Rtds.Read(files[i]);
            var doc = new XmlDocument();
            doc.LoadXml(MmcRenderer.Render(GbcsParser.Parse(bytes), bytes));
            var entries = doc.GetElementsByTagName("LogEntry", MmcRenderer.Namespace).Cast<XmlElement>().ToList();
            // The dissector files the Total Number of Matching Events under the event_id field too: it comes first.
            var codes = lines[i][0].Split(';')[1..];
            Assert.Equal(lines[i][0].Split(';')[0], codes.Length.ToString(CultureInfo.InvariantCulture));
            var times = lines[i][1].Split(';');
            Assert.True(codes.Length > 10, $"{Rtds.Name(files[i])}: tshark read {codes.Length} events");
            Assert.Equal(codes.Length, entries.Count);
            for (var k = 0; k < entries.Count; k++)
            {
                Assert.Equal(codes[k], "0x" + Child(entries[k], "LogCode").ToLowerInvariant());
                var at = DateTimeOffset.Parse(Child(entries[k], "Timestamp"), CultureInfo.InvariantCulture);
                Assert.Equal(times[k], $"{at:MMM} {at.Day,2}, {at:yyyy HH:mm:ss}.000000000 UTC");
            }
        }
    }

    /// <summary>
    /// 4.13 GCS21b's non-disablement calendar (the Calendar cluster's Publish Day Profile, Week Profile, Seasons and Special
    /// Days): every start time and friendly credit enable, every season's and special day's date and its week or day reference.
    /// </summary>
    [Fact]
    public void The_gas_non_disablement_calendar_agrees_with_tshark()
    {
        var bytes = Rtds.Read(Path.Combine(Rtds.Folder, "4.13_GCS21b", "GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX"));
        var line = Tshark.Fields([bytes], ["zbee_zcl_se.calendar.schedule_entry.start_time", "zbee_zcl_se.calendar.schedule_entry.friendly_credit_enable",
            "zbee_zcl_se.calendar.week_id_ref", "zbee_zcl_se.calendar.day_id_ref", "zbee_zcl_se.calendar.date.month", "zbee_zcl_se.calendar.date.month_day"], allOccurrences: true)[0];
        var doc = new XmlDocument();
        doc.LoadXml(MmcRenderer.Render(GbcsParser.Parse(bytes), bytes));
        IEnumerable<string> All(string name) => doc.GetElementsByTagName(name, MmcRenderer.Namespace).Cast<XmlElement>().Select(e => e.InnerText);
        var starts = All("StartTime").Select(t => TimeOnly.Parse(t[..8], CultureInfo.InvariantCulture)).Select(t => (t.Hour * 60 + t.Minute).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(line[0].Split(';'), starts);
        Assert.Equal(line[1].Split(';'), All("NonDisablementAction").Select(a => a == "START" ? "1" : "0"));
        Assert.Equal(line[2].Split(';'), All("ReferencedWeekName"));
        Assert.Equal(line[3].Split(';'), doc.GetElementsByTagName("SpecialDay", MmcRenderer.Namespace).Cast<XmlElement>().Select(d => Child(d, "ReferencedDayName")));
        // Seasons' and then special days' dates, in the message's order.
        Assert.Equal(line[4].Split(';'), All("SpecifiedMonth"));
        Assert.Equal(line[5].Split(';'), All("SpecifiedDayOfMonth"));
    }

    private static string Child(XmlElement e, string name) => e.GetElementsByTagName(name, MmcRenderer.Namespace)[0]!.InnerText;

    private static IEnumerable<ZclAttribute> ZclAttributes(byte[] message) =>
        GbcsParser.Parse(message).Payload is GbzPayload g
            ? g.Components.Where(c => !c.Encrypted && c.Frame?.Attributes is not null).SelectMany(c => c.Frame!.Attributes!)
            : [];
}
