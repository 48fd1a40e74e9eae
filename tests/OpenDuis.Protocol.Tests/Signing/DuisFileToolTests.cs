using System.Text;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>What `openduis sign` and `openduis verify` do, run in-process: outputs, messages and exit codes.</summary>
public class DuisFileToolTests
{
    private const string Template = "8.2_READ_INVENTORY_REQUEST_DUIS.XML";
    private static string Keys => RepoPaths.Keystore;
    private static string Schemas => Path.Combine(RepoPaths.Reference, "duis-xsd");

    private static (DuisToolExit Exit, byte[] Output, string Error) Sign(byte[] input, string? keys, string? schemas = null)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var exit = DuisFileTool.Sign(new MemoryStream(input), output, error, keys, schemas);
        return (exit, output.ToArray(), error.ToString());
    }

    private static (DuisToolExit Exit, string Output, string Error) Verify(byte[] input, string? keys, string? schemas = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = DuisFileTool.Verify(new MemoryStream(input), output, error, keys, schemas);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Sign_then_verify_with_schemas_succeeds_and_the_tool_agrees()
    {
        var signed = Sign(SecurityFixtures.TemplateBytes(Template), Keys, Schemas);
        Assert.Equal(DuisToolExit.Ok, signed.Exit);
        Assert.Contains("27572613927499351639968579586655397031", signed.Error, StringComparison.Ordinal);
        var verified = Verify(signed.Output, Keys, Schemas);
        Assert.Equal(DuisToolExit.Ok, verified.Exit);
        Assert.Contains("conforms to DUIS schema 5.4", verified.Output, StringComparison.Ordinal);
        Assert.True(DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(signed.Output)).Succeeded);
    }

    [Fact]
    public void A_real_DSP_response_verifies_as_the_DSPs()
    {
        var result = Verify(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "readfw-response.xml")), Keys, Schemas);
        Assert.Equal(DuisToolExit.Ok, result.Exit);
        Assert.Contains("90-B3-D5-1F-30-00-00-02", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_key_folder_both_commands_say_how_to_give_one()
    {
        var previous = Environment.GetEnvironmentVariable(DuisFileTool.KeysVariable);
        Environment.SetEnvironmentVariable(DuisFileTool.KeysVariable, null);
        try
        {
            var sign = Sign(SecurityFixtures.TemplateBytes(Template), null);
            Assert.Equal(DuisToolExit.MissingKey, sign.Exit);
            Assert.Contains("--keys", sign.Error, StringComparison.Ordinal);
            Assert.Equal(DuisToolExit.MissingKey, Verify(SecurityFixtures.TemplateBytes(Template), null).Exit);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DuisFileTool.KeysVariable, previous);
        }
    }

    [Fact]
    public void Signing_for_an_originator_without_an_xmlSign_key_is_a_missing_key()
    {
        var result = Sign(SecurityFixtures.TemplateBytes("ECS47e_7.16_APC_INPUT_SUCCESS_REQUEST_DUIS.XML"), Keys);
        Assert.Equal(DuisToolExit.MissingKey, result.Exit);
        Assert.Contains("90-B3-D5-1F-30-01-00-08", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_message_signed_with_a_key_the_folder_does_not_hold_is_a_missing_key()
    {
        var signed = Sign(SecurityFixtures.TemplateBytes(Template), SecurityFixtures.DemoFolder);
        Assert.Equal(DuisToolExit.Ok, signed.Exit);
        var result = Verify(signed.Output, Keys);
        Assert.Equal(DuisToolExit.MissingKey, result.Exit);
        Assert.Contains("UnknownCertificate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_input_is_bad_input_with_the_reason()
    {
        var result = Verify("<!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>"u8.ToArray(), Keys);
        Assert.Equal(DuisToolExit.BadInput, result.Exit);
        Assert.Contains("DtdPresent", result.Error, StringComparison.Ordinal);
        Assert.Equal(DuisToolExit.BadInput, Sign("not xml"u8.ToArray(), Keys).Exit);
    }

    [Fact]
    public void A_tampered_message_is_a_signature_failure_naming_E100()
    {
        var signed = Encoding.UTF8.GetString(Sign(SecurityFixtures.TemplateBytes(Template), Keys).Output);
        var result = Verify(Encoding.UTF8.GetBytes(signed.Replace("90-A2<", "90-A3<")), Keys);
        Assert.Equal(DuisToolExit.SignatureFailure, result.Exit);
        Assert.Contains("DigestMismatch (E100)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_template_is_a_signature_failure() =>
        Assert.Equal(DuisToolExit.SignatureFailure, Verify(SecurityFixtures.TemplateBytes(Template), Keys).Exit);

    [Fact]
    public void A_request_signed_by_another_User_is_a_signature_failure()
    {
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath(Template));
        var asNetworkOperator = xml.Replace("<sr:RequestID>90-B3-D5-1F-30-01-00-00:", "<sr:RequestID>90-B3-D5-1F-30-02-00-00:");
        var signed = Encoding.UTF8.GetString(Sign(Encoding.UTF8.GetBytes(asNetworkOperator), Keys).Output);
        var forged = signed.Replace("<sr:RequestID>90-B3-D5-1F-30-02-00-00:", "<sr:RequestID>90-B3-D5-1F-30-01-00-00:");
        // Changing the RequestID breaks the digest; a signature over the claimed originator by
        // someone else is caught by the signer check (tested with the key of 30-02 signing 30-01).
        Assert.Equal(DuisToolExit.SignatureFailure, Verify(Encoding.UTF8.GetBytes(forged), Keys).Exit);
        var document = SecurityFixtures.Load(xml);
        var wrongSigner = DuisSigner.SignAndSerialise(document, SecurityFixtures.Zaz1.FindXmlSigningKey(OpenDuis.Protocol.Domain.Eui.Parse("90-B3-D5-1F-30-02-00-00"))!);
        var result = Verify(wrongSigner, Keys);
        Assert.Equal(DuisToolExit.SignatureFailure, result.Exit);
        Assert.Contains("must be signed by 90-B3-D5-1F-30-01-00-00", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_outside_the_schema_is_a_schema_failure()
    {
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath(Template)).Replace("</sr:ReadInventory>", "<sr:Unexpected/></sr:ReadInventory>");
        var result = Sign(Encoding.UTF8.GetBytes(xml), Keys, Schemas);
        Assert.Equal(DuisToolExit.SchemaFailure, result.Exit);
        Assert.Contains("Unexpected", result.Error, StringComparison.Ordinal);
        var signedAnyway = Sign(Encoding.UTF8.GetBytes(xml), Keys).Output;
        Assert.Equal(DuisToolExit.SchemaFailure, Verify(signedAnyway, Keys, Schemas).Exit);
    }

    [Fact]
    public void Something_that_is_not_a_DUIS_message_is_a_schema_failure()
    {
        var result = Sign("<Request xmlns='urn:other'/>"u8.ToArray(), Keys);
        Assert.Equal(DuisToolExit.SchemaFailure, result.Exit);
        Assert.Contains("not a DUIS message", result.Error, StringComparison.Ordinal);
    }
}
