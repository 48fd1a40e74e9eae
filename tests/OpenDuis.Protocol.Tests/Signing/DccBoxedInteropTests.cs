using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>Interoperability both ways with the official DCC Boxed tool, over all RTDS templates.</summary>
public class DccBoxedInteropTests
{
    // ZAZ1 has no xmlSign key for these RTDS originators: the tool signs 30-03-00-00 with its
    // supplier (0x02) key and finds no key at all for the load controller 30-01-00-08.
    private static readonly Eui Supplier2 = Eui.Parse("90-B3-D5-1F-30-03-00-00");
    private static readonly Eui LoadController = Eui.Parse("90-B3-D5-1F-30-01-00-08");

    [Fact]
    public void Every_template_OpenDuis_signs_with_a_ZAZ1_key_passes_the_tools_Validate()
    {
        var tool = DccBoxedTool.Shared;
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var document = SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name));
            var key = SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.RequestIdOf(document).Originator);
            if (key is null) continue;
            checkedCount++;
            // What the server sends: signed from the template, without signature nodes (the document path writes the same but for the signature value).
            var signed = Encoding.UTF8.GetString(DuisSigner.SignToBytes(document, key));
            var result = tool.Validate(signed);
            if (!result.Succeeded) failures.Add($"{name}: {result}");
        }
        Assert.Empty(failures);
        Assert.Equal(294, checkedCount);
    }

    [Fact]
    public void An_element_injected_into_X509IssuerName_is_refused_by_the_tool_and_by_OpenDuis()
    {
        var document = SecurityFixtures.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"));
        var signed = SecurityFixtures.Load(DuisSigner.SignAndSerialise(document, SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.RequestIdOf(document).Originator)!));
        var issuer = signed.GetElementsByTagName("X509IssuerName", DuisSignatureProfile.DsigNamespace)[0]!;
        issuer.AppendChild(signed.CreateElement("x", "Injected", "urn:attacker"));
        var xml = Encoding.UTF8.GetString(DuisSigner.Serialise(signed));

        Assert.False(DccBoxedTool.Shared.Validate(xml).Succeeded);
        var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(xml), SecurityFixtures.Zaz1, RemotePartyRole.XmlSign);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal(SignatureFailureCode.E100, result.FailureCode);
    }

    [Fact]
    public void Every_template_the_tool_signs_verifies_in_OpenDuis()
    {
        var tool = DccBoxedTool.Shared;
        var failures = new List<string>();
        var verified = 0;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var xml = File.ReadAllText(SecurityFixtures.TemplatePath(name));
            var originator = SecurityFixtures.RequestIdOf(SecurityFixtures.Load(xml)).Originator;
            var signed = tool.Sign(xml);
            if (originator == LoadController)
            {
                if (signed.Code != "MISSING_KEY") failures.Add($"{name}: expected the tool to lack a key, got {signed}");
                continue;
            }
            if (!signed.Succeeded)
            {
                failures.Add($"{name}: tool could not sign: {signed}");
                continue;
            }
            var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(signed.Output), SecurityFixtures.Zaz1, SecurityFixtures.RoleFor(originator));
            if (originator == Supplier2)
            {
                // Authentic, but by a supplier role certificate: R-MSG-3 says E65.
                if (result.Status != SignatureStatus.NotXmlSignCertificate || result.FailureCode != SignatureFailureCode.E65)
                    failures.Add($"{name}: expected E65 for the supplier-role signature, got {result}");
                continue;
            }
            if (!result.IsValid) failures.Add($"{name}: {result}");
            else verified++;
        }
        Assert.Empty(failures);
        Assert.Equal(294, verified);
    }

    [Theory]
    [InlineData("read-inventory-response-4g.xml")]
    [InlineData("read-inventory-response-5.4.xml")]
    [InlineData("readfw-response.xml")]
    public void Real_DCC_Boxed_responses_verify_with_the_ZAZ1_DSP_certificate(string sample)
    {
        var document = SecurityFixtures.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, sample)));
        var result = DuisSignatureVerifier.Verify(document, SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(SecurityFixtures.Dsp, result.Signer!.Subject);
        Assert.True(SecurityFixtures.SignedXmlVerifies(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, sample)), SecurityFixtures.Zaz1));
    }

    [Fact]
    public void The_real_E65_acknowledgement_sample_carries_no_signature()
    {
        // DCC Boxed answered an unauthenticated request with an unsigned acknowledgement.
        var document = SecurityFixtures.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "acknowledgement-error.xml")));
        var result = DuisSignatureVerifier.Verify(document, SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
        Assert.Equal(SignatureStatus.NotSigned, result.Status);
        Assert.Equal(SignatureFailureCode.E100, result.FailureCode);
    }
}
