using System.Collections.Concurrent;
using System.Xml;
using System.Xml.Schema;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Protocol.Schema;

/// <summary>The outcome of validating a DUIS message against its schema (R-MSG-4).</summary>
public sealed record SchemaValidationResult(DuisSchemaVersion? SchemaVersion, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public override string ToString() => IsValid ? $"valid ({SchemaVersion})" : string.Join("; ", Errors);
}

/// <summary>
/// The official DUIS XSDs (R-MSG-4), loaded from a configured folder — they are published with
/// the SEC, not shipped with OpenDUIS — and chosen by each message's schemaVersion. The folder
/// holds <c>DUIS Schema V5.4.xsd</c> beside <c>MMC Schema V5.4.xsd</c> and
/// <c>xmldsig-core-schema.xsd</c>, either directly or in one sub-folder per version (5.1/, 5.4/).
/// Each version is compiled once, on first use; validation is thread-safe.
/// </summary>
public sealed class DuisSchemas
{
    private const string XsdNamespace = "http://www.w3.org/2001/XMLSchema";
    private const string DsigSchemaFile = "xmldsig-core-schema.xsd";
    private const int MaxErrors = 20;

    private readonly Dictionary<DuisSchemaVersion, string> _files = [];
    private readonly ConcurrentDictionary<DuisSchemaVersion, Lazy<XmlSchemaSet>> _compiled = new();

    private DuisSchemas(string folder)
    {
        Folder = folder;
        foreach (var file in Directory.EnumerateFiles(folder, "DUIS Schema V*.xsd", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (DuisSchemaVersion.TryParse(name["DUIS Schema V".Length..], out var version)) _files.TryAdd(version, file);
        }
        if (_files.Count == 0) throw new FileNotFoundException($"No 'DUIS Schema V*.xsd' in '{folder}' or its sub-folders.");
    }

    public string Folder { get; }

    public IReadOnlyCollection<DuisSchemaVersion> Versions => _files.Keys;

    public static DuisSchemas Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Schema folder '{folder}' does not exist.");
        return new DuisSchemas(folder);
    }

    /// <summary>Validates against the schema of the message's own schemaVersion.</summary>
    public SchemaValidationResult Validate(XmlDocument document)
    {
        var text = document.DocumentElement?.GetAttribute("schemaVersion");
        if (!DuisSchemaVersion.TryParse(text, out var version))
            return new SchemaValidationResult(null, [$"The document element has no valid schemaVersion ('{text}')."]);
        return Validate(document, version);
    }

    public SchemaValidationResult Validate(XmlDocument document, DuisSchemaVersion version)
    {
        if (!_files.ContainsKey(version))
            return new SchemaValidationResult(version, [$"schemaVersion {version} has no schema in '{Folder}' (available: {string.Join(", ", _files.Keys.Order())})."]);
        var schemas = SchemaSet(version);
        var errors = new List<string>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = schemas,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
        };
        string? lastText = null;
        XmlTypeCode lastElementType = XmlTypeCode.None;
        settings.ValidationEventHandler += (_, e) =>
        {
            if (IsDateBeyondYear9999(e, lastElementType, lastText)) return;
            if (errors.Count < MaxErrors) errors.Add($"{(e.Severity == XmlSeverityType.Warning ? "warning: " : "")}{e.Message}");
        };
        using (var reader = XmlReader.Create(new XmlNodeReader(document), settings))
        {
            // A simple-content error is reported at the end tag: the last start tag and text are its.
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    lastElementType = reader.SchemaInfo?.SchemaType?.TypeCode ?? XmlTypeCode.None;
                    lastText = null;
                }
                else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
                {
                    lastText = reader.Value;
                }
            }
        }
        return new SchemaValidationResult(version, errors);
    }

    /// <summary>
    /// Structural validation for when no schema folder is configured: the message reader's
    /// checks of the document element, namespace, schemaVersion, header and body shape.
    /// </summary>
    public static SchemaValidationResult ValidateStructure(XmlDocument document)
    {
        var root = document.DocumentElement;
        DuisSchemaVersion? version = DuisSchemaVersion.TryParse(root?.GetAttribute("schemaVersion"), out var v) ? v : null;
        DuisFormatProblem? problem;
        if (root is { LocalName: "Response", NamespaceURI: DuisNamespaces.ServiceUserGateway })
            DuisResponse.TryRead(document, out _, out problem);
        else
            DuisRequest.TryRead(document, out _, out problem);
        return new SchemaValidationResult(version, problem is null ? [] : [problem.ToString()]);
    }

    /// <summary>
    /// .NET validates xs:date and xs:dateTime through DateTime, so years past 9999 fail; XSD 1.0
    /// (3.2.7, 3.2.9) allows them, and DUIS uses year 65535 (GBCS's "any year") in RTDS
    /// requests. Such an error is set aside only when the value, with its year replaced by one
    /// of the same leap-ness, is a valid date or dateTime: every other date error stands.
    /// </summary>
    private static bool IsDateBeyondYear9999(ValidationEventArgs e, XmlTypeCode typeCode, string? text)
    {
        if (e.Severity != XmlSeverityType.Error || text is null) return false;
        if (typeCode is not (XmlTypeCode.Date or XmlTypeCode.DateTime)) return false;
        var value = text.Trim();
        var digits = 0;
        while (digits < value.Length && char.IsAsciiDigit(value[digits])) digits++;
        if (digits < 5 || value[0] == '0' || digits >= value.Length || value[digits] != '-') return false;
        if (!long.TryParse(value.AsSpan(0, digits), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var year)) return false;
        var leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        var substitute = (leap ? "2000" : "2001") + value[digits..];
        try
        {
            if (typeCode == XmlTypeCode.Date) _ = XmlConvert.ToDateTimeOffset(substitute, ["yyyy-MM-dd", "yyyy-MM-ddzzz", "yyyy-MM-ddZ"]);
            else _ = XmlConvert.ToDateTimeOffset(substitute);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private XmlSchemaSet SchemaSet(DuisSchemaVersion version) =>
        _compiled.GetOrAdd(version, v => new Lazy<XmlSchemaSet>(() => Compile(_files[v]))).Value;

    private static XmlSchemaSet Compile(string mainFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(mainFile))!;
        var resolver = new FolderResolver(folder, PatchedDsigSchema(Path.Combine(folder, DsigSchemaFile)));
        var set = new XmlSchemaSet { XmlResolver = resolver };
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = resolver };
        // Opened by path and given a proper file URI: the names contain spaces.
        using (var stream = File.OpenRead(mainFile))
        using (var reader = XmlReader.Create(stream, settings, new Uri(mainFile).AbsoluteUri))
            set.Add(null, reader);
        set.Compile();
        return set;
    }

    /// <summary>
    /// The W3C xmldsig schema with one change. It types X509SerialNumber as xs:integer, which .NET
    /// validates as a decimal of at most 29 digits; SMKI serial numbers are 128-bit (up to 39
    /// digits), so every signed DUIS message would fail. That one element becomes a string of
    /// xs:integer's lexical form, unbounded; nothing else is loosened, and the signature verifier
    /// checks the serial itself.
    /// </summary>
    private static byte[] PatchedDsigSchema(string path)
    {
        // The trusted W3C file declares entities in an internal DTD subset; nothing is fetched.
        var document = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse, XmlResolver = null }))
            document.Load(reader);
        if (document.DocumentType is { } doctype) document.RemoveChild(doctype);
        var ns = new XmlNamespaceManager(document.NameTable);
        ns.AddNamespace("xs", XsdNamespace);
        var element = (XmlElement?)document.SelectSingleNode("/xs:schema/xs:element[@name='X509SerialNumber']", ns)
            ?? (XmlElement?)document.SelectSingleNode("//xs:element[@name='X509SerialNumber']", ns)
            ?? throw new InvalidDataException($"'{path}' declares no X509SerialNumber element.");
        element.RemoveAttribute("type");
        var simpleType = element.AppendChild(document.CreateElement("xs", "simpleType", XsdNamespace))!;
        var restriction = (XmlElement)simpleType.AppendChild(document.CreateElement("xs", "restriction", XsdNamespace))!;
        restriction.SetAttribute("base", "xs:token");
        var pattern = (XmlElement)restriction.AppendChild(document.CreateElement("xs", "pattern", XsdNamespace))!;
        pattern.SetAttribute("value", "[+\\-]?[0-9]+");
        document.DocumentElement!.SetAttribute("xmlns:xs", XsdNamespace);
        using var output = new MemoryStream();
        document.Save(output);
        return output.ToArray();
    }

    /// <summary>Serves schema imports from the schema folder only, and the patched xmldsig schema.</summary>
    private sealed class FolderResolver(string folder, byte[] dsigSchema) : XmlResolver
    {
        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            if (!absoluteUri.IsFile) throw new XmlException($"Schema import '{absoluteUri}' is not a local file; only the schema folder is read.");
            var path = Path.GetFullPath(absoluteUri.LocalPath);
            if (Path.GetFileName(path) == DsigSchemaFile) return new MemoryStream(dsigSchema, writable: false);
            if (!string.Equals(Path.GetDirectoryName(path), folder, StringComparison.Ordinal))
                throw new XmlException($"Schema import '{path}' is outside the schema folder '{folder}'.");
            return File.OpenRead(path);
        }
    }
}
