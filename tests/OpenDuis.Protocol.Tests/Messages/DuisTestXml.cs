using System.Collections.Concurrent;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using System.Xml.Schema;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Messages;

/// <summary>Test helpers: loading reference XML, canonical comparison, validation against the official XSDs.</summary>
internal static class DuisTestXml
{
    private static readonly ConcurrentDictionary<string, XmlSchemaSet> SchemaSets = new();

    public static XmlDocument Load(string path) => Parse(File.ReadAllText(path));

    public static XmlDocument Parse(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var doc = new XmlDocument { PreserveWhitespace = false, XmlResolver = null };
        doc.Load(reader);
        return doc;
    }

    /// <summary>Serialised text re-parsed: what a peer receives on the wire.</summary>
    public static XmlDocument OverTheWire(XmlDocument doc) => Parse(Serialise(doc));

    /// <summary>Text as a sender writes it: carriage returns in content (as in DCC Boxed signature values) stay character references.</summary>
    public static string Serialise(XmlDocument doc)
    {
        var bytes = new MemoryStream();
        using (var writer = XmlWriter.Create(bytes, new XmlWriterSettings { NewLineHandling = NewLineHandling.Entitize, Encoding = new UTF8Encoding(false) }))
            doc.Save(writer);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Exclusive C14N of the whole document (insignificant whitespace already dropped on load).</summary>
    public static string Canonical(XmlDocument doc)
    {
        var transform = new XmlDsigExcC14NTransform();
        transform.LoadInput(doc);
        using var stream = (Stream)transform.GetOutput(typeof(Stream));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static XmlSchemaSet Schemas(string folder) => SchemaSets.GetOrAdd(folder, static f =>
    {
        var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        // The W3C xmldsig schema carries an internal DTD subset; the official DUIS schema imports it by relative path.
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse, XmlResolver = null };
        // Added first and explicitly: the set's own resolver would refuse its DTD and leave ds:Signature undeclared.
        using (var dsig = XmlReader.Create(Path.Combine(f, "xmldsig-core-schema.xsd"), settings))
            set.Add(null, dsig);
        var main = Directory.GetFiles(f, "DUIS Schema V*.xsd").Single();
        using (var stream = File.OpenRead(main))
        using (var reader = XmlReader.Create(stream, settings, new Uri(main).AbsoluteUri))
            set.Add(null, reader);
        set.Compile();
        return set;
    });

    public static XmlSchemaSet Schemas54 => Schemas(RepoPaths.Schemas54);
    public static XmlSchemaSet Schemas51 => Schemas(RepoPaths.Schemas51);

    /// <summary>XSD errors of the document (re-parsed from its text), as "line: message".</summary>
    public static IReadOnlyList<string> SchemaErrors(XmlDocument doc, XmlSchemaSet schemas)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas, DtdProcessing = DtdProcessing.Prohibit };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Exception?.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(Serialise(doc)), settings);
        while (reader.Read()) { }
        return errors;
    }
}
