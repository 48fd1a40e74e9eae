using System.Text;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Tests.Xml;

/// <summary>R-MSG-5: hostile XML is refused, each time with its specific reason.</summary>
public class SecureXmlTests
{
    private static XmlRefusal RefusalOf(string xml, SecureXmlOptions? options = null) =>
        Assert.Throws<XmlRefusedException>(() => new SecureXml(options ?? SecureXmlOptions.Default).Load(Encoding.UTF8.GetBytes(xml))).Refusal;

    [Fact]
    public void A_template_loads_with_its_whitespace_preserved()
    {
        var document = new SecureXml(SecureXmlOptions.Default).Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"));
        Assert.True(document.PreserveWhitespace);
        Assert.Equal("Request", document.DocumentElement!.LocalName);
        Assert.Equal(System.Xml.XmlNodeType.Whitespace, document.DocumentElement.FirstChild!.NodeType);
    }

    [Fact]
    public void Billion_laughs_is_refused_as_a_DTD() =>
        Assert.Equal(XmlRefusal.DtdPresent, RefusalOf("""
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">&lol2;</sr:Request>
            """));

    [Fact]
    public void An_external_entity_is_refused_as_a_DTD() =>
        Assert.Equal(XmlRefusal.DtdPresent, RefusalOf("""
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <r>&xxe;</r>
            """));

    [Fact]
    public void An_external_DTD_reference_is_refused() =>
        Assert.Equal(XmlRefusal.DtdPresent, RefusalOf("""<!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd"><r/>"""));

    [Fact]
    public void An_undeclared_entity_reference_is_refused() =>
        Assert.Equal(XmlRefusal.EntityReference, RefusalOf("<r>&xxe;</r>"));

    [Fact]
    public void Predefined_entities_and_character_references_are_data() =>
        Assert.Equal("<&>\"'\r", new SecureXml(SecureXmlOptions.Default).Load("<r>&lt;&amp;&gt;&quot;&apos;&#13;</r>"u8.ToArray()).DocumentElement!.InnerText);

    [Fact]
    public void An_oversize_document_is_refused_before_parsing()
    {
        var options = new SecureXmlOptions { MaxBytes = 100 };
        Assert.Equal(XmlRefusal.Oversize, RefusalOf("<r>" + new string('a', 100) + "</r>", options));
    }

    [Fact]
    public void An_oversize_stream_is_refused_after_reading_one_byte_past_the_limit()
    {
        var secure = new SecureXml(new SecureXmlOptions { MaxBytes = 1000 });
        var stream = new MemoryStream(Encoding.UTF8.GetBytes("<r>" + new string('a', 100_000) + "</r>"));
        Assert.Equal(XmlRefusal.Oversize, Assert.Throws<XmlRefusedException>(() => secure.Load(stream)).Refusal);
        Assert.True(stream.Position <= 1001 + 64 * 1024);
        Assert.Equal("r", secure.Load(new MemoryStream("<r>ok</r>"u8.ToArray())).DocumentElement!.Name);
    }

    [Fact]
    public void A_stream_larger_than_the_first_buffer_loads()
    {
        var xml = "<r>" + new string('a', 200_000) + "</r>";
        var document = SecureXml.Default.Load(new MemoryStream(Encoding.UTF8.GetBytes(xml)));
        Assert.Equal(200_000, document.DocumentElement!.InnerText.Length);
    }

    [Fact]
    public void A_too_deep_document_is_refused()
    {
        var xml = string.Concat(Enumerable.Repeat("<a>", 65)) + string.Concat(Enumerable.Repeat("</a>", 65));
        Assert.Equal(XmlRefusal.TooDeep, RefusalOf(xml));
        var ok = string.Concat(Enumerable.Repeat("<a>", 64)) + string.Concat(Enumerable.Repeat("</a>", 64));
        Assert.NotNull(SecureXml.Default.Load(Encoding.UTF8.GetBytes(ok)).DocumentElement);
    }

    [Fact]
    public void A_deeply_nested_attack_is_refused_without_exhausting_the_stack()
    {
        var xml = string.Concat(Enumerable.Repeat("<a>", 100_000));
        Assert.Equal(XmlRefusal.TooDeep, RefusalOf(xml));
    }

    [Theory]
    [InlineData("<r><a></r>")]
    [InlineData("<r>")]
    [InlineData("not xml")]
    [InlineData("<r/><r/>")]
    [InlineData("<r a='1' a='2'/>")]
    [InlineData("<p:r/>")]
    public void Malformed_documents_are_not_well_formed(string xml) =>
        Assert.Equal(XmlRefusal.NotWellFormed, RefusalOf(xml));

    [Fact]
    public void Empty_input_is_empty()
    {
        Assert.Equal(XmlRefusal.Empty, RefusalOf(""));
        Assert.Equal(XmlRefusal.Empty, Assert.Throws<XmlRefusedException>(() => SecureXml.Default.Load(new MemoryStream())).Refusal);
    }

    [Fact]
    public void An_element_with_more_attributes_than_the_limit_is_refused_as_it_is_read()
    {
        static string Root(int declarations) =>
            "<r" + string.Concat(Enumerable.Range(0, declarations).Select(i => $" xmlns:p{i}=\"urn:{i}\"")) + "/>";
        var limit = SecureXmlOptions.DefaultMaxAttributesPerElement;
        Assert.NotNull(SecureXml.Default.Load(Encoding.UTF8.GetBytes(Root(limit))).DocumentElement);
        var refused = Assert.Throws<XmlRefusedException>(() => SecureXml.Default.Load(Encoding.UTF8.GetBytes(Root(limit + 1))));
        Assert.Equal(XmlRefusal.TooManyAttributes, refused.Refusal);
        Assert.Contains($"{limit + 1} attributes", refused.Message);
        // Plain attributes count as namespace declarations do.
        var plain = "<r" + string.Concat(Enumerable.Range(0, limit + 1).Select(i => $" a{i}=\"1\"")) + "/>";
        Assert.Equal(XmlRefusal.TooManyAttributes, RefusalOf(plain));
    }

    [Fact]
    public void A_document_with_more_attributes_in_all_than_the_limit_is_refused()
    {
        // Each element within the per-element limit; the document beyond the total.
        var element = "<e" + string.Concat(Enumerable.Range(0, 40).Select(i => $" xmlns:p{i}=\"urn:{i}\"")) + "/>";
        var xml = "<r>" + string.Concat(Enumerable.Repeat(element, SecureXmlOptions.DefaultMaxAttributes / 40 + 1)) + "</r>";
        var refused = Assert.Throws<XmlRefusedException>(() => SecureXml.Default.Load(Encoding.UTF8.GetBytes(xml)));
        Assert.Equal(XmlRefusal.TooManyAttributes, refused.Refusal);
        Assert.Contains($"more than {SecureXmlOptions.DefaultMaxAttributes}", refused.Message);
        Assert.Equal(XmlRefusal.TooManyAttributes, RefusalOf("<r a='1'><e b='2'/></r>", new SecureXmlOptions { MaxAttributes = 1 }));
    }
}
