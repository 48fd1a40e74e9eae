using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Tests.Domain;
using OpenDuis.TestSupport;
using static OpenDuis.Protocol.Tests.Messages.DuisTestXml;

namespace OpenDuis.Protocol.Tests.Messages;

public class DuisResponseTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, 123, TimeSpan.Zero);
    private static readonly RequestId Id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000");

    private static XmlDocument Sample(string name) => Load(Path.Combine(RepoPaths.Samples, name));

    private static XmlElement Sr(string localName, params (string Name, string Text)[] children)
    {
        var doc = new XmlDocument();
        var e = doc.CreateElement("sr", localName, DuisNamespaces.ServiceUserGateway);
        foreach (var (name, text) in children)
        {
            var c = doc.CreateElement("sr", name, DuisNamespaces.ServiceUserGateway);
            c.InnerText = text;
            e.AppendChild(c);
        }
        return e;
    }

    [Theory]
    [InlineData("acknowledgement-error.xml")]
    [InlineData("readfw-response.xml")]
    [InlineData("read-inventory-response-5.4.xml")]
    [InlineData("read-inventory-response-4g.xml")]
    public void DCC_Boxed_samples_parse_and_reserialise_losslessly(string name)
    {
        var original = Sample(name);
        var response = DuisResponse.Read(original);
        Assert.Equal(ResponseBodyKind.ResponseMessage, response.BodyKind);
        Assert.NotNull(response.Message);
        Assert.Equal(Canonical(original), Canonical(OverTheWire(response.ToXmlDocument())));
    }

    [Fact]
    public void Error_acknowledgement_sample_reads_as_domain_values()
    {
        var ack = DuisResponse.Read(Sample("acknowledgement-error.xml"));
        Assert.Equal(ResponseCode.E65, ack.ResponseCode);
        Assert.Equal(DuisSchemaVersion.V5_1, ack.SchemaVersion);
        Assert.Equal(1658482675800UL, ack.RequestId!.Value.Counter);
        Assert.Null(ack.ResponseId);
        Assert.Equal(new DateTimeOffset(2022, 7, 22, 9, 37, 56, 134, TimeSpan.Zero), ack.ResponseDateTime);
        Assert.Equal(ServiceReferenceVariant.Parse("11.2"), ack.Message!.ServiceReferenceVariant);
        Assert.Null(ack.Message.Payload);
        Assert.True(ack.IsAcknowledgement);
        Assert.Null(ack.Signature);
    }

    [Fact]
    public void Signed_device_response_sample_carries_payload_response_id_and_signature()
    {
        var response = DuisResponse.Read(Sample("readfw-response.xml"));
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.Equal(RequestId.Parse("88-73-84-57-00-2F-96-1E:90-B3-D5-1F-30-01-00-00:1660751141087"), response.ResponseId);
        Assert.Equal("GBCSPayload", response.Message!.Payload!.LocalName);
        Assert.NotNull(response.Signature);
        Assert.False(response.IsAcknowledgement);
        var inventory = DuisResponse.Read(Sample("read-inventory-response-5.4.xml"));
        Assert.Equal("DSPInventory", inventory.Message!.Payload!.LocalName);
    }

    [Theory]
    [InlineData("5.4")]
    [InlineData("5.1")]
    public void Built_acknowledgements_validate_and_match_the_DCC_Boxed_shape(string version)
    {
        var v = DuisSchemaVersion.Parse(version);
        var schemas = v == DuisSchemaVersion.V5_4 ? Schemas54 : Schemas51;
        var request = DuisRequest.Read(Load(Path.Combine(RepoPaths.Templates, "CS11_3.3_SUCCESS_REQUEST_DUIS.XML")));
        foreach (var code in new[] { ResponseCode.I99, ResponseCode.E13, ResponseCode.E100 })
        {
            var ack = DuisResponse.CreateAcknowledgement(DuisRequest.Create(v, request.RequestId, request.CommandVariant, request.ServiceReferenceVariant, request.Body), code, At);
            var doc = OverTheWire(ack.ToXmlDocument());
            Assert.Empty(SchemaErrors(doc, schemas));
            Assert.True(ack.IsAcknowledgement);
            var back = DuisResponse.Read(doc);
            Assert.Equal(code, back.ResponseCode);
            Assert.Equal(At, back.ResponseDateTime);
            Assert.Equal(request.RequestId, back.RequestId);
            Assert.Equal(v, back.SchemaVersion);
            Assert.Equal(request.ServiceReferenceVariant, back.Message!.ServiceReferenceVariant);
        }

        // Same element structure as the real DCC Boxed acknowledgement.
        static string Shape(XmlNode n) => n is XmlElement e
            ? $"{e.Prefix}:{e.LocalName}({string.Concat(e.ChildNodes.Cast<XmlNode>().Select(Shape))})" : "";
        var sample = Sample("acknowledgement-error.xml");
        var built = DuisResponse.CreateAcknowledgement(v, Id, new ServiceReference(11, 2), ServiceReferenceVariant.Parse("11.2"), ResponseCode.E65, At).ToXmlDocument();
        Assert.Equal(Shape(sample.DocumentElement!), Shape(OverTheWire(built).DocumentElement!));
        Assert.Contains("<sr:ResponseDateTime>2026-11-25T12:00:00.123Z</sr:ResponseDateTime>", built.OuterXml);
        Assert.Contains("xmlns:ra=\"http://www.dccinterface.co.uk/ResponseAndAlert\"", built.OuterXml);
    }

    [Fact]
    public void Acknowledgement_refuses_codes_Table_1_does_not_allow_there()
    {
        var sr = new ServiceReference(3, 3);
        var srv = ServiceReferenceVariant.Parse("3.3");
        var i0 = Assert.Throws<ArgumentException>(() => DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, Id, sr, srv, ResponseCode.I0, At));
        Assert.Contains("I0", i0.Message);
        var e20 = Assert.Throws<ArgumentException>(() => DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, Id, sr, srv, ResponseCode.E20, At));
        Assert.Contains("does not apply to Acknowledgement", e20.Message);
        var newer = Assert.Throws<ArgumentException>(() => DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_1, Id, sr, srv, ResponseCode.Parse("E050111"), At));
        Assert.Contains("DUIS 5.1 XSD", newer.Message);
    }

    [Fact]
    public void Non_device_I0_with_inventory_data_validates()
    {
        var inventory = DuisResponse.Read(Sample("read-inventory-response-5.4.xml")).Message!.Payload!;
        var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, Id, null, ResponseCode.I0, At, new ServiceReference(8, 2), ServiceReferenceVariant.Parse("8.2"), inventory);
        var doc = OverTheWire(response.ToXmlDocument());
        Assert.Empty(SchemaErrors(doc, Schemas54));
        var back = DuisResponse.Read(doc);
        Assert.Equal("DSPInventory", back.Message!.Payload!.LocalName);
        Assert.Equal(inventory.OuterXml, response.Message!.Payload!.OuterXml);
    }

    [Theory]
    [InlineData("5.4")]
    [InlineData("5.1")]
    public void Non_device_I0_with_a_schedule_id_validates(string version)
    {
        var v = DuisSchemaVersion.Parse(version);
        var id = Sr("DSPScheduleID");
        id.InnerText = "42";
        var response = DuisResponse.CreateServiceResponse(v, Id, RequestId.Parse("90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:1000"),
            ResponseCode.I0, At, new ServiceReference(5, 1), ServiceReferenceVariant.Parse("5.1"), id);
        var doc = OverTheWire(response.ToXmlDocument());
        Assert.Empty(SchemaErrors(doc, v == DuisSchemaVersion.V5_4 ? Schemas54 : Schemas51));
        Assert.Equal("42", DuisResponse.Read(doc).Message!.Payload!.InnerText);
    }

    [Fact]
    public void Service_response_refuses_a_payload_the_XSD_does_not_list()
    {
        var ex = Assert.Throws<ArgumentException>(() => DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, Id, null, ResponseCode.I0, At,
            new ServiceReference(8, 2), ServiceReferenceVariant.Parse("8.2"), Sr("Inventory")));
        Assert.Contains("not an sr:ResponseMessage data element", ex.Message);
        var i99 = Assert.Throws<ArgumentException>(() => DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, Id, null, ResponseCode.I99, At,
            new ServiceReference(8, 2), ServiceReferenceVariant.Parse("8.2"), null));
        Assert.Contains("does not apply to ServiceResponse", i99.Message);
    }

    private static XmlElement PowerOutage() =>
        Sr("PowerOutageEvent", ("CommsHubDeviceID", "00-DB-12-34-56-78-90-A2"), ("StartDateTime", "2026-11-25T11:58:00Z"), ("MPxN", "1234567890123"));

    [Theory]
    [InlineData("5.4")]
    [InlineData("5.1")]
    public void Built_DCC_Alert_validates_and_reads_back(string version)
    {
        var v = DuisSchemaVersion.Parse(version);
        var alert = DuisResponse.CreateDccAlert(v, DccAlertCode.Parse("AD1"), ResponseCode.I0, At, PowerOutage(),
            responseId: RequestId.Parse("90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:7"), throttledAlertSequenceId: 3, throttledAlertCount: 12);
        var doc = OverTheWire(alert.ToXmlDocument());
        Assert.Empty(SchemaErrors(doc, v == DuisSchemaVersion.V5_4 ? Schemas54 : Schemas51));
        var back = DuisResponse.Read(doc);
        Assert.Equal(ResponseBodyKind.DccAlertMessage, back.BodyKind);
        Assert.Equal("AD1", back.Alert!.Code.Code);
        Assert.Equal("PowerOutageEvent", back.Alert.Content.LocalName);
        Assert.Equal(3u, back.Alert.ThrottledAlertSequenceId);
        Assert.Equal(12u, back.Alert.ThrottledAlertCount);
        Assert.Null(back.RequestId);
        Assert.Equal(7UL, back.ResponseId!.Value.Counter);
        Assert.Equal(Canonical(doc), Canonical(OverTheWire(back.ToXmlDocument())));
    }

    [Fact]
    public void DCC_Alert_for_a_request_with_an_error_code_validates()
    {
        var failure = Sr("DUISVersionMismatch");
        var inner = failure.OwnerDocument.CreateElement("sr", "ServiceResponseVersionMismatch", DuisNamespaces.ServiceUserGateway);
        foreach (var (n, t) in new[] { ("RequestID", Id.ToString()), ("ServiceReference", "3.3"), ("ServiceReferenceVariant", "3.3"), ("ServiceRequestDUISVersion", "5.4") })
        {
            var c = failure.OwnerDocument.CreateElement("sr", n, DuisNamespaces.ServiceUserGateway);
            c.InnerText = t;
            inner.AppendChild(c);
        }
        failure.AppendChild(inner);
        var version = failure.OwnerDocument.CreateElement("sr", "ServiceUserDUISVersion", DuisNamespaces.ServiceUserGateway);
        version.InnerText = "5.1";
        failure.AppendChild(version);
        var alert = DuisResponse.CreateDccAlert(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N999"), ResponseCode.I0, At, failure, requestId: Id);
        Assert.Empty(SchemaErrors(OverTheWire(alert.ToXmlDocument()), Schemas54));
    }

    [Fact]
    public void DCC_Alert_refuses_a_body_of_another_format_and_codes_not_for_alerts()
    {
        var ex = Assert.Throws<ArgumentException>(() => DuisResponse.CreateDccAlert(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N1"), ResponseCode.I0, At, PowerOutage()));
        Assert.Contains("sr:DeviceStatusChangeEvent", ex.Message);
        var e2 = Assert.Throws<ArgumentException>(() => DuisResponse.CreateDccAlert(DuisSchemaVersion.V5_4, DccAlertCode.Parse("AD1"), ResponseCode.E2, At, PowerOutage()));
        Assert.Contains("does not apply to DccAlert", e2.Message);
    }

    [Fact]
    public void Alert_code_table_covers_the_XSD_enumeration_and_formats()
    {
        var doc = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(Path.Combine(RepoPaths.Schemas54, "DUIS Schema V5.4.xsd"), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
            doc.Load(reader);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("xs", "http://www.w3.org/2001/XMLSchema");
        var codes = doc.SelectNodes("/xs:schema/xs:complexType[@name='DCCAlertMessage']//xs:element[@name='DCCAlertCode']//xs:enumeration/@value", ns)!
            .Cast<XmlNode>().Select(n => n.Value!);
        Assert.Equal(codes, DccAlertCodes.All.Select(c => c.Code));
        var formats = doc.SelectNodes("/xs:schema/xs:complexType[@name='DCCAlert']/xs:choice/xs:element/@name", ns)!
            .Cast<XmlNode>().Select(n => n.Value!);
        Assert.Equal(formats.Order(), DccAlertCodes.AllFormats.Order());
        Assert.False(DccAlertCode.TryParse("N32", out _));
        Assert.Equal("QuarantinedRequest", DccAlertCode.Parse("N47").Format);
        Assert.Equal("DUISVersionMismatch", DccAlertCode.Parse("N999").Format);
    }

    private const string Minimal =
        "<sr:Response xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\" schemaVersion=\"5.4\"><sr:Header>" +
        "<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000</sr:RequestID><sr:ResponseCode>I99</sr:ResponseCode>" +
        "<sr:ResponseDateTime>2026-11-25T12:00:00.000Z</sr:ResponseDateTime></sr:Header><sr:Body><sr:ResponseMessage>" +
        "<sr:ServiceReference>3.3</sr:ServiceReference><sr:ServiceReferenceVariant>3.3</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body></sr:Response>";

    private const string AlertBody =
        "<sr:DCCAlertMessage><sr:DCCAlertCode>AD1</sr:DCCAlertCode><sr:DCCAlert><sr:PowerOutageEvent/></sr:DCCAlert></sr:DCCAlertMessage>";

    private const string DeviceAlertBody =
        "<sr:DeviceAlertMessage><sr:AlertCode>8F84</sr:AlertCode><sr:GBCSPayload>3QAA</sr:GBCSPayload></sr:DeviceAlertMessage>";

    private static string MinimalBody => Minimal[Minimal.IndexOf("<sr:ResponseMessage>", StringComparison.Ordinal)..(Minimal.IndexOf("</sr:Body>", StringComparison.Ordinal))];

    public static TheoryData<string, string, DuisFormatError, string> MalformedResponses => new()
    {
        { "<sr:Response ", "<sr:Request ", DuisFormatError.WrongDocumentElement, "sr:Request" },
        { "<sr:ResponseCode>I99</sr:ResponseCode>", "", DuisFormatError.MissingElement, "sr:Response/sr:Header/sr:ResponseCode" },
        { "<sr:ResponseCode>I99<", "<sr:ResponseCode>I98<", DuisFormatError.InvalidResponseCode, "sr:Response/sr:Header/sr:ResponseCode" },
        { "2026-11-25T12:00:00.000Z", "25/11/2026 12:00", DuisFormatError.InvalidDateTime, "sr:Response/sr:Header/sr:ResponseDateTime" },
        { "<sr:RequestID>", "<sr:ResponseID>", DuisFormatError.InvalidResponseId, "sr:Response/sr:Header/sr:ResponseID" },
        { "schemaVersion=\"5.4\"", "schemaVersion=\"\"", DuisFormatError.InvalidSchemaVersion, "sr:Response/@schemaVersion" },
        { "<sr:ServiceReference>3.3</sr:ServiceReference>", "", DuisFormatError.MissingElement, "sr:Response/sr:Body/sr:ResponseMessage/sr:ServiceReference" },
        { MinimalBody, "<sr:Surprise/>", DuisFormatError.UnexpectedElement, "sr:Response/sr:Body/sr:Surprise" },
        { MinimalBody, AlertBody.Replace(">AD1<", ">N32<"), DuisFormatError.InvalidDccAlertCode, "sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlertCode" },
        { MinimalBody, AlertBody.Replace("<sr:PowerOutageEvent/>", ""), DuisFormatError.EmptyBody, "sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert" },
        { MinimalBody, AlertBody.Replace("<sr:DCCAlertCode>AD1</sr:DCCAlertCode>", "<sr:DCCAlertCode>AD1</sr:DCCAlertCode><sr:ThrottledAlertCount>-1</sr:ThrottledAlertCount>"), DuisFormatError.InvalidValue, "sr:Response/sr:Body/sr:DCCAlertMessage/sr:ThrottledAlertCount" },
        { MinimalBody, DeviceAlertBody.Replace("8F84", "8F8"), DuisFormatError.InvalidValue, "sr:Response/sr:Body/sr:DeviceAlertMessage/sr:AlertCode" },
        { MinimalBody, DeviceAlertBody.Replace("3QAA", "***"), DuisFormatError.InvalidValue, "sr:Response/sr:Body/sr:DeviceAlertMessage/sr:GBCSPayload" },
    };

    [Theory]
    [MemberData(nameof(MalformedResponses))]
    public void Structural_problems_in_responses_get_a_precise_typed_error(string find, string replace, DuisFormatError error, string element)
    {
        Assert.Contains(find, Minimal);
        var xml = Minimal.Replace(find, replace);
        if (find == "<sr:Response ") xml = xml.Replace("</sr:Response>", "</sr:Request>");
        if (find == "<sr:RequestID>") xml = xml.Replace("</sr:RequestID>", "</sr:ResponseID>").Replace(":1000</sr:ResponseID>", ":x</sr:ResponseID>");
        Assert.False(DuisResponse.TryRead(Parse(xml), out _, out var problem));
        Assert.Equal(error, problem.Error);
        Assert.Equal(element, problem.Element);
        Assert.Equal(error, Assert.Throws<DuisFormatException>(() => DuisResponse.Read(Parse(xml))).Error);
    }

    [Fact]
    public void Device_alert_reads_code_and_payload()
    {
        var response = DuisResponse.Read(Parse(Minimal.Replace(MinimalBody, DeviceAlertBody).Replace(">I99<", ">I0<")));
        Assert.Equal(ResponseBodyKind.DeviceAlertMessage, response.BodyKind);
        Assert.Equal((ushort)0x8F84, response.DeviceAlert!.AlertCode);
        Assert.Equal([0xDD, 0x00, 0x00], response.DeviceAlert.GbcsPayload.ToArray());
    }
}
