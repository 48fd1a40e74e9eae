using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests.Security;

/// <summary>
/// GBCS security checked against the whole RTDS 4.5.0 GBCS folder with the public ZAZ1 test PKI
/// behind it (rtds-gbcs/keystore): every MAC and Device signature in the responses and alerts, every
/// encrypted payload, and the commands' MACs (keyed by the ACB) and Remote Party signatures; each
/// fails when one octet it covers is changed.
/// </summary>
public class RtdsSecurityTests
{
    private static readonly Eui Acb = Eui.Parse("90-B3-D5-1F-30-00-00-02");
    private static readonly Lazy<GbcsKeyring> Keys = new(() => GbcsKeyring.Load(RepoPaths.ReferencePath("rtds-gbcs", "keystore")));

    private sealed record Sample(string Name, byte[] Wire, GbcsMessage Message, GbcsVerification Verification);

    private static readonly Lazy<List<Sample>> Samples = new(() =>
    {
        var verifier = new GbcsVerifier(Keys.Value, Acb);
        var folder = RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0");
        var samples = new List<Sample>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.HEX", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var wire = Convert.FromHexString(File.ReadAllText(file).Trim());
            Assert.True(verifier.TryVerify(wire, out var verification, out var problem), $"{Path.GetFileName(file)}: {problem}");
            samples.Add(new Sample(Path.GetFileName(file), wire, verification!.Message, verification));
        }
        return samples;
    });

    private static IEnumerable<Sample> FromDevices => Samples.Value.Where(s => s.Message.Cra != CraFlag.Command);
    private static IEnumerable<Sample> Commands => Samples.Value.Where(s => s.Message.Cra == CraFlag.Command);

    private static int Count(IEnumerable<Sample> samples, Func<GbcsVerification, GbcsCheck> check, GbcsVerdict verdict) =>
        samples.Count(s => check(s.Verification).Verdict == verdict);

    [Fact]
    public void Every_MAC_of_a_response_or_alert_verifies_but_the_two_between_devices()
    {
        Assert.Equal(1275, Samples.Value.Count);
        Assert.Equal(316, Count(FromDevices, v => v.Mac, GbcsVerdict.Valid));
        Assert.Equal(0, Count(FromDevices, v => v.Mac, GbcsVerdict.Invalid));
        // PCS01/PCS02: a PPMID's response to another Device (00-DB-..-A1 to ..-A4): no private key for either in the test PKI.
        var missing = FromDevices.Where(s => s.Verification.Mac.Verdict == GbcsVerdict.KeyMissing).Select(s => s.Name).ToList();
        Assert.Equal(2, missing.Count);
        Assert.All(missing, name => Assert.StartsWith("PCS0", name));
    }

    [Fact]
    public void Every_Device_signature_of_a_response_or_alert_verifies()
    {
        Assert.Equal(278, Count(FromDevices, v => v.Signature, GbcsVerdict.Valid));
        Assert.Equal(0, Count(FromDevices, v => v.Signature, GbcsVerdict.Invalid) + Count(FromDevices, v => v.Signature, GbcsVerdict.KeyMissing));
    }

    [Fact]
    public void Every_encrypted_payload_decrypts()
    {
        var encrypted = Samples.Value.SelectMany(s => s.Verification.Encrypted).ToList();
        Assert.All(encrypted, check => Assert.Equal(GbcsVerdict.Valid, check.Verdict));
        Assert.Equal(63, encrypted.Count);
        Assert.Equal(48, Samples.Value.Count(s => s.Verification.Encrypted.Count > 0));
        Assert.All(Commands, s => Assert.Empty(s.Verification.Encrypted));
    }

    [Fact]
    public void The_commands_MACs_are_keyed_by_the_ACB_and_their_Remote_Party_signatures_verify()
    {
        Assert.Equal(495, Count(Commands, v => v.Mac, GbcsVerdict.Valid));
        // PCS01/PCS02 commands go from a PPMID to a Device, not through the ACB.
        var notAcb = Commands.Where(s => s.Verification.Mac.Verdict != GbcsVerdict.Valid && s.Verification.Mac.Verdict != GbcsVerdict.Absent).ToList();
        Assert.Equal(2, notAcb.Count);
        Assert.All(notAcb, s => Assert.StartsWith("PCS0", s.Name));
        Assert.Equal(194, Count(Commands, v => v.Signature, GbcsVerdict.Valid));
        Assert.Equal(0, Count(Commands, v => v.Signature, GbcsVerdict.Invalid) + Count(Commands, v => v.Signature, GbcsVerdict.KeyMissing));
    }

    [Fact]
    public void Each_MAC_and_signature_fails_when_one_octet_it_covers_is_changed()
    {
        var verifier = new GbcsVerifier(Keys.Value, Acb);
        var checkedMacs = 0;
        var checkedSignatures = 0;
        foreach (var sample in Samples.Value)
        {
            var v = sample.Verification;
            var (contentStart, contentEnd) = ContentRange(sample);
            if (v.Mac.Verdict == GbcsVerdict.Valid)
            {
                Assert.Equal(GbcsVerdict.Invalid, Reverify(verifier, sample, contentStart + (contentEnd - contentStart) / 2).Mac.Verdict);
                Assert.Equal(GbcsVerdict.Invalid, Reverify(verifier, sample, sample.Wire.Length - 1).Mac.Verdict);
                checkedMacs++;
            }
            if (v.Signature.Verdict == GbcsVerdict.Valid)
            {
                Assert.Equal(GbcsVerdict.Invalid, Reverify(verifier, sample, contentEnd - 1).Signature.Verdict);
                // the originator counter, in the header the signature also covers
                Assert.Equal(GbcsVerdict.Invalid, Reverify(verifier, sample, HeaderLength(sample) + 10).Signature.Verdict);
                var signatureOctet = sample.Message.Mac is null ? sample.Wire.Length - 1 : sample.Wire.Length - 13;
                Assert.Equal(GbcsVerdict.Invalid, Reverify(verifier, sample, signatureOctet).Signature.Verdict);
                checkedSignatures++;
            }
        }
        Assert.Equal(316 + 495, checkedMacs);
        Assert.Equal(278 + 194, checkedSignatures);
    }

    [Fact]
    public void Each_encrypted_payload_fails_to_decrypt_when_one_octet_of_it_is_changed()
    {
        var verifier = new GbcsVerifier(Keys.Value, Acb);
        var failed = 0;
        foreach (var sample in Samples.Value.Where(s => s.Verification.Encrypted.Count > 0))
        {
            var (contentStart, _) = ContentRange(sample);
            foreach (var (offset, length) in GbcsEncryptedPayloads.Find(sample.Message))
            {
                var changed = Reverify(verifier, sample, contentStart + offset + 5 + (length - 5) / 2);
                Assert.Contains(changed.Encrypted, e => e.Verdict == GbcsVerdict.Invalid);
                failed++;
            }
        }
        Assert.Equal(63, failed);
    }

    [Fact]
    public void Every_RTDS_Message_Code_is_known() =>
        Assert.All(Samples.Value, s => Assert.True(GbcsMessageCodes.IsKnown(s.Message.MessageCode), $"{s.Name}: {s.Message.MessageCodeText}"));

    [Fact]
    public void A_missing_certificate_is_named()
    {
        var verifier = new GbcsVerifier(new GbcsKeyring(), Acb);
        var sample = FromDevices.First(s => s.Message.Mac is not null);
        var v = verifier.Verify(sample.Wire, sample.Message);
        Assert.Equal(GbcsVerdict.KeyMissing, v.Mac.Verdict);
        Assert.Contains(sample.Message.Originator.ToString(), v.Mac.Detail);
    }

    private static GbcsVerification Reverify(GbcsVerifier verifier, Sample sample, int at)
    {
        var wire = sample.Wire.ToArray();
        wire[at] ^= 0x01;
        Assert.True(verifier.TryVerify(wire, out var verification, out var problem), problem);
        return verification!;
    }

    private static int HeaderLength(Sample sample) => sample.Message.Mac is null ? 0 : sample.Wire.Length - GbcsSecurity.MacLength - sample.Message.WriteSigned().Length;

    /// <summary>Where the content lies in the octets: it ends where the signature field (and MAC) begin.</summary>
    private static (int Start, int End) ContentRange(Sample sample)
    {
        var signatureField = sample.Message.Signature is { } s ? GbcsFrame.BerSize(s.Length) + s.Length : 0;
        var end = sample.Wire.Length - (sample.Message.Mac is null ? 0 : GbcsSecurity.MacLength) - signatureField;
        return (end - sample.Message.Content.Length, end);
    }
}
