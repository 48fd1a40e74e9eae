using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>The purpose-built canonicaliser agrees byte for byte with the framework's C14N transforms.</summary>
public class CanonicalizerTests
{
    private static string Framework(XmlDocument document, CanonicalForm form)
    {
        Transform transform = form == CanonicalForm.Exclusive ? new XmlDsigExcC14NTransform() : new XmlDsigC14NTransform();
        transform.LoadInput(document);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        return new StreamReader(output, Encoding.UTF8).ReadToEnd();
    }

    private static string Ours(XmlDocument document, CanonicalForm form)
    {
        using var c = new Canonicalizer(16);
        return Encoding.UTF8.GetString(c.Canonicalise(document, form, null));
    }

    public static TheoryData<string> TrickyDocuments => new()
    {
        // Unused declarations, redeclarations, an undeclared default, prefixed attributes out of order.
        """<?xml version="1.0"?><a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:unused" z="1" b:y="2" a:x="3"><b:c xmlns:a="urn:a"><d xmlns="urn:d"><e xmlns=""/></d></b:c></a:r>""",
        // A default namespace redeclared and undone; a prefix rebound to another URI.
        """<r xmlns="urn:1"><s xmlns="urn:2"><t xmlns="urn:1"/></s><p:q xmlns:p="urn:p"><p:w xmlns:p="urn:q"/></p:q></r>""",
        // Escaping in text and attributes: CR, tab, LF, quotes, ampersands, angle brackets, non-ASCII.
        "<r a=\"x&#9;y&#10;z&#13;&quot;&amp;&lt;>\">t&#13;\n&amp;&lt;&gt;\"' é ü 日本</r>",
        // CDATA, comments, processing instructions inside and around, xml:lang.
        """<?pi before?><!-- c --><r xml:lang="en"><![CDATA[<raw>&]]><!-- inner --><?p data?><?q?></r><?pi after?>""",
        // Whitespace inside and between elements.
        "<r>\n  <a>  </a>\n  <b/>\n</r>",
    };

    [Theory]
    [MemberData(nameof(TrickyDocuments))]
    public void Tricky_documents_canonicalise_as_the_framework_does(string xml)
    {
        var document = SecurityFixtures.Load(xml);
        Assert.Equal(Framework(document, CanonicalForm.Exclusive), Ours(document, CanonicalForm.Exclusive));
        Assert.Equal(Framework(document, CanonicalForm.Inclusive), Ours(document, CanonicalForm.Inclusive));
    }

    [Fact]
    public void Every_template_canonicalises_as_the_framework_does_in_both_forms()
    {
        var failures = new List<string>();
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var document = SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name));
            foreach (var form in new[] { CanonicalForm.Exclusive, CanonicalForm.Inclusive })
                if (Framework(document, form) != Ours(document, form)) failures.Add($"{name} ({form})");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void Many_declarations_shadowed_and_restored_across_siblings_canonicalise_as_the_framework_does()
    {
        // Every prefix declared on the root, half redeclared on each child and some back again on a
        // grandchild: the bindings each element's end restores must be the ones in force before it.
        var root = string.Concat(Enumerable.Range(0, 60).Select(i => $" xmlns:p{i}=\"urn:{i}\""));
        var child = string.Concat(Enumerable.Range(0, 30).Select(i => $" xmlns:p{i}=\"urn:other{i}\""));
        var grandchild = string.Concat(Enumerable.Range(0, 10).Select(i => $" xmlns:p{i}=\"urn:{i}\""));
        var xml = $"<p0:r{root} xmlns=\"urn:d\"><p1:c{child}><p2:g{grandchild} p3:a=\"1\"/><p5:g/></p1:c><p1:c xmlns=\"\"><e/><p59:e/></p1:c><p1:c{child}/></p0:r>";
        var document = SecurityFixtures.Load(xml);
        Assert.Equal(Framework(document, CanonicalForm.Exclusive), Ours(document, CanonicalForm.Exclusive));
        Assert.Equal(Framework(document, CanonicalForm.Inclusive), Ours(document, CanonicalForm.Inclusive));
    }

    [Fact]
    public void A_subtree_renders_the_namespaces_it_uses_from_its_ancestors()
    {
        var document = SecurityFixtures.Load("""<r xmlns:ds="urn:ds" xmlns:x="urn:x"><ds:s x:a="1"><ds:t/></ds:s></r>""");
        using var c = new Canonicalizer();
        var apex = (XmlElement)document.DocumentElement!.FirstChild!;
        Assert.Equal("""<ds:s xmlns:ds="urn:ds" xmlns:x="urn:x" x:a="1"><ds:t></ds:t></ds:s>""", Encoding.UTF8.GetString(c.CanonicaliseExclusive(apex)));
    }

    [Fact]
    public void Elements_built_in_memory_without_declarations_canonicalise_as_their_serialised_form()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var root = document.AppendChild(document.CreateElement("sr", "Request", "urn:sr"))!;
        var child = root.AppendChild(document.CreateElement("x", "Child", "urn:x"))!;
        var attribute = document.CreateAttribute("y", "a", "urn:y");
        attribute.Value = "1";
        ((XmlElement)child).Attributes.Append(attribute);
        var reparsed = SecurityFixtures.Load(DuisSigner.Serialise(document));
        Assert.Equal(Ours(reparsed, CanonicalForm.Inclusive), Ours(document, CanonicalForm.Inclusive));
        Assert.Equal(Ours(reparsed, CanonicalForm.Exclusive), Ours(document, CanonicalForm.Exclusive));
    }
}
