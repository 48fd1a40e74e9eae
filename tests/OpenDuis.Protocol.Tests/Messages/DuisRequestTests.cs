using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;
using static OpenDuis.Protocol.Tests.Messages.DuisTestXml;

namespace OpenDuis.Protocol.Tests.Messages;

public class DuisRequestTests
{
    private const string ClearEventLog = "CS11_3.3_SUCCESS_REQUEST_DUIS.XML";

    private static string Template(string name) => File.ReadAllText(Path.Combine(RepoPaths.Templates, name));

    [Fact]
    public void All_RTDS_templates_parse_and_reserialise_losslessly_signature_included()
    {
        var files = RepoPaths.TemplateFiles().ToList();
        Assert.Equal(297, files.Count);
        foreach (var file in files)
        {
            var original = Load(file);
            var request = DuisRequest.Read(original);
            Assert.NotNull(request.Signature);
            var rewritten = OverTheWire(request.ToXmlDocument());
            Assert.True(Canonical(original) == Canonical(rewritten), $"{Path.GetFileName(file)} changed on re-serialisation");

            var again = DuisRequest.Read(rewritten);
            Assert.Equal(request.RequestId, again.RequestId);
            Assert.Equal(request.CommandVariant, again.CommandVariant);
            Assert.Equal(request.ServiceReferenceVariant, again.ServiceReferenceVariant);
            Assert.Equal(DuisSchemaVersion.V5_4, again.SchemaVersion);
        }
    }

    /// <summary>
    /// Re-serialised templates validate as their originals do. .NET's validator cannot hold the year
    /// 65535 that GBCS uses for "any year" in xs:date (libxml2 and the DCC Boxed tool accept it), so
    /// the originals' only errors are those dates, and the re-serialised documents must have exactly the same.
    /// </summary>
    [Fact]
    public void Reserialised_templates_validate_against_the_5_4_XSD_as_their_originals_do()
    {
        foreach (var file in RepoPaths.TemplateFiles())
        {
            var original = Load(file);
            var before = SchemaErrors(original, Schemas54);
            Assert.All(before, e => Assert.Contains("'65535-", e));
            var after = SchemaErrors(OverTheWire(DuisRequest.Read(original).ToXmlDocument()), Schemas54);
            Assert.True(before.Count == after.Count, $"{Path.GetFileName(file)}: {string.Join("; ", after)}");
        }
    }

    [Fact]
    public void Header_fields_are_read_as_domain_values()
    {
        var request = DuisRequest.Read(Parse(Template(ClearEventLog)));
        Assert.Equal(RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000"), request.RequestId);
        Assert.Equal(CommandVariant.SendNonCritical, request.CommandVariant);
        Assert.Equal(new ServiceReference(3, 3), request.ServiceReference);
        Assert.Equal(ServiceReferenceVariant.Parse("3.3"), request.ServiceReferenceVariant);
        Assert.Equal("ClearEventLog", request.Body.LocalName);
        Assert.Same(ServiceCatalogue.Get(request.ServiceReferenceVariant), request.Definition);
        Assert.Null(request.FirstInSequence);
        Assert.Null(request.PrecedingRequestId);
        Assert.False(request.IsSignedPreCommand);
        Assert.Null(request.SignedPreCommand);
    }

    [Fact]
    public void Sequenced_request_header_round_trips()
    {
        var xml = Template(ClearEventLog).Replace("</sr:RequestID>",
            "</sr:RequestID>\n    <sr:FirstInSequence>false</sr:FirstInSequence>\n    <sr:PrecedingServiceRequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:999</sr:PrecedingServiceRequestID>");
        var original = Parse(xml);
        var request = DuisRequest.Read(original);
        Assert.False(request.FirstInSequence);
        Assert.Equal(999UL, request.PrecedingRequestId!.Value.Counter);
        var rewritten = OverTheWire(request.ToXmlDocument());
        Assert.Equal(Canonical(original), Canonical(rewritten));
        Assert.Empty(SchemaErrors(rewritten, Schemas54));
    }

    [Fact]
    public void A_body_this_version_does_not_model_is_carried_losslessly()
    {
        var xml = Template(ClearEventLog).Replace("<sr:ClearEventLog/>",
            "<sr:ClearEventLogV99 mode=\"all\" xmlns:x=\"urn:example\"><sr:Scope>Everything</sr:Scope><x:Note x:lang=\"en\">kept &amp; intact</x:Note><![CDATA[raw <text>]]></sr:ClearEventLogV99>");
        var original = Parse(xml);
        var request = DuisRequest.Read(original);
        Assert.Equal("ClearEventLogV99", request.Body.LocalName);
        Assert.Equal(Canonical(original), Canonical(OverTheWire(request.ToXmlDocument())));
    }

    [Fact]
    public void Reference_and_variant_mismatch_is_not_structural_but_left_for_E48()
    {
        var request = DuisRequest.Read(Parse(Template(ClearEventLog).Replace("<sr:ServiceReference>3.3<", "<sr:ServiceReference>3.4<")));
        Assert.Equal(new ServiceReference(3, 4), request.ServiceReference);
        Assert.False(request.ReferenceMatchesVariant);
        Assert.True(request.BodyMatchesVariant);
    }

    [Fact]
    public void Body_of_another_variant_is_not_structural_but_left_for_E49()
    {
        var request = DuisRequest.Read(Parse(Template(ClearEventLog).Replace("<sr:ClearEventLog/>", "<sr:DisablePrivacyPIN/>")));
        Assert.True(request.ReferenceMatchesVariant);
        Assert.False(request.BodyMatchesVariant);
        var foreign = DuisRequest.Read(Parse(Template(ClearEventLog).Replace("<sr:ClearEventLog/>", "<x:ClearEventLog xmlns:x=\"urn:example\"/>")));
        Assert.False(foreign.BodyMatchesVariant);
        Assert.All(RepoPaths.TemplateFiles(), f => Assert.True(DuisRequest.Read(Load(f)).BodyMatchesVariant, f));
    }

    public static TheoryData<string, string, string, DuisFormatError, string> Malformed => new()
    {
        { "wrong root", "sr:Request", "sr:Requests", DuisFormatError.WrongDocumentElement, "sr:Requests" },
        { "root in no namespace", "sr:Request>", "Request>", DuisFormatError.WrongDocumentElement, "Request" },
        { "no schemaVersion", " schemaVersion=\"5.4\"", "", DuisFormatError.MissingSchemaVersion, "sr:Request" },
        { "bad schemaVersion", "schemaVersion=\"5.4\"", "schemaVersion=\"V5\"", DuisFormatError.InvalidSchemaVersion, "sr:Request/@schemaVersion" },
        { "no header", "sr:Header>", "sr:Heading>", DuisFormatError.MissingElement, "sr:Request/sr:Header" },
        { "no RequestID", "<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000</sr:RequestID>", "", DuisFormatError.MissingElement, "sr:Request/sr:Header/sr:RequestID" },
        { "bad RequestID", ":1000</sr:RequestID>", ":01000</sr:RequestID>", DuisFormatError.InvalidRequestId, "sr:Request/sr:Header/sr:RequestID" },
        { "bad FirstInSequence", "</sr:RequestID>", "</sr:RequestID><sr:FirstInSequence>yes</sr:FirstInSequence>", DuisFormatError.InvalidBoolean, "sr:Request/sr:Header/sr:FirstInSequence" },
        { "bad PrecedingServiceRequestID", "</sr:RequestID>", "</sr:RequestID><sr:PrecedingServiceRequestID>none</sr:PrecedingServiceRequestID>", DuisFormatError.InvalidRequestId, "sr:Request/sr:Header/sr:PrecedingServiceRequestID" },
        { "CV 9 is internal", "<sr:CommandVariant>1<", "<sr:CommandVariant>9<", DuisFormatError.InvalidCommandVariant, "sr:Request/sr:Header/sr:CommandVariant" },
        { "no CommandVariant", "<sr:CommandVariant>1</sr:CommandVariant>", "", DuisFormatError.MissingElement, "sr:Request/sr:Header/sr:CommandVariant" },
        { "unknown ServiceReference", "<sr:ServiceReference>3.3<", "<sr:ServiceReference>3.9<", DuisFormatError.UnknownServiceReference, "sr:Request/sr:Header/sr:ServiceReference" },
        { "unknown variant", "<sr:ServiceReferenceVariant>3.3<", "<sr:ServiceReferenceVariant>3.3.1<", DuisFormatError.UnknownServiceReferenceVariant, "sr:Request/sr:Header/sr:ServiceReferenceVariant" },
        { "no variant", "<sr:ServiceReferenceVariant>3.3</sr:ServiceReferenceVariant>", "", DuisFormatError.MissingElement, "sr:Request/sr:Header/sr:ServiceReferenceVariant" },
        { "header out of order", "<sr:CommandVariant>1</sr:CommandVariant>\n    <sr:ServiceReference>3.3</sr:ServiceReference>", "<sr:ServiceReference>3.3</sr:ServiceReference><sr:CommandVariant>1</sr:CommandVariant>", DuisFormatError.MissingElement, "sr:Request/sr:Header/sr:CommandVariant" },
        { "extra header element", "</sr:ServiceReferenceVariant>", "</sr:ServiceReferenceVariant><sr:Priority>high</sr:Priority>", DuisFormatError.UnexpectedElement, "sr:Request/sr:Header/sr:Priority" },
        { "text in header", "<sr:Header>", "<sr:Header>stray", DuisFormatError.UnexpectedText, "sr:Request/sr:Header" },
        { "no body", "<sr:Body>\n    <sr:ClearEventLog/>\n  </sr:Body>", "", DuisFormatError.MissingElement, "sr:Request/sr:Body" },
        { "empty body", "<sr:ClearEventLog/>", "", DuisFormatError.EmptyBody, "sr:Request/sr:Body" },
        { "two body elements", "<sr:ClearEventLog/>", "<sr:ClearEventLog/><sr:ClearEventLog/>", DuisFormatError.MultipleBodyElements, "sr:Request/sr:Body/sr:ClearEventLog" },
        { "element after the signature", "</ds:Signature>", "</ds:Signature><sr:Extra/>", DuisFormatError.UnexpectedElement, "sr:Request/sr:Extra" },
        { "foreign element instead of the signature", "<ds:Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">", "<sr:Signature>", DuisFormatError.UnexpectedElement, "sr:Request/sr:Signature" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Structural_problems_get_a_precise_typed_error(string why, string find, string replace, DuisFormatError error, string element)
    {
        var text = Template(ClearEventLog);
        Assert.Contains(find, text);
        var xml = text.Replace(find, replace);
        xml = why switch
        {
            "root in no namespace" => xml.Replace("<sr:Request ", "<Request "),
            "foreign element instead of the signature" => xml.Replace("</ds:Signature>", "</sr:Signature>"),
            _ => xml,
        };
        var doc = Parse(xml);
        Assert.False(DuisRequest.TryRead(doc, out var none, out var problem));
        Assert.Null(none);
        Assert.Equal(error, problem.Error);
        Assert.Equal(element, problem.Element);
        var ex = Assert.Throws<DuisFormatException>(() => DuisRequest.Read(doc));
        Assert.Equal(error, ex.Error);
        Assert.Contains(element, ex.Message);
    }

    [Fact]
    public void Signed_pre_command_is_written_valid_and_read_back()
    {
        var payload = Convert.FromHexString("DF090100000000000003E90890B3D51F300100000800DB1234567890A000020027");
        var at = new DateTimeOffset(2030, 4, 1, 9, 0, 0, TimeSpan.Zero);
        var id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1001");
        var request = DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, id, CommandVariant.SendSignedPreCommand,
            ServiceReferenceVariant.Parse("1.1.1"), new SignedPreCommand(payload, at));
        var doc = OverTheWire(request.ToXmlDocument());
        Assert.Empty(SchemaErrors(doc, Schemas54));
        Assert.Empty(SchemaErrors(doc, Schemas51));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sr:Request xmlns:sr=", request.ToXmlDocument().OuterXml);

        var back = DuisRequest.Read(doc);
        Assert.True(back.IsSignedPreCommand);
        var spc = back.SignedPreCommand!;
        Assert.Equal(payload, spc.GbcsPayload.ToArray());
        Assert.Equal(at, spc.ExecutionDateTime);
        Assert.Equal(new ServiceReference(1, 1), back.ServiceReference);
        Assert.Equal(CommandVariant.SendSignedPreCommand, back.CommandVariant);
    }

    [Fact]
    public void Signed_pre_command_needs_CV_5_6_or_7_and_base64()
    {
        var id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1001");
        var ex = Assert.Throws<ArgumentException>(() => DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, id,
            CommandVariant.TransformCritical, ServiceReferenceVariant.Parse("1.1.1"), new SignedPreCommand(new byte[] { 1 })));
        Assert.Contains("5, 6 and 7", ex.Message);

        var good = DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, id, CommandVariant.SendSignedPreCommand,
            ServiceReferenceVariant.Parse("7.1"), new SignedPreCommand(new byte[] { 1, 2, 3 })).ToXmlDocument().OuterXml;
        var bad = DuisRequest.Read(Parse(good.Replace("AQID", "not*base64")));
        var error = Assert.Throws<DuisFormatException>(() => bad.SignedPreCommand);
        Assert.Equal(DuisFormatError.InvalidValue, error.Error);
        Assert.EndsWith("sr:SignedPreCommand/sr:GBCSPayload", error.Element);
    }

    [Fact]
    public void Without_signature_drops_only_the_signature()
    {
        var original = Parse(Template(ClearEventLog));
        var unsigned = DuisRequest.Read(original).WithoutSignature().ToXmlDocument();
        Assert.Empty(unsigned.GetElementsByTagName("Signature", DuisNamespaces.XmlDsig));
        original.DocumentElement!.RemoveChild(original.GetElementsByTagName("Signature", DuisNamespaces.XmlDsig)[0]!);
        Assert.Equal(Canonical(original), Canonical(OverTheWire(unsigned)));
    }
}
