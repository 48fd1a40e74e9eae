using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Endpoints;
using OpenDuis.TestSupport;
using static OpenDuis.TestSupport.ServedRequests;

namespace OpenDuis.Server.Tests.Requests;

public sealed class RunningOpenDuis : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Instance = await OpenDuisInstance.StartAsync();
    public async ValueTask DisposeAsync() => await Instance.DisposeAsync();
}

/// <summary>
/// The request path over real HTTP: RTDS templates signed by the DCC Boxed tool, answers validated
/// by it (XSD and the DSP signature), and each door check sent the input that triggers it.
/// </summary>
public sealed class RequestPathTests(RunningOpenDuis fixture) : IClassFixture<RunningOpenDuis>
{
    private OpenDuisInstance Instance => fixture.Instance;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(WebService service, string body, string contentType = "application/xml")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await Instance.Http.PostAsync(Instance.Server.ServiceUri(service), content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static DuisResponse ValidatedAnswer(string body)
    {
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(body);
        return DuisResponse.Read(doc);
    }

    private static WebService ServiceOf(string xml)
    {
        var doc = new XmlDocument();
        doc.LoadXml(xml);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        CommandVariants.TryParse(doc.SelectSingleNode("//sr:CommandVariant", ns)!.InnerText, out var cv);
        return cv.WebService();
    }

    [Fact]
    public async Task Device_request_is_acknowledged_I99_signed_by_the_DSP()
    {
        var request = SignWithTool(Template("ECS17b_4.1.1_SINGLE_SUCCESS"));

        var (status, body) = await PostAsync(WebService.SendCommand, request);

        Assert.Equal(HttpStatusCode.OK, status);
        var answer = ValidatedAnswer(body);
        Assert.Equal(ResponseCode.I99, answer.ResponseCode);
        Assert.True(answer.IsAcknowledgement);
        Assert.Equal("4.1.1", answer.Message!.ServiceReferenceVariant.ToString());
    }

    [Fact]
    public async Task Read_Inventory_answers_I0_with_the_devices_from_the_inventory()
    {
        var request = SignWithTool(Template("8.2_"));

        var (status, body) = await PostAsync(WebService.NonDevice, request);

        Assert.Equal(HttpStatusCode.OK, status);
        var answer = ValidatedAnswer(body);
        Assert.Equal(ResponseCode.I0, answer.ResponseCode);
        Assert.Equal("DSPInventory", answer.Message!.Payload!.LocalName);
        Assert.Contains("00-DB-12-34-56-78-90-A2", answer.Message.Payload.InnerXml);
    }

    [Fact]
    public async Task Answer_uses_the_schema_version_the_request_declared()
    {
        var request = SignWithTool(Template("8.2_").Replace("schemaVersion=\"5.4\"", "schemaVersion=\"5.1\"", StringComparison.Ordinal));

        var (_, body) = await PostAsync(WebService.NonDevice, request);

        var doc = new XmlDocument();
        doc.LoadXml(body);
        Assert.Equal("5.1", doc.DocumentElement!.GetAttribute("schemaVersion"));
    }

    [Fact]
    public async Task Altered_signed_request_is_E100()
    {
        var request = SignWithTool(Template("ECS17b_4.1.1_SINGLE_SUCCESS"));
        var tampered = request.Replace(":00-DB-12-34-56-78-90-A0:", ":00-DB-12-34-56-78-90-A1:", StringComparison.Ordinal);
        Assert.NotEqual(request, tampered);

        var (status, body) = await PostAsync(WebService.SendCommand, tampered);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ResponseCode.E100, ValidatedAnswer(body).ResponseCode);
    }

    [Fact]
    public async Task Unsigned_template_with_placeholder_signature_is_E100()
    {
        var (_, body) = await PostAsync(WebService.SendCommand, Template("ECS17b_4.1.1_SINGLE_SUCCESS"));

        Assert.Equal(ResponseCode.E100, ValidatedAnswer(body).ResponseCode);
    }

    [Fact]
    public async Task Request_signed_with_a_certificate_not_of_role_xmlSign_is_E65()
    {
        var signed = SignWithToolUsing(Template("ECS17b_4.1.1_SINGLE_SUCCESS"), "Z1-supplier-ds");
        Assert.True(signed.Succeeded, signed.ToString());

        var (_, body) = await PostAsync(WebService.SendCommand, signed.Output);

        Assert.Equal(ResponseCode.E65, ValidatedAnswer(body).ResponseCode);
    }

    [Fact]
    public async Task Request_signed_by_another_User_than_the_originator_is_E100()
    {
        // Network Operator's xmlSign key on a request whose originator is the Supplier.
        var signed = SignWithToolUsing(Template("ECS17b_4.1.1_SINGLE_SUCCESS"), "xml-sign-90B3D51F30020000-ds");
        Assert.True(signed.Succeeded, signed.ToString());

        var (_, body) = await PostAsync(WebService.SendCommand, signed.Output);

        Assert.Equal(ResponseCode.E100, ValidatedAnswer(body).ResponseCode);
    }

    [Theory]
    [InlineData("8.2_", WebService.SendCommand)]
    [InlineData("8.2_", WebService.Transform)]
    [InlineData("ECS17b_4.1.1_SINGLE_SUCCESS", WebService.NonDevice)]
    public async Task Request_on_the_wrong_service_is_E13(string template, WebService wrongService)
    {
        var request = SignWithTool(Template(template));

        var (_, body) = await PostAsync(wrongService, request);

        Assert.Equal(ResponseCode.E13, ValidatedAnswer(body).ResponseCode);
    }

    [Fact]
    public async Task Same_Request_ID_while_the_device_request_is_in_process_is_E55()
    {
        var request = SignWithTool(Template("ECS17b_4.1.1_SINGLE_SUCCESS"));

        var (_, first) = await PostAsync(WebService.SendCommand, request);
        var (_, second) = await PostAsync(WebService.SendCommand, request);

        Assert.Equal(ResponseCode.I99, ValidatedAnswer(first).ResponseCode);
        Assert.Equal(ResponseCode.E55, ValidatedAnswer(second).ResponseCode);
    }

    [Fact]
    public async Task Same_Request_ID_after_a_Non_Device_request_was_answered_is_answered_again()
    {
        var request = SignWithTool(Template("8.2_"));

        await PostAsync(WebService.NonDevice, request);
        var (_, again) = await PostAsync(WebService.NonDevice, request);

        Assert.Equal(ResponseCode.I0, ValidatedAnswer(again).ResponseCode);
    }

    [Fact]
    public async Task Body_that_is_not_XML_is_HTTP_400_with_the_reason()
    {
        var (status, body) = await PostAsync(WebService.SendCommand, "this is not xml");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("R-MSG-5", body);
    }

    [Fact]
    public async Task Document_type_declaration_is_refused_with_HTTP_400()
    {
        var (status, body) = await PostAsync(WebService.SendCommand,
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><sr:Request xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">&e;</sr:Request>");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("R-MSG-5", body);
    }

    [Fact]
    public async Task XML_that_is_not_a_DUIS_request_is_HTTP_400_naming_the_problem()
    {
        var request = Regex.Replace(Template("ECS17b_4.1.1_SINGLE_SUCCESS"), "<sr:CommandVariant>[^<]*</sr:CommandVariant>", "");

        var (status, body) = await PostAsync(WebService.SendCommand, request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("R-MSG-1", body);
        Assert.Contains("CommandVariant", body);
    }

    [Fact]
    public async Task Signed_request_that_breaks_the_XSD_is_HTTP_400_listing_the_schema_errors()
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(Template("ECS17b_4.1.1_SINGLE_SUCCESS"));
        var body = doc.GetElementsByTagName("Body", DuisNamespaces.ServiceUserGateway)[0]!.ChildNodes.OfType<XmlElement>().First();
        body.AppendChild(doc.CreateElement("sr", "NotInTheXsd", DuisNamespaces.ServiceUserGateway));
        var signed = Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(doc, OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoSupplier)!));

        var (status, answer) = await PostAsync(WebService.SendCommand, signed);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("R-MSG-4", answer);
        Assert.Contains("NotInTheXsd", answer);
    }

    private static readonly Eui DemoSupplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");

    [Fact]
    public async Task Content_type_other_than_XML_is_HTTP_415()
    {
        var (status, body) = await PostAsync(WebService.SendCommand, "{}", "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/xml", body);
    }

    [Fact]
    public async Task Body_over_the_limit_is_HTTP_413()
    {
        var huge = "<x>" + new string('a', (int)Instance.Server.Options.MaxRequestBodyBytes + 10) + "</x>";

        var (status, _) = await PostAsync(WebService.SendCommand, huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public async Task Health_and_metrics_report_requests_by_service_code_and_outcome()
    {
        await PostAsync(WebService.SendCommand, SignWithTool(Template("ECS17b_4.1.1_SINGLE_SUCCESS")));

        var health = await Instance.Http.GetStringAsync(new Uri(Instance.Server.BaseAddress, "/health"), Ct);
        var metrics = await Instance.Http.GetStringAsync(new Uri(Instance.Server.BaseAddress, "/metrics"), Ct);

        Assert.Contains("\"status\":\"ok\"", health);
        Assert.Contains("openduis_requests_total{service=\"S\",code=\"I99\",outcome=\"accepted\"}", metrics);
        Assert.Contains("openduis_request_duration_seconds_bucket{service=\"S\"", metrics);
        Assert.Contains("openduis_outbox_depth", metrics);
    }

    /// <summary>
    /// The RTDS templates the access-control rules refuse in the demo environment today, with the
    /// code each must get and why (the same cases the pipeline's own template sweep lists).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (ResponseCode Code, string Why)> TemplatesRefusedByTheRules =
        new Dictionary<string, (ResponseCode, string)>(StringComparer.Ordinal)
        {
            ["CS02fMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E1, "originated by the DCC Access Control Broker, which holds no SEC User Role"),
            ["GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E1, "originated by the DCC Access Control Broker, which holds no SEC User Role"),
            ["CS08_11.2_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E1, "originated by the DCC Access Control Broker, which holds no SEC User Role"),
            ["ECS50_9.1_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E2, "9.1 is eligible to Other User only (DUIS request matrix); the template's originator is a Supplier"),
            ["GCS36_9.1_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E2, "9.1 is eligible to Other User only; the template's originator is a Supplier"),
            ["CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E2, "8.5 Service Opt Out lists no User Role in the request matrix"),
            ["8.6_SERVICE_OPTIN_REQUEST_DUIS.XML"] = (ResponseCode.E2, "8.6 Service Opt In lists no User Role in the request matrix"),
            ["ECS47e_7.16_APC_INPUT_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E2, "7.16 Limit APC Level lists no User Role in the request matrix"),
            ["ECS47e_7.16_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E2, "7.16 Limit APC Level lists no User Role in the request matrix"),
            ["CS03A2Critical_8.7.1_SUCCESS_REQUEST_DUIS.XML"] = (ResponseCode.E11, "the catalogue's 8.7.1 targets ESME and GSME; the template joins at the HCALCS"),
            ["ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML"] = (Core.Schedules.ScheduleResponseCodes.StartDateNotInFuture, "its ScheduleStartDate, 2015-01-02, is not in the future"),
            ["5.2_READ_SCHEDULE_REQUEST_DUIS.XML"] = (Core.Schedules.ScheduleResponseCodes.ReadUnknownSchedule, "it reads DSPScheduleID 123, which no schedule has"),
            ["5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML"] = (Core.Schedules.ScheduleResponseCodes.DeleteUnknownSchedule, "it deletes DSPScheduleID 123, which no schedule has"),
            ["12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML"] = (Core.Inventory.InventoryResponseCodes.PrenotificationDeviceIdInUse, "it pre-notifies the demo ESME, which is already in the inventory"),
            ["8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML"] = (Core.Inventory.InventoryResponseCodes.DeleteNotPending, "it deletes the demo ESME, which is Commissioned: only a Pending Device may be deleted"),
            ["8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML"] = (Core.Inventory.InventoryResponseCodes.HubStatusNotAllowed, "it reports the install of the demo hub, which is already Commissioned"),
            ["8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML"] = (Core.Inventory.InventoryResponseCodes.HubStatusNotAllowed, "it reports the install of the demo hub, which is already Commissioned"),
        };

    /// <summary>The templates of the Non-Device requests that change the inventory (by file name).</summary>
    private static readonly string[] InventoryChanging = ["8.3_", "8.4_", "8.6_", "8.14.", "12.2_"];

    [Fact]
    public async Task Every_RTDS_template_signed_for_its_originator_is_answered_and_the_answer_validates()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var file in RepoPaths.TemplateFiles())
        {
            var name = Path.GetFileName(file);
            var xml = WithFreshCounter(File.ReadAllText(file));
            var service = ServiceOf(xml);
            var (status, body) = await PostAsync(service, SignWithTool(xml));
            count++;
            if (status != HttpStatusCode.OK) { failures.Add($"{name}: HTTP {(int)status} {body}"); continue; }
            var validated = DccBoxedTool.Shared.Validate(body);
            if (!validated.Succeeded) { failures.Add($"{name}: answer does not validate: {validated}"); continue; }
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(body);
            var answer = DuisResponse.Read(doc);
            if (TemplatesRefusedByTheRules.TryGetValue(name, out var refused))
            {
                if (answer.ResponseCode != refused.Code)
                    failures.Add($"{name}: {answer.ResponseCode}, expected {refused.Code} ({refused.Why})");
            }
            else if (answer.ResponseCode != ResponseCode.I99 && answer.ResponseCode != ResponseCode.I0)
                failures.Add($"{name}: {answer.ResponseCode}");

            // 8.3 decommissions the demo ESME, 8.14.3/8.14.4 return the demo hub: put them back for the templates after.
            if (InventoryChanging.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                foreach (var device in DemoEnvironment.Devices) await Instance.Cache.SaveDeviceAsync(device, Ct);
        }

        Assert.Equal(297, count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
