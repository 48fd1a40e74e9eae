using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Network;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.SmWan;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// SMETS1 Devices answer as the SMETS1 Service Provider does (R-S1-1): over loopback HTTP, reads of the
/// demo SMETS1 ESME, GSME and CHF reach the User as sr:SMETS1ResponseMessage carrying the S1SP's
/// sr:SMETS1SignedResponse with the MMC body of the variant, values from the Device's state. The DSP's
/// signature passes the DCC Boxed tool, the S1SP's verifies with its certificate, and libxml2 finds the
/// response valid against the DUIS 5.4 and 5.1 XSDs once the signatures' serial numbers are set aside.
/// </summary>
public sealed class Smets1ResponsesOverHttpTests : IAsyncLifetime
{
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-91-A0"), Gsme = Eui.Parse("00-DB-12-34-56-78-91-A1"), Chf = Eui.Parse("00-DB-12-34-56-78-91-A2");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OpenDuisInstance _instance = null!;
    private ResponseListener _listener = null!;
    private readonly ConcurrentDictionary<string, string> _received = new();
    private readonly ConcurrentQueue<string> _all = new();

    public async ValueTask InitializeAsync()
    {
        _instance = await OpenDuisInstance.StartAsync(options: FastDelivery.Server(pollMs: 20, lease: TimeSpan.FromSeconds(5)),
            network: new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(10) });
        _listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, message =>
        {
            var body = Encoding.UTF8.GetString(message.Body);
            _all.Enqueue(body);
            if (Regex.Match(body, "<sr:RequestID>([^<]+)</sr:RequestID>") is { Success: true } id) _received[id.Groups[1].Value] = body;
            return ValueTask.FromResult(200);
        }, cancellationToken: Ct);
        foreach (var id in (Eui[])[DemoEnvironment.Supplier, DemoEnvironment.NetworkOperator])
        {
            var user = (await _instance.Store.FindUserAsync(id, Ct))!;
            await _instance.Store.SaveUserAsync(user with { ResponseEndpoint = _listener.Address }, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _instance.DisposeAsync();
    }

    private static readonly (DeviceType Type, Eui Device, string UseCasePrefix)[] Demo =
        [(DeviceType.ESME, Esme, "ECS"), (DeviceType.GSME, Gsme, "GCS"), (DeviceType.CHF, Chf, "CS")];

    /// <summary>
    /// Every read the SMETS1 Service Requests include (the catalogue's Read… and Retrieve… requests), for each of
    /// the demo SMETS1 ESME, GSME and CHF it addresses, with the RTDS template of its variant (one of the Device's
    /// fuel where there is one) and the demo User holding a role eligible for it.
    /// </summary>
    public static TheoryData<string, string, string> Reads()
    {
        var data = new TheoryData<string, string, string>();
        var templates = RepoPaths.TemplateFiles().Select(Path.GetFileName).OfType<string>().ToList();
        foreach (var d in ServiceCatalogue.All.Where(d => !d.NonDevice && d.OnDemand && Core.AccessControl.Rules.Smets1ServiceRequests.IsSmets1ServiceRequest(d)
                     && (d.Name.StartsWith("Read ", StringComparison.Ordinal) || d.Name.StartsWith("Retrieve ", StringComparison.Ordinal))))
        foreach (var (type, device, prefix) in Demo.Where(x => d.TargetDeviceTypes.Contains(x.Type)))
        {
            var forVariant = templates.Where(t => t.Contains($"_{d.Variant}_", StringComparison.Ordinal) && t.EndsWith("REQUEST_DUIS.XML", StringComparison.Ordinal)
                && !t.Contains("FUTURE_DATED", StringComparison.Ordinal)).ToList();
            var template = forVariant.FirstOrDefault(t => t.StartsWith(prefix, StringComparison.Ordinal) && !(prefix == "CS" && t.StartsWith("CCS", StringComparison.Ordinal)))
                ?? forVariant.FirstOrDefault();
            if (template is null) throw new InvalidOperationException($"No RTDS template for {d.Variant}.");
            data.Add(d.Variant.ToString(), device.ToString(), template);
        }
        return data;
    }

    [Fact]
    public void The_reads_cover_the_demo_ESME_GSME_and_CHF()
    {
        var rows = Reads().Select(r => (Variant: r.Data.Item1, Device: Eui.Parse(r.Data.Item2))).ToList();
        Assert.True(rows.Count(r => r.Device == Esme) >= 35, string.Join(", ", rows));
        Assert.True(rows.Count(r => r.Device == Gsme) >= 20, string.Join(", ", rows));
        Assert.Equal(["11.2", "6.13", "6.2.4", "8.9"], rows.Where(r => r.Device == Chf).Select(r => r.Variant).Order(StringComparer.Ordinal));
        foreach (var read in (string[])["4.1.1", "4.2", "4.3", "7.4"]) Assert.Contains((read, Esme), rows);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task A_read_of_a_SMETS1_Device_is_answered_with_the_S1SP_s_signed_MMC_response(string variant, string device, string template)
    {
        var target = Eui.Parse(device);
        var rsp = Network.Smets1.Smets1ServiceProvider.ResponseElement(ServiceReferenceVariant.Parse(variant))!;
        var (requestId, body) = await SendAsync(template, target, SenderFor(ServiceCatalogue.Get(ServiceReferenceVariant.Parse(variant))));

        var (signed, ra) = CheckAsTheUserWould(body);
        var header = signed.SelectSingleNode("/sr:SMETS1SignedResponse/sr:SMETS1Response/sr:Header", ra)!;
        Assert.Equal(target.ToString(), header.SelectSingleNode("ra:BusinessOriginatorID", ra)!.InnerText);
        Assert.Equal(requestId.Originator.ToString(), header.SelectSingleNode("ra:BusinessTargetID", ra)!.InnerText);
        var data = signed.SelectSingleNode($"//sr:ResponseMessage/ra:SMETSData/ra:{rsp}", ra);
        Assert.NotNull(data);
        if (Smets1Response.RequireData.Contains(rsp)) Assert.True(data.HasChildNodes, data.OuterXml);
    }

    [Fact]
    public async Task A_SMETS1_Device_s_alert_raised_through_the_admin_API_reaches_its_Registered_Supplier_in_the_S1SP_s_signed_form()
    {
        using var answer = await _instance.Http.PostAsJsonAsync(new Uri(_instance.Server.BaseAddress, DeviceEventEndpoints.DevicePath(Esme)),
            new DeviceEventBody("device-alert", AlertCode: "0x8F35"), DeviceEventJson.Default.DeviceEventBody, Ct);
        var text = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.IsSuccessStatusCode, text);
        var raised = System.Text.Json.JsonSerializer.Deserialize(text, DeviceEventJson.Default.DeviceEventView)!;
        // To each User of the Registered Supplier, as DCC Alerts to the Registered Supplier are.
        Assert.Contains(raised.Alerts, a => (a.Code, a.Recipient) == ("0x8F35", DemoEnvironment.Supplier.ToString()));
        Assert.All(raised.Alerts, a => Assert.Equal("0x8F35", a.Code));

        var body = await ReceivedAsync(b => b.Contains($"<sr:ResponseID>{Esme}:{DemoEnvironment.Supplier}:", StringComparison.Ordinal)
            && b.Contains("<ra:GBCSHexAlertCode>8F35<", StringComparison.Ordinal));
        Assert.DoesNotContain("<sr:RequestID>", body);
        var (signed, ra) = CheckAsTheUserWould(body);
        var header = signed.SelectSingleNode("/sr:SMETS1SignedResponse/sr:SMETS1Response/sr:Header", ra)!;
        Assert.Equal(Esme.ToString(), header.SelectSingleNode("ra:BusinessOriginatorID", ra)!.InnerText);
        Assert.Equal(DemoEnvironment.Supplier.ToString(), header.SelectSingleNode("ra:BusinessTargetID", ra)!.InnerText);
        var content = signed.SelectSingleNode("//sr:Body/sr:DeviceAlertMessage/ra:DeviceAlertContent", ra)!;
        Assert.Equal("Supply Outage Restored", content.SelectSingleNode("ra:AlertDescription", ra)!.InnerText);
    }

    [Fact]
    public async Task A_device_alert_is_refused_with_the_reason_on_a_SMETS2_Device_or_without_its_code()
    {
        async Task<(HttpStatusCode, string)> Post(Eui device, string json)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var answer = await _instance.Http.PostAsync(new Uri(_instance.Server.BaseAddress, DeviceEventEndpoints.DevicePath(device)), content, Ct);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct));
        }
        Assert.Equal((HttpStatusCode.BadRequest, "device-alert needs --alert-code."), await Post(Esme, """{"kind":"device-alert"}"""));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, $"device-alert happens on a SMETS1 Device; Device {DemoEnvironment.Esme} is SMETS2+."),
            await Post(DemoEnvironment.Esme, """{"kind":"device-alert","alertCode":"0x8F35"}"""));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, $"device-alert happens on a Device of type ESME or GSME or CHF or GPF or PPMID; Device {DemoEnvironment.Hcalcs} is of type HCALCS."),
            await Post(DemoEnvironment.Hcalcs, """{"kind":"device-alert","alertCode":"0x8F35"}"""));
    }

    [Theory]
    [InlineData("4.6.1", "<sr:DSPRetrieveImportDailyReadLog><sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime><sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>", "RetrieveImportDailyReadLogRsp")]
    [InlineData("4.14", "<sr:DSPReadPrepaymentDailyReadLog><sr:StartDateOffset>-7</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime><sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPReadPrepaymentDailyReadLog>", "ReadPrepaymentDailyReadLogRsp")]
    public async Task A_DCC_Schedule_of_a_SMETS1_Device_fires_and_its_response_arrives_in_the_SMETS1_form_with_its_DSPScheduleID(string variant, string body, string rsp)
    {
        // 5.1 Create Schedule for the demo SMETS1 ESME, starting in two days. (4.2, DCC Schedulable for SMETS1 Devices by MP260, is
        // not in the DUIS 5.4 XSD's sr:DSPScheduledServiceReferenceVariant, so no schema-valid request can schedule it.)
        var start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
        var xml = File.ReadAllText(Path.Combine(RepoPaths.Templates, "ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML"));
        xml = Regex.Replace(xml, "<sr:DSPRetrieveImportDailyReadLog>.*</sr:DSPRetrieveImportDailyReadLog>", body, RegexOptions.Singleline)
            .Replace("<sr:DSPScheduledServiceReference>4.6</sr:DSPScheduledServiceReference>", $"<sr:DSPScheduledServiceReference>{ServiceReferenceVariant.Parse(variant).Reference}</sr:DSPScheduledServiceReference>", StringComparison.Ordinal)
            .Replace("<sr:DSPScheduledServiceReferenceVariant>4.6.1</sr:DSPScheduledServiceReferenceVariant>", $"<sr:DSPScheduledServiceReferenceVariant>{variant}</sr:DSPScheduledServiceReferenceVariant>", StringComparison.Ordinal)
            .Replace("<sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID>", $"<sr:DeviceID>{Esme}</sr:DeviceID>", StringComparison.Ordinal)
            .Replace("<sr:ScheduleStartDate>2015-01-02</sr:ScheduleStartDate>", $"<sr:ScheduleStartDate>{start:yyyy-MM-dd}</sr:ScheduleStartDate>", StringComparison.Ordinal);
        using var content = new StringContent(ServedRequests.SignWithTool(ServedRequests.WithFreshCounter(xml)), Encoding.UTF8, "application/xml");
        using var created = await _instance.Http.PostAsync(_instance.Server.ServiceUri(WebService.NonDevice), content, Ct);
        var answer = await created.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<sr:ResponseCode>I0</sr:ResponseCode>", answer);
        var scheduleId = Regex.Match(answer, "<sr:DSPScheduleID>([0-9]+)</sr:DSPScheduleID>").Groups[1].Value;

        // The schedule's first occurrence, run by the executor on a clock moved to the start date, into the server's SM WAN.
        var clock = new FakeTimeProvider(new DateTimeOffset(start.ToDateTime(new TimeOnly(0, 1)), TimeSpan.Zero));
        var services = _instance.Server.Services;
        var executor = new Core.Schedules.ScheduleExecutor(_instance.Schedules,
            new Core.AccessControl.AccessPipeline(await Core.AccessControl.SmiCacheAccessSnapshot.LoadAsync(_instance.Cache, Ct), new Core.AccessControl.InMemoryRequestLog(clock), clock),
            services.GetRequiredService<Core.Requests.IDeviceNetwork>(),
            new OpenDuis.Server.Schedules.OutboxScheduleNotices(_instance.Outbox, services.GetRequiredService<SigningKey>(), _ => DuisSchemaVersion.V5_4), clock);
        var fired = Assert.Single(await executor.RunAllDueAsync(Ct), r => r.Occurrence.Id.ToString() == scheduleId);
        Assert.Equal(Core.Schedules.OccurrenceOutcome.Fired, fired.Outcome);

        var delivered = await ReceivedAsync(b => b.Contains($"<sr:RequestID>{fired.Command}</sr:RequestID>", StringComparison.Ordinal));
        var (signed, ra) = CheckAsTheUserWould(delivered);
        Assert.Matches($"<sr:SMETS1ResponseMessage><sr:ServiceReference>[0-9.]+</sr:ServiceReference><sr:ServiceReferenceVariant>{Regex.Escape(variant)}</sr:ServiceReferenceVariant><sr:DSPScheduleID>{scheduleId}</sr:DSPScheduleID>", delivered);
        Assert.NotNull(signed.SelectSingleNode($"//sr:ResponseMessage/ra:SMETSData/ra:{rsp}", ra));
    }

    /// <summary>
    /// Checks a delivered SMETS1 response or alert as a User would: the DSP's signature (and the message) with DCC Boxed's
    /// own tool and OpenDUIS's verifier, I0 with an sr:SMETS1ResponseMessage, the S1SP's signature over its own document by
    /// its own certificate, and libxml2 against both XSD versions with the 128-bit serial numbers (beyond its integers) set aside.
    /// </summary>
    private static (XmlDocument Signed, XmlNamespaceManager Ra) CheckAsTheUserWould(string body)
    {
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(body);
        Assert.True(DuisSignatureVerifier.Verify(doc, OpenDuisInstance.TestKeys.Value, RemotePartyRole.DspXmlSign).IsValid);
        var response = DuisResponse.Read(doc);
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.Equal(ResponseBodyKind.Smets1ResponseMessage, response.BodyKind);
        Assert.DoesNotContain("GBCSPayload", body);

        var signed = Smets1Response.ExtractSignedResponse(doc)!;
        var s1sp = DuisSignatureVerifier.Verify(signed, OpenDuisInstance.TestKeys.Value, RemotePartyRole.XmlSign);
        Assert.True(s1sp.IsValid, s1sp.ToString());
        Assert.Equal(DemoKeySet.Smets1ServiceProviderEui, s1sp.Signer!.Subject);

        foreach (var version in (string[])["5.4", "5.1"])
        {
            var problems = XmlLint(Regex.Replace(body.Replace("schemaVersion=\"5.4\"", $"schemaVersion=\"{version}\""),
                "<ds:X509SerialNumber>[0-9]+</ds:X509SerialNumber>", "<ds:X509SerialNumber>1</ds:X509SerialNumber>"), version);
            Assert.True(problems.Length == 0, $"{version}: {problems}\n{body}");
        }
        var ra = new XmlNamespaceManager(signed.NameTable);
        ra.AddNamespace("ra", DuisNamespaces.ResponseAndAlert);
        ra.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        return (signed, ra);
    }

    [Fact]
    public async Task The_values_are_the_Device_s_own_a_balance_adjusted_is_the_balance_read_and_registers_advance()
    {
        var (_, first) = await SendAsync("ECS17b_4.1.1_REQUEST_DUIS.XML", Esme);
        var (_, second) = await SendAsync("ECS17b_4.1.1_REQUEST_DUIS.XML", Esme);
        Assert.True(ActiveImport(second) >= ActiveImport(first));
        var expected = Network.Devices.Registers.For(Esme, DeviceType.ESME, DateTimeOffset.UtcNow).ActiveImportWh;
        Assert.InRange(ActiveImport(second), expected - 1_000, expected);

        var (_, gas) = await SendAsync("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_REQUEST_DUIS.XML", Gsme);
        Assert.Matches("<ra:Gas><ra:ConsumptionRegister><ra:Value>[0-9]+\\.[0-9]{3}</ra:Value><ra:Unit>m3</ra:Unit>", gas);

        var (_, supply) = await SendAsync("ECS45_7.4_SUCCESS_REQUEST_DUIS.XML", Esme);
        Assert.Contains("<ra:SupplyState>Enabled</ra:SupplyState>", supply);
        var (_, balance) = await SendAsync("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML", Esme);
        Assert.Contains("<ra:MeterBalance>0</ra:MeterBalance>", balance);
    }

    /// <summary>
    /// 4.3 of the SMETS1 ESME and GSME carries every register the MMC's ReadInstantaneousPrepayValuesRsp allows, from the
    /// Device's state (its emergency credit and debts zero, as the SMETS2+ meters'); a 1.5 adjustment shows in the next 4.3.
    /// </summary>
    [Theory]
    [InlineData("ECS", "ECS19_4.3_SUCCESS_REQUEST_DUIS.XML", "ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML")]
    [InlineData("GCS", "GCS14_4.3_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML", "GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML")]
    public async Task A_4_3_read_carries_every_prepayment_register_and_a_1_5_adjustment_shows_in_the_next(string prefix, string read, string adjust)
    {
        var device = prefix == "ECS" ? Esme : Gsme;
        var (_, before) = await SendAsync(read, device);
        var (adjustId, adjusted) = await SendCriticalAsync(adjust, device);
        Assert.NotNull(CheckAsTheUserWould(adjusted).Signed);
        var (_, after) = await SendAsync(read, device, counterAbove: adjustId.Counter);
        CheckAsTheUserWould(after);
        var adjustment = long.Parse(Regex.Match(File.ReadAllText(Path.Combine(RepoPaths.Templates, adjust)), "<sr:AdjustMeterBalance>(-?[0-9]+)<").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(PrepaymentBalance(before) + adjustment, PrepaymentBalance(after));
    }

    /// <summary>The meter balance of a 4.3 response, which carries all six registers in the MMC's order.</summary>
    private static long PrepaymentBalance(string body)
    {
        var registers = Regex.Match(body, "<ra:ReadInstantaneousPrepayValuesRsp MessageSuccess=\"true\"><ra:EmergencyCreditBalance>0</ra:EmergencyCreditBalance>"
            + "<ra:AccumulatedDebtRegister>0</ra:AccumulatedDebtRegister><ra:PaymentDebtRegister>0</ra:PaymentDebtRegister><ra:TimeDebtRegister1>0</ra:TimeDebtRegister1>"
            + "<ra:TimeDebtRegister2>0</ra:TimeDebtRegister2><ra:MeterBalance>(-?[0-9]+)</ra:MeterBalance></ra:ReadInstantaneousPrepayValuesRsp>");
        Assert.True(registers.Success, body);
        return long.Parse(registers.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The demo supplier where one of its roles may send the request to a SMETS1 Device, else the demo network operator.</summary>
    private static Eui SenderFor(ServiceRequestDefinition definition) =>
        new[] { UserRole.ImportSupplier, UserRole.ExportSupplier, UserRole.GasSupplier }.Any(r => definition.IsEligible(r, DeviceGeneration.Smets1))
            ? DemoEnvironment.Supplier : DemoEnvironment.NetworkOperator;

    private static ulong ActiveImport(string body) =>
        ulong.Parse(Regex.Match(body, "<ra:ActiveImportRegister><ra:Value>([0-9]+)</ra:Value>").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends the RTDS template to the SMETS1 Device as the demo supplier; the response delivered to the supplier's endpoint.</summary>
    /// <param name="counterAbove">A Request ID counter the request's must exceed (E63: a SMETS1 Device's counters rise per originator).</param>
    private async Task<(RequestId RequestId, string Body)> SendAsync(string template, Eui device, Eui? sender = null, ulong? counterAbove = null)
    {
        var xml = File.ReadAllText(Path.Combine(RepoPaths.Templates, template));
        var original = RequestId.Parse(Regex.Match(xml, "<sr:RequestID>([^<]+)</sr:RequestID>").Groups[1].Value);
        xml = xml.Replace(original.Target.ToString(), device.ToString()).Replace(original.Originator.ToString(), (sender ?? DemoEnvironment.Supplier).ToString());
        // A SMETS1 Service Request goes On Demand (CV 1): the S1SP offers no Command for Local Delivery (E61).
        xml = Regex.Replace(ServedRequests.WithFreshCounter(xml), "<sr:CommandVariant>[0-9]</sr:CommandVariant>", "<sr:CommandVariant>1</sr:CommandVariant>");
        if (counterAbove is { } above)
            xml = Regex.Replace(xml, "(<sr:RequestID>[^<]+:)[0-9]+(</sr:RequestID>)", m => $"{m.Groups[1].Value}{above + 1}{m.Groups[2].Value}");
        var requestId = RequestId.Parse(Regex.Match(xml, "<sr:RequestID>([^<]+)</sr:RequestID>").Groups[1].Value);
        using var content = new StringContent(ServedRequests.SignWithTool(xml), Encoding.UTF8, "application/xml");
        using var answer = await _instance.Http.PostAsync(_instance.Server.ServiceUri(WebService.SendCommand), content, Ct);
        var ack = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(ack.Contains("<sr:ResponseCode>I99</sr:ResponseCode>", StringComparison.Ordinal), ack);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_received.TryGetValue(requestId.ToString(), out var body)) return (requestId, body);
            await Task.Delay(20, Ct);
        }
        throw new TimeoutException($"No response to {requestId} within 30 s.");
    }

    /// <summary>
    /// Sends a Critical RTDS template to the SMETS1 Device as the demo supplier as DUIS has it: its Transform (CV 4), then the
    /// Signed Pre-Command of the Pre-Command the DCC returns; the response delivered for it.
    /// </summary>
    private async Task<(RequestId RequestId, string Body)> SendCriticalAsync(string template, Eui device)
    {
        var xml = File.ReadAllText(Path.Combine(RepoPaths.Templates, template));
        var original = RequestId.Parse(Regex.Match(xml, "<sr:RequestID>([^<]+)</sr:RequestID>").Groups[1].Value);
        xml = ServedRequests.WithFreshCounter(xml.Replace(original.Target.ToString(), device.ToString()).Replace(original.Originator.ToString(), DemoEnvironment.Supplier.ToString()));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var transform = DuisRequest.Read(doc);
        var preCommand = await Requests.DeviceResponsesOverHttpTests.PostAsync(_instance, ServedRequests.SignWithTool(xml));
        var signed = ServedRequests.SignedPreCommandRequest(transform, preCommand);
        var signedDoc = new XmlDocument();
        signedDoc.LoadXml(signed);
        var requestId = DuisRequest.Read(signedDoc).RequestId;
        Assert.Equal(ResponseCode.I99, (await Requests.DeviceResponsesOverHttpTests.PostAsync(_instance, signed)).ResponseCode);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_received.TryGetValue(requestId.ToString(), out var body)) return (requestId, body);
            await Task.Delay(20, Ct);
        }
        throw new TimeoutException($"No response to {requestId} within 30 s.");
    }

    /// <summary>The first message delivered to the listener that <paramref name="match"/> accepts, within 30 s.</summary>
    private async Task<string> ReceivedAsync(Func<string, bool> match)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_all.FirstOrDefault(match) is { } body) return body;
            await Task.Delay(20, Ct);
        }
        throw new TimeoutException("No such message within 30 s.");
    }

    /// <summary>xmllint --schema on a copy of the official XSDs under names without spaces (libxml2 does not resolve the spaced import).</summary>
    private static string XmlLint(string xml, string version)
    {
        var folder = Directory.CreateTempSubdirectory("openduis-xmllint-").FullName;
        try
        {
            var source = RepoPaths.ReferencePath("duis-xsd", version);
            File.WriteAllText(Path.Combine(folder, "duis.xsd"), File.ReadAllText(Path.Combine(source, $"DUIS Schema V{version}.xsd")).Replace($"MMC Schema V{version}.xsd", "mmc.xsd"));
            File.Copy(Path.Combine(source, $"MMC Schema V{version}.xsd"), Path.Combine(folder, "mmc.xsd"));
            File.Copy(Path.Combine(source, "xmldsig-core-schema.xsd"), Path.Combine(folder, "xmldsig-core-schema.xsd"));
            File.WriteAllText(Path.Combine(folder, "message.xml"), xml);
            var psi = new ProcessStartInfo("xmllint") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["--noout", "--schema", Path.Combine(folder, "duis.xsd"), Path.Combine(folder, "message.xml")]) psi.ArgumentList.Add(a);
            Process lint;
            try { lint = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception) { throw Prerequisite.Missing("xmllint (Debian libxml2-utils)"); }
            using (lint)
            {
                var output = lint.StandardError.ReadToEnd() + lint.StandardOutput.ReadToEnd();
                lint.WaitForExit();
                return lint.ExitCode == 0 ? "" : output;
            }
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
