using System.Text;
using System.Xml;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>All 297 RTDS templates: signed by OpenDUIS, verified by the fast verifier and by SignedXml.</summary>
public class SignatureCorpusTests
{
    [Fact]
    public void Every_template_signed_with_its_originators_key_verifies_fast_and_with_SignedXml()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            count++;
            var bytes = SecurityFixtures.SignTemplate(name, out var store, out var role);
            var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(bytes), store, role);
            if (!result.IsValid) failures.Add($"{name}: fast verifier: {result}");
            if (!SecurityFixtures.SignedXmlVerifies(bytes, store)) failures.Add($"{name}: SignedXml rejects it");
        }
        Assert.Equal(297, count);
        Assert.Empty(failures);
    }

    [Fact]
    public void Every_template_with_one_body_byte_changed_fails_both_verifiers()
    {
        var failures = new List<string>();
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var text = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate(name, out var store, out var role));
            var body = text.IndexOf("<sr:Body>", StringComparison.Ordinal);
            // The first digit of text content (not of an element name) in the body.
            var digit = System.Text.RegularExpressions.Regex.Match(text[body..], ">[^<0-9]*[0-9]").Index + body;
            digit = text.IndexOfAny("0123456789".ToCharArray(), digit);
            var tampered = Encoding.UTF8.GetBytes(text[..digit] + (text[digit] == '1' ? '2' : '1') + text[(digit + 1)..]);
            var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(tampered), store, role);
            if (result.Status != SignatureStatus.DigestMismatch) failures.Add($"{name}: fast verifier says {result}");
            if (SecurityFixtures.SignedXmlVerifies(tampered, store)) failures.Add($"{name}: SignedXml accepts it");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void Signing_to_bytes_writes_what_signing_the_document_writes_but_for_the_signature_value()
    {
        var failures = new List<string>();
        var responses = SecurityFixtures.TemplateNames().Select(name => (name, SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name))))
            .Concat(Acknowledgements());
        foreach (var (name, template) in responses)
        {
            var (key, store) = name.StartsWith("ack", StringComparison.Ordinal)
                ? (SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.Dsp)!, SecurityFixtures.Zaz1)
                : SecurityFixtures.KeyFor(SecurityFixtures.RequestIdOf(template).Originator);
            var fromBytes = DuisSigner.SignToBytes((XmlDocument)template.CloneNode(deep: true), key);
            var fromDocument = DuisSigner.SignAndSerialise((XmlDocument)template.CloneNode(deep: true), key);
            if (WithoutSignatureValue(fromBytes) != WithoutSignatureValue(fromDocument)) failures.Add($"{name}: the bytes differ");
            var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(fromBytes), store, key.Certificate.Role);
            if (!result.IsValid) failures.Add($"{name}: {result}");
            if (!SecurityFixtures.SignedXmlVerifies(fromBytes, store)) failures.Add($"{name}: SignedXml rejects it");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void An_acknowledgement_written_without_a_document_is_the_one_the_document_signer_writes_and_the_DCC_Boxed_tool_validates()
    {
        var dsp = SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.Dsp)!;
        var failures = new List<string>();
        var sample = new List<string>();
        var at = new DateTimeOffset(2026, 12, 7, 9, 15, 42, 790, TimeSpan.Zero);
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var request = OpenDuis.Protocol.Messages.DuisRequest.Read(SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name)));
            foreach (var code in new[] { "I99", "E100", "E13" })
            {
                var ack = OpenDuis.Protocol.Messages.DuisResponse.CreateAcknowledgement(request, OpenDuis.Protocol.Domain.ResponseCode.Parse(code), at);
                var direct = ack.ToSignedBytes(dsp);
                if (WithoutSignatureValue(direct) != WithoutSignatureValue(DuisSigner.SignAndSerialise(ack.ToXmlDocument(), dsp)))
                    failures.Add($"{name} {code}: the bytes differ");
                var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(direct), SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
                if (!result.IsValid) failures.Add($"{name} {code}: {result}");
                if (sample.Count < 3) sample.Add(Encoding.UTF8.GetString(direct));
            }
        }
        Assert.Empty(failures);
        foreach (var xml in sample)
        {
            var validated = OpenDuis.TestSupport.DccBoxedTool.Shared.Validate(xml);
            Assert.True(validated.Succeeded, validated.ToString());
        }
    }

    private static IEnumerable<(string, XmlDocument)> Acknowledgements()
    {
        var request = OpenDuis.Protocol.Messages.DuisRequest.Read(SecurityFixtures.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML")));
        foreach (var code in new[] { "I99", "E100", "E65", "E13", "E55" })
            yield return ($"ack {code}", OpenDuis.Protocol.Messages.DuisResponse.CreateAcknowledgement(request, OpenDuis.Protocol.Domain.ResponseCode.Parse(code), DateTimeOffset.UtcNow).ToXmlDocument());
    }

    private static string WithoutSignatureValue(byte[] bytes) =>
        System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(bytes), "<ds:SignatureValue>[^<]*</ds:SignatureValue>", "");
}
