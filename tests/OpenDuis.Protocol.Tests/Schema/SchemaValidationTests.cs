using System.Text;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Schema;

/// <summary>R-MSG-4: validation against the official XSD of the message's schemaVersion.</summary>
public class SchemaValidationTests
{
    private static readonly Lazy<DuisSchemas> SchemasLazy = new(() => DuisSchemas.Load(Path.Combine(RepoPaths.Reference, "duis-xsd")));
    private static DuisSchemas Schemas => SchemasLazy.Value;

    [Fact]
    public void Both_official_versions_are_found_in_their_sub_folders() =>
        Assert.Equal([DuisSchemaVersion.V5_1, DuisSchemaVersion.V5_4], Schemas.Versions.Order());

    [Fact]
    public void Every_template_signed_with_a_128_bit_serial_validates_against_the_5_4_XSD()
    {
        var failures = new List<string>();
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var signed = SecurityFixtures.Load(SecurityFixtures.SignTemplate(name, out _, out _));
            var result = Schemas.Validate(signed);
            if (!result.IsValid || result.SchemaVersion != DuisSchemaVersion.V5_4) failures.Add($"{name}: {result}");
        }
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("read-inventory-response-5.4.xml")]
    [InlineData("readfw-response.xml")]
    [InlineData("acknowledgement-error.xml")]
    public void Real_DCC_Boxed_responses_validate_against_their_declared_version(string sample)
    {
        var result = Schemas.Validate(SecurityFixtures.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, sample))));
        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void The_5_3_sample_is_refused_for_want_of_a_5_3_schema_not_checked_against_another()
    {
        var result = Schemas.Validate(SecurityFixtures.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "read-inventory-response-4g.xml"))));
        Assert.False(result.IsValid);
        Assert.Contains("schemaVersion 5.3 has no schema", result.Errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("65535-04-29Z", true)]
    [InlineData("10000-02-29Z", true)]
    [InlineData("65535-02-29Z", false)]
    [InlineData("65535-13-01Z", false)]
    [InlineData("065535-04-29Z", false)]
    [InlineData("2015-02-30Z", false)]
    public void Dates_beyond_year_9999_are_valid_as_XSD_says_and_other_bad_dates_are_not(string date, bool valid)
    {
        var template = SecurityFixtures.TemplateNames().First(n => File.ReadAllText(SecurityFixtures.TemplatePath(n)).Contains("<sr:StartDate>65535-04-29Z<", StringComparison.Ordinal));
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath(template)).Replace("<sr:StartDate>65535-04-29Z<", $"<sr:StartDate>{date}<");
        var r = Schemas.Validate(SecurityFixtures.Load(xml));
        Assert.True(valid == r.IsValid, r.ToString());
    }

    [Fact]
    public void The_5_1_acknowledgement_is_validated_with_the_5_1_schema() =>
        Assert.Equal(DuisSchemaVersion.V5_1,
            Schemas.Validate(SecurityFixtures.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "acknowledgement-error.xml")))).SchemaVersion);

    [Fact]
    public void A_serial_number_that_is_not_an_integer_still_fails()
    {
        var xml = Encoding.UTF8.GetString(SecurityFixtures.SignTemplate("8.2_READ_INVENTORY_REQUEST_DUIS.XML", out _, out _));
        var serial = System.Text.RegularExpressions.Regex.Replace(xml, "<ds:X509SerialNumber>[0-9]+<", "<ds:X509SerialNumber>12AB<");
        var result = Schemas.Validate(SecurityFixtures.Load(serial));
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Contains("X509SerialNumber", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_integer_and_pattern_types_are_not_loosened()
    {
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
            .Replace("<sr:CommandVariant>8<", "<sr:CommandVariant>99999999999999999999999999999999999<")
            .Replace("00-DB-12-34-56-78-90-A2", "00-DB-12-34-56-78-90-XX");
        var result = Schemas.Validate(SecurityFixtures.Load(xml));
        Assert.Contains(result.Errors, e => e.Contains("CommandVariant", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("DeviceID", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_element_in_the_body_fails_with_its_name()
    {
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
            .Replace("</sr:ReadInventory>", "<sr:Unexpected/></sr:ReadInventory>");
        var result = Schemas.Validate(SecurityFixtures.Load(xml));
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Contains("Unexpected", StringComparison.Ordinal));
    }

    [Fact]
    public void A_schema_version_without_a_schema_is_refused_by_name()
    {
        var xml = File.ReadAllText(SecurityFixtures.TemplatePath("8.2_READ_INVENTORY_REQUEST_DUIS.XML")).Replace("schemaVersion=\"5.4\"", "schemaVersion=\"4.0\"");
        var result = Schemas.Validate(SecurityFixtures.Load(xml));
        Assert.False(result.IsValid);
        Assert.Contains("4.0", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_schemas_is_refused() =>
        Assert.Throws<FileNotFoundException>(() => DuisSchemas.Load(Directory.CreateTempSubdirectory("openduis-empty-").FullName));

    [Fact]
    public void Structural_validation_accepts_a_template_and_refuses_a_foreign_root()
    {
        Assert.True(DuisSchemas.ValidateStructure(SecurityFixtures.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))).IsValid);
        var foreign = DuisSchemas.ValidateStructure(SecurityFixtures.Load("<Request xmlns='urn:other' schemaVersion='5.4'/>"));
        Assert.False(foreign.IsValid);
        var noHeader = DuisSchemas.ValidateStructure(SecurityFixtures.Load("<sr:Request xmlns:sr='http://www.dccinterface.co.uk/ServiceUserGateway' schemaVersion='5.4'><sr:Body/></sr:Request>"));
        Assert.False(noHeader.IsValid);
        Assert.Contains("Header", noHeader.Errors[0], StringComparison.Ordinal);
    }
}
