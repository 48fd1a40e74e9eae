using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Domain;

public class ResponseCodeTests
{
    internal static List<string> XsdEnumeration(string folder, string file, string simpleType)
    {
        var doc = new XmlDocument { XmlResolver = null };
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using (var reader = XmlReader.Create(Path.Combine(folder, file), settings)) doc.Load(reader);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("xs", "http://www.w3.org/2001/XMLSchema");
        return doc.SelectNodes($"/xs:schema/xs:simpleType[@name='{simpleType}']/xs:restriction/xs:enumeration/@value", ns)!
            .Cast<XmlNode>().Select(n => n.Value!).ToList();
    }

    [Fact]
    public void Table_holds_exactly_the_5_4_XSD_enumeration_in_order() =>
        Assert.Equal(XsdEnumeration(RepoPaths.Schemas54, "DUIS Schema V5.4.xsd", "ResponseCode"), ResponseCodes.All.Select(c => c.Code));

    [Fact]
    public void Codes_absent_from_the_5_1_XSD_are_marked_so()
    {
        var in51 = XsdEnumeration(RepoPaths.Schemas51, "DUIS Schema V5.1.xsd", "ResponseCode").ToHashSet();
        foreach (var code in ResponseCodes.All)
        {
            Assert.Equal(in51.Contains(code.Code), code.IsDefinedIn(DuisSchemaVersion.V5_1));
            Assert.True(code.IsDefinedIn(DuisSchemaVersion.V5_4));
        }
    }

    // REQUIREMENTS.md §3: the codes the DCC Systems generate, each with a Table 1 row.
    public static TheoryData<string> CommonCodes => new(
        "I0", "I99", "E1", "E2", "E3", "E4", "E5", "E11", "E12", "E13", "E17", "E19", "E20", "E21", "E30", "E31",
        "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47", "E48", "E49", "E50", "E51", "E52", "E53", "E54", "E55",
        "E56", "E57", "E58", "E59", "E60", "E61", "E62", "E63", "E64", "E65", "E66", "E67", "E68", "E69", "E70", "E71", "E100");

    [Theory]
    [MemberData(nameof(CommonCodes))]
    public void Common_codes_carry_their_Table_1_row(string text)
    {
        var code = ResponseCode.Parse(text);
        var d = Assert.IsType<ResponseCodeDefinition>(code.Definition);
        Assert.Equal(code, d.Code);
        Assert.False(string.IsNullOrWhiteSpace(d.Name));
        Assert.False(string.IsNullOrWhiteSpace(d.Description));
        Assert.NotEqual(ResponseTypes.None, d.AppliesTo);
        Assert.Equal(text[0] == 'I' ? ResponseCodeType.Information : ResponseCodeType.Error, d.Type);
        if (d.Type == ResponseCodeType.Error) Assert.NotEmpty(d.ErrorHandlingProcedures);
        Assert.False(code.IsServiceSpecific);
    }

    [Fact]
    public void Table_1_facts_as_amended()
    {
        Assert.Equal(ResponseTypes.Acknowledgement, ResponseCode.I99.Definition!.AppliesTo);
        Assert.False(ResponseCode.I0.Definition!.AppliesTo.HasFlag(ResponseTypes.Acknowledgement)); // "All except Acknowledgement"
        Assert.Equal(ResponseTypes.Acknowledgement | ResponseTypes.DccAlert, ResponseCode.E4.Definition!.AppliesTo);
        Assert.Equal(ResponseTypes.DccAlert, ResponseCode.E20.Definition!.AppliesTo);
        Assert.Equal(["W7", "Z1"], ResponseCode.E11.Definition!.ErrorHandlingProcedures);
        Assert.Equal(["W2", "Z1"], ResponseCode.E13.Definition!.ErrorHandlingProcedures);
        Assert.Equal(["U1", "Z1"], ResponseCode.E65.Definition!.ErrorHandlingProcedures); // struck "TBC" dropped (MP260 redline)
        Assert.Equal(["W11"], ResponseCode.E60.Definition!.ErrorHandlingProcedures);
        Assert.Contains("0x8F84", ResponseCode.E58.Definition!.Description);
    }

    [Theory]
    [InlineData("E062801", 6, 28, 1, ResponseCodeType.Error)]
    [InlineData("E010101", 1, 1, 1, ResponseCodeType.Error)]
    [InlineData("W050201", 5, 2, 1, ResponseCodeType.Warning)]
    [InlineData("E120207", 12, 2, 7, ResponseCodeType.Error)]
    public void Service_specific_codes_name_their_service_reference(string text, byte group, byte number, int n, ResponseCodeType type)
    {
        var code = ResponseCode.Parse(text);
        Assert.True(code.IsServiceSpecific);
        Assert.True(code.TryGetServiceSpecific(out var reference, out var parsed));
        Assert.Equal(new ServiceReference(group, number), reference);
        Assert.Equal(n, parsed);
        Assert.Equal(type, code.Type);
        Assert.Null(code.Definition);
    }

    [Fact]
    public void Every_service_specific_code_names_a_DUIS_service_reference()
    {
        foreach (var code in ResponseCodes.All.Where(c => c.IsServiceSpecific))
        {
            Assert.True(code.TryGetServiceSpecific(out var reference, out var n));
            Assert.True(OpenDuis.Protocol.Catalogue.ServiceCatalogue.IsKnown(reference), $"{code} → {reference}");
            Assert.InRange(n, 1, 99);
        }
    }

    [Theory]
    [InlineData("E999")]
    [InlineData("e1")]
    [InlineData("E062899")]
    [InlineData("I1")]
    [InlineData("")]
    public void Codes_outside_the_enumeration_do_not_parse(string text)
    {
        Assert.False(ResponseCode.TryParse(text, out _));
        var ex = Assert.Throws<FormatException>(() => ResponseCode.Parse(text));
        Assert.Contains("Response Code", ex.Message);
    }

    [Fact]
    public void Equality_and_order_follow_the_code()
    {
        Assert.Equal(ResponseCode.E4, ResponseCode.Parse(" E4 "));
        Assert.NotEqual(ResponseCode.E4, ResponseCode.E40);
        Assert.True(ResponseCode.I0.CompareTo(ResponseCode.E100) < 0);
        Assert.Equal("I0", default(ResponseCode).Code);
    }
}
