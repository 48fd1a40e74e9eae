using System.Globalization;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Gbcs.Tests.Parse;

/// <summary>
/// Wireshark's GBCS dissector (tshark) as the independent reader: every RTDS response and alert, written
/// into one pcap (text2pcap, link type 147 mapped to gbcs_message), must agree with Parse on the
/// Message Code, the originator counter, the supplementary counters, originator, recipient and date-time.
/// </summary>
public class WiresharkAgreementTests
{
    private static readonly string[] Fields =
    [
        "gbcs_message.grouping_header.message_code",
        "gbcs_message.grouping_header.originator_counter",
        "gbcs_message.grouping_header.business_originator_id",
        "gbcs_message.grouping_header.business_target_id",
        "gbcs_message.grouping_header.date_time",
        "gbcs_message.grouping_header.supplementary_remote_party_id",
        "gbcs_message.grouping_header.supplementary_remote_party_counter",
        "gbcs_message.grouping_header.supplementary_remote_party_originator_counter",
    ];

    [Fact]
    public void Message_code_counters_originator_recipient_and_date_time_agree_with_tshark_on_every_RTDS_response_and_alert()
    {
        var files = Rtds.ResponsesAndAlerts();
        var lines = Tshark.Fields([.. files.Select(Rtds.Read)], Fields);
        var disagreements = new List<string>();
        for (var i = 0; i < files.Count; i++)
        {
            var h = GbcsParser.Parse(Rtds.Read(files[i])).Header;
            string[] ours =
            [
                $"0x{h.MessageCode:x4}",
                h.OriginatorCounter.ToString(CultureInfo.InvariantCulture),
                Colons(h.Originator.Value),
                Colons(h.Recipient.Value),
                h.DateTime is { } at ? $"{at:MMM} {at.Day,2}, {at:yyyy HH:mm:ss}.{at.Millisecond * 1_000_000:D9} UTC" : "",
                h.SupplementaryRemotePartyId is { } p ? Colons(p.Value) : "",
                h.SupplementaryRemotePartyCounter?.ToString(CultureInfo.InvariantCulture) ?? "",
                h.SupplementaryOriginatorCounter?.ToString(CultureInfo.InvariantCulture) ?? "",
            ];
            var theirs = lines[i];
            for (var k = 0; k < Fields.Length; k++)
                if (!string.Equals(ours[k], k < theirs.Length ? theirs[k] : "", StringComparison.Ordinal))
                    disagreements.Add($"{Rtds.Name(files[i])}: {Fields[k]} OpenDUIS '{ours[k]}', tshark '{(k < theirs.Length ? theirs[k] : "")}'");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }

    private static string Colons(ulong v) => string.Join(':', BitConverter.GetBytes(v).Reverse().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
