using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;
using OpenDuis.Gbcs.Security;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests;

/// <summary>
/// Parse with keys (the ZAZ1 test PKI behind RTDS 4.5.0, rtds-gbcs/keystore): MAC, signature and
/// encrypted payloads verify before anything is rendered; decrypted payloads become plain GBCSData.
/// </summary>
public class MmcWithKeysTests
{
    private static readonly Lazy<GbcsKeySecurity> Security = new(() => new GbcsKeySecurity(GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore"))));

    [Fact]
    public void Every_RTDS_response_and_alert_verifies_with_the_keys_and_renders_valid_with_its_payloads_decrypted()
    {
        var failures = new List<string>();
        var decrypted = 0;
        var keyMissing = new List<string>();
        foreach (var file in Rtds.ResponsesAndAlerts())
        {
            var bytes = Rtds.Read(file);
            try
            {
                var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value);
                if (xml.Contains("format=\"encrypted\"", StringComparison.Ordinal)) failures.Add($"{Rtds.Name(file)}: encrypted content left undecrypted");
                if (xml.Contains("format=\"plain\"", StringComparison.Ordinal)) decrypted++;
                if (MmcSchema.DotNetErrors(xml) is { Count: > 0 } errors) failures.Add($"{Rtds.Name(file)}: {errors[0]}");
            }
            catch (GbcsParseException e) when (e.Error.Expected.Contains("no key-agreement private key", StringComparison.Ordinal))
            {
                keyMissing.Add(Rtds.Name(file));
            }
            catch (GbcsParseException e)
            {
                failures.Add($"{Rtds.Name(file)}: {e.Error}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(decrypted > 20, $"only {decrypted} messages had payloads decrypted");
        // PCS01/PCS02: a PPMID's responses to another Device; the test PKI holds neither party's private key.
        Assert.Equal(2, keyMissing.Count);
        Assert.All(keyMissing, name => Assert.StartsWith("PCS0", name, StringComparison.Ordinal));
    }

    [Fact]
    public void The_decrypted_import_registers_of_4_1_1_are_rendered_with_their_units()
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"));
        var xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value);
        Assert.Contains("<ra:ActiveImportRegister>\n              <ra:Value>10</ra:Value>\n              <ra:ActiveEnergyUnit>Wh</ra:ActiveEnergyUnit>", xml, StringComparison.Ordinal);
        Assert.Contains("<ra:ReactiveEnergyUnit>varh</ra:ReactiveEnergyUnit>", xml, StringComparison.Ordinal);
        Assert.Empty(MmcSchema.DotNetErrors(xml));
    }

    [Fact]
    public void A_message_whose_MAC_does_not_verify_is_not_rendered_and_the_error_says_so()
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"));
        bytes[^1] ^= 0x01; // the last octet of the MAC
        var e = Assert.Throws<GbcsParseException>(() => MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, Security.Value));
        Assert.Contains("MAC does not verify", e.Error.Expected, StringComparison.Ordinal);
    }
}
