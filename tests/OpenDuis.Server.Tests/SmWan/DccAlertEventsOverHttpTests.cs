using System.Net;
using System.Net.Http.Json;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Demo;
using OpenDuis.Network;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.SmWan;
using static OpenDuis.TestSupport.SmWanServer;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// Every DCC Alert code raised by the event that defines it, on a running server of its own: a signed
/// RTDS request over HTTP (with a fault injected where the event is a failure), or a device event
/// through the admin API. Each delivered alert is checked as the User would check it (DSP signature,
/// 5.4 XSD, DCC Boxed tool), with its code, recipient and body.
/// </summary>
public sealed class DccAlertEventsOverHttpTests(SmWanServer server) : IClassFixture<SmWanServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Read = "ECS17b_4.1.1_SINGLE_SUCCESS";
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    private static readonly Eui NetworkOperator = DemoEnvironment.NetworkOperator;
    private static readonly Eui Smets1Chf = Eui.Parse("00-DB-12-34-56-78-91-A2");

    private Task<DuisResponse> AlertAsync(string code, Eui recipient, Func<DuisResponse, bool>? match = null) =>
        server.ReceiveAsync(r => r.Alert?.Code.Code == code && r.ResponseId?.Target == recipient && (match is null || match(r)), $"{code} to {recipient}");

    private static bool Carries(DuisResponse alert, string name, string value) =>
        alert.Alert!.Content.GetElementsByTagName(name, DuisNamespaces.ServiceUserGateway).Cast<XmlElement>().Any(e => e.InnerText == value);

    private static XmlDocument WithBody(XmlDocument request, string element, string value)
    {
        var ns = new XmlNamespaceManager(request.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        request.SelectSingleNode($"/sr:Request/sr:Body//sr:{element}", ns)!.InnerText = value;
        return request;
    }

    // ---- CommandFailure (DUIS 3.9.5): the code by the Device the undelivered command was for ----

    [Theory]
    [InlineData(Read, "00-DB-12-34-56-78-90-A0", "N3")]
    [InlineData("CS03B_8.7.2_SUCCESS", "00-DB-12-34-56-78-90-A1", "N11")]
    [InlineData("CCS01_8.11_SUCCESS", "00-DB-12-34-56-78-90-A2", "N15")]
    [InlineData(Read, "00-DB-12-34-56-78-91-A0", "N33")]
    [InlineData("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME", "00-DB-12-34-56-78-90-A3", "N34")]
    [InlineData("CS03A2NonCritical_8.7.2_SUCCESS", "00-DB-12-34-56-78-90-A4", "N35")]
    [InlineData("GCS38_11.2_SUCCESS", "00-DB-12-34-56-78-90-A5", "N36")]
    public async Task A_command_the_device_cannot_be_reached_for_is_reported_with_the_code_of_its_device(string template, string device, string code)
    {
        var target = Eui.Parse(device);
        await server.SetFaultAsync(target, "unreachable");
        try
        {
            var request = Request(template, target);
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(request), r => r.BodyKind == ResponseBodyKind.DccAlertMessage);
            Assert.Equal(code, alert.Alert!.Code.Code);
            Assert.Equal(ResponseCode.E20, alert.ResponseCode);
            Assert.Equal(IdOf(request).Originator, alert.ResponseId!.Value.Target);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "CommandRequestID"));
            Assert.Equal(device, Sr(alert, "DeviceID"));
        }
        finally { await server.ClearFaultAsync(target); }
    }

    [Fact]
    public async Task A_Critical_Command_the_device_cannot_be_reached_for_is_N38_E20()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "unreachable");
        try
        {
            var (id, answer) = await server.SendSignedPreCommandAsync("ECS01d_1.2.2_FUTURE_DATED_SUCCESS", null);
            Assert.Equal(ResponseCode.I99, answer.ResponseCode);
            var alert = await server.ReceiveAsync(id, r => r.BodyKind == ResponseBodyKind.DccAlertMessage);
            Assert.Equal("N38", alert.Alert!.Code.Code);
            Assert.Equal(ResponseCode.E20, alert.ResponseCode);
            Assert.Equal(id.ToString(), Sr(alert, "CommandRequestID"));
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task A_held_Future_Dated_DSP_command_whose_device_was_decommissioned_meanwhile_fails_at_its_time_N41_E5()
    {
        var device = await server.Store.FindDeviceAsync(DemoEnvironment.EsmeWithApc, Ct) ?? throw new InvalidOperationException("no demo ESME with APC");
        // Five seconds ahead: the command must still be held when the Device is decommissioned, after its I99 (which took
        // over two seconds once on a machine loaded by other test runs, so that it ran before and answered I0).
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(5);
        var request = Request(Read, device.Id, executeAt: executeAt);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        await server.Store.SaveDeviceAsync(device with { Status = SmiStatus.Decommissioned }, Ct);
        var decommissioned = DateTimeOffset.UtcNow;
        try
        {
            var alert = await server.ReceiveAsync(IdOf(request));
            Assert.True(alert.Alert is not null,
                $"Expected the N41 DCC Alert, got a {alert.BodyKind} (decommissioned {(executeAt - decommissioned).TotalSeconds:0.0} s before the execution time)");
            Assert.Equal("N41", alert.Alert!.Code.Code);
            Assert.Equal(ResponseCode.E5, alert.ResponseCode);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "CommandRequestID"));
        }
        finally { await server.Store.SaveDeviceAsync(device, Ct); }
    }

    // ---- Alerts a successful device response gives rise to ----

    [Fact]
    public async Task An_Update_HAN_Device_Log_addition_is_answered_and_its_sender_told_N24()
    {
        var request = Request("CCS01_8.11_SUCCESS");
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(IdOf(request), r => r.BodyKind == ResponseBodyKind.ResponseMessage)).ResponseCode);
        var alert = await server.ReceiveAsync(IdOf(request), r => r.Alert is not null);
        Assert.Equal("N24", alert.Alert!.Code.Code);
        Assert.Equal(Supplier, alert.ResponseId!.Value.Target);
        Assert.Equal(IdOf(request).ToString(), Sr(alert, "UpdateHANDeviceLogServiceRequestID"));
    }

    [Fact]
    public async Task An_Update_HAN_Device_Log_addition_whose_device_never_sends_its_join_alert_is_N25()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "no-response");
        try
        {
            var request = Request("CCS01_8.11_SUCCESS");
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(request), r => r.Alert is not null);
            Assert.Equal("N25", alert.Alert!.Code.Code);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "UpdateHANDeviceLogServiceRequestID"));
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task Removing_a_PPMID_joined_to_both_meters_from_the_CHF_log_tells_the_Supplier_N43()
    {
        var request = WithBody(Request("CCS02_8.11_SUCCESS"), "DeviceID", DemoEnvironment.Ppmid.ToString());
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        var alert = await AlertAsync("N43", Supplier);
        Assert.Equal(DemoEnvironment.Ppmid.ToString(), Sr(alert, "PPMIDDeviceID"));
        Assert.Equal(DemoEnvironment.CommsHub.ToString(), Sr(alert, "CHFDeviceID"));
    }

    [Fact]
    public async Task A_successful_Update_Security_Credentials_CoS_is_N26_to_its_sender()
    {
        var request = Request("CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS");
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        var alert = await server.ReceiveAsync(IdOf(request), r => r.Alert is not null);
        Assert.Equal("N26", alert.Alert!.Code.Code);
        Assert.Equal(ResponseCode.I0, alert.ResponseCode);
        Assert.Equal(IdOf(request).ToString(), Sr(alert, "ChangeOfSupplierServiceRequestID"));
    }

    [Fact]
    public async Task Credentials_placed_for_the_Load_Controller_by_the_Supplier_are_reported_to_the_Load_Controller_N42()
    {
        var (id, answer) = await server.SendSignedPreCommandAsync("CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS", null);
        Assert.Equal(ResponseCode.I99, answer.ResponseCode);
        Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(id)).ResponseCode);
        var alert = await AlertAsync("N42", DemoEnvironment.LoadController);
        Assert.Equal(id.Target.ToString(), Sr(alert, "DeviceID"));
        Assert.Equal("LoadController", Sr(alert, "RemotePartyRole"));
        Assert.Equal(2, alert.Alert!.Content.GetElementsByTagName("Certificates", DuisNamespaces.ServiceUserGateway).Count);
    }

    [Fact]
    public async Task A_GSME_firmware_version_read_through_the_GPF_unlike_the_SMI_one_is_N52_to_the_Supplier()
    {
        var first = Request("GCS38_11.2_SUCCESS");
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(first)).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(IdOf(first))).ResponseCode);
        var gsme = await server.Store.FindDeviceAsync(DemoEnvironment.Gsme, Ct) ?? throw new InvalidOperationException("no demo GSME");
        await server.Store.SaveDeviceAsync(gsme with { FirmwareVersion = "0.9" }, Ct);
        try
        {
            var second = Request("GCS38_11.2_SUCCESS");
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(second)).ResponseCode);
            var alert = await AlertAsync("N52", Supplier, r => r.RequestId == IdOf(second));
            Assert.Equal("0.9", Sr(alert, "FirmwareVersionSMI"));
            Assert.Equal(gsme.FirmwareVersion, Sr(alert, "FirmwareVersionDevice"));
            Assert.Equal("GSME", Sr(alert, "DeviceType"));
        }
        finally { await server.Store.SaveDeviceAsync(gsme, Ct); }
    }

    [Theory]
    [InlineData(CspRegion.North, "N18", 0xB0)]
    [InlineData(CspRegion.Central, "N19", 0xB1)]
    [InlineData(CspRegion.South, "N20", 0xB2)]
    [InlineData(CspRegion.North4G, "N21", 0xB3)]
    [InlineData(CspRegion.Central4G, "N22", 0xB4)]
    [InlineData(CspRegion.South4G, "N23", 0xB5)]
    public async Task An_Update_Firmware_the_CSP_of_a_region_cannot_distribute_is_that_regions_FirmwareDistributionFailure(CspRegion region, string code, int last)
    {
        var esme = await server.Store.FindDeviceAsync(DemoEnvironment.Esme, Ct) ?? throw new InvalidOperationException("no demo ESME");
        var device = esme with { Id = new Eui(0x00DB1234567890_00UL + (ulong)last), Region = region };
        await server.Store.SaveDeviceAsync(device, Ct);
        await server.SetFaultAsync(device.Id, "unreachable");
        try
        {
            var request = WithBody(Request("11.1_UPDATE_FIRMWARE"), "DeviceIDList", $"{DemoEnvironment.Esme},{device.Id}");
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(request), r => r.Alert is not null);
            Assert.Equal(code, alert.Alert!.Code.Code);
            Assert.Equal(IdOf(request).Originator, alert.ResponseId!.Value.Target);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "UpdateFirmwareRequestID"));
            Assert.Equal(device.Id.ToString(), Sr(alert, "MeterIDs"));
        }
        finally { await server.ClearFaultAsync(device.Id); }
    }

    [Fact]
    public async Task A_request_beyond_an_attribute_limit_is_quarantined_N48()
    {
        var detector = server.Server.Services.GetRequiredService<AnomalyDetector>();
        var variant = ServiceReferenceVariant.Parse("1.5");
        detector.SetAttributeLimit(new AttributeLimit(variant, "AdjustMeterBalance", 100_000m));
        try
        {
            var request = Request("ECS04a_1.5_SUCCESS");
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var alert = await server.ReceiveAsync(IdOf(request));
            Assert.Equal("N48", alert.Alert!.Code.Code);
            Assert.Equal(IdOf(request).ToString(), Sr(alert, "RequestID"));
            Assert.Matches("^[0-9]+$", Sr(alert, "QuarantineEventRef"));
        }
        finally { detector.RemoveAttributeLimit(variant, "AdjustMeterBalance"); }
    }

    // ---- Spontaneous events, injected through the admin API ----

    private async Task<DeviceEventView> RaiseAsync(Eui device, DeviceEventBody body)
    {
        using var answer = await server.Http.PostAsJsonAsync(new Uri(server.Server.BaseAddress, DeviceEventEndpoints.DevicePath(device)), body,
            DeviceEventJson.Default.DeviceEventBody, Ct);
        var text = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.IsSuccessStatusCode, text);
        return System.Text.Json.JsonSerializer.Deserialize(text, DeviceEventJson.Default.DeviceEventView)!;
    }

    public static TheoryData<string, string, string?, string?, string?, string?, bool, string, string, string> Events => new()
    {
        // kind, device, alert code, firmware version, other device, request id, activated, DCC Alert code, recipient, an element the body carries = value
        { "ppmid-alert", "00-DB-12-34-56-78-90-A4", "0x8F1C", null, null, null, false, "N39", "90-B3-D5-1F-30-01-00-00", "DeviceAlertCode=8F1C" },
        { "ppmid-alert", "00-DB-12-34-56-78-90-A4", "0x8F1D", "PPM00002", null, null, true, "N39", "90-B3-D5-1F-30-01-00-00", "ActivateImageResultCode=ActivationSuccess" },
        { "comms-hub-alert", "00-DB-12-34-56-78-90-A2", "0x8F3E", null, null, null, false, "N62", "90-B3-D5-1F-30-01-00-00", "AlertCode=8F3E" },
        { "comms-hub-alert", "00-DB-12-34-56-78-90-A2", "0x8F3F", "00020001", "00-DB-12-34-56-78-90-A0", null, false, "N62", "90-B3-D5-1F-30-01-00-00", "TransferResponseCode=FileTransferSuccess" },
        { "chf-log-restored", "00-DB-12-34-56-78-90-A2", null, null, "00-DB-12-34-56-78-91-A2", null, false, "N30", "90-B3-D5-1F-30-01-00-00", "OldGPFDeviceID=00-DB-12-34-56-78-91-A3" },
        { "gpf-log-restored", "00-DB-12-34-56-78-90-A2", null, null, "00-DB-12-34-56-78-91-A2", null, false, "N31", "90-B3-D5-1F-30-01-00-00", "NewGPFDeviceID=00-DB-12-34-56-78-90-A3" },
        { "smets1-ch-firmware", "00-DB-12-34-56-78-91-A2", null, "S1CH0002", null, null, false, "N57", "90-B3-D5-1F-30-01-00-00", "FirmwareVersionUpdateStatus=UpdateRequested" },
        { "alcs-configuration-change", "00-DB-12-34-56-78-90-A0", null, null, null, null, false, "N58", "90-B3-D5-1F-30-02-00-00", "ESMEDeviceID=00-DB-12-34-56-78-90-A0" },
        { "firmware-upgrade-requested", "00-DB-12-34-56-78-90-A0", null, "00020002", null, null, false, "N59", "90-B3-D5-1F-30-01-00-00", "FirmwareVersion=00020002" },
        { "csp-firmware-delivered", "00-DB-12-34-56-78-90-A0", null, "00020003", null, "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:4401", false, "N60", "90-B3-D5-1F-30-01-00-00", "CommsHubTransferStatus=Success" },
        { "csp-firmware-failed", "00-DB-12-34-56-78-90-A0", null, "00020004", null, "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:4402", false, "N61", "90-B3-D5-1F-30-01-00-00", "CommsHubTransferStatus=Failure" },
        { "ch-firmware-activated", "00-DB-12-34-56-78-90-A2", null, "CH000002", null, null, false, "N64", "90-B3-D5-1F-30-01-00-00", "FirmwareVersion=CH000002" },
        { "cos-certificate", "00-DB-12-34-56-78-90-A1", null, null, null, null, false, "N65", "90-B3-D5-1F-30-01-00-00", "DeviceID=00-DB-12-34-56-78-90-A1" },
        { "smki-recovery-acb", "00-DB-12-34-56-78-90-A0", null, null, null, null, false, "N44", "90-B3-D5-1F-30-02-00-00", "NetworkOperatorCertificateType=KeyAgreement" },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public async Task A_device_event_raised_through_the_admin_API_reaches_its_recipient_as_its_DCC_Alert(string kind, string device, string? alertCode,
        string? firmwareVersion, string? otherDevice, string? requestId, bool activated, string code, string recipient, string carries)
    {
        var raised = await RaiseAsync(Eui.Parse(device), new DeviceEventBody(kind, alertCode, firmwareVersion, otherDevice, requestId, null, activated ? true : null));
        Assert.Equal(kind, raised.Kind);
        Assert.Contains(new RaisedAlertView(code, recipient), raised.Alerts);
        var (name, value) = (carries.Split('=')[0], carries.Split('=', 2)[1]);
        var alert = await AlertAsync(code, Eui.Parse(recipient), r => Carries(r, name, value));
        Assert.Equal(ResponseCode.I0, alert.ResponseCode);
    }

    [Fact]
    public async Task A_power_outage_on_the_hub_is_AD1_to_the_Network_Operator_and_leaves_the_devices_behind_it_unreachable()
    {
        Eui[] behind = [DemoEnvironment.CommsHub, DemoEnvironment.GasProxy, DemoEnvironment.Esme, DemoEnvironment.Gsme, DemoEnvironment.Ppmid,
            DemoEnvironment.Hcalcs, DemoEnvironment.EsmeWithApc];
        try
        {
            var raised = await RaiseAsync(DemoEnvironment.CommsHub, new DeviceEventBody("power-outage"));
            Assert.Contains(new RaisedAlertView("AD1", NetworkOperator.ToString()), raised.Alerts);
            var alert = await AlertAsync("AD1", NetworkOperator);
            Assert.Equal(DemoEnvironment.CommsHub.ToString(), Sr(alert, "CommsHubDeviceID"));
            Assert.Equal(DemoEnvironment.ElectricityMpan.ToString(), Sr(alert, "MPxN"));

            var faults = await server.Http.GetFromJsonAsync(new Uri(server.Server.BaseAddress, DeviceFaultEndpoints.FaultsPath), DeviceFaultJson.Default.DeviceFaultViewArray, Ct);
            foreach (var device in behind) Assert.Contains(new DeviceFaultView(device.ToString(), "unreachable", null), faults!);
            var request = Request(Read);
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            Assert.Equal(ResponseCode.E20, (await server.ReceiveAsync(IdOf(request))).ResponseCode);
        }
        finally { foreach (var device in behind) await server.ClearFaultAsync(device); }
    }

    [Fact]
    public async Task An_ECoS_alert_about_a_request_reaches_the_requests_sender_N63()
    {
        var about = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:4403");
        var raised = await RaiseAsync(DemoEnvironment.Esme, new DeviceEventBody("ecos-alert", RequestId: about.ToString(), Code: "ECOS017"));
        Assert.Equal([new RaisedAlertView("N63", Supplier.ToString())], raised.Alerts);
        var alert = await AlertAsync("N63", Supplier, r => Carries(r, "ECoSAlertCode", "ECOS017"));
        Assert.Equal(about.ToString(), Sr(alert, "RequestID"));
        Assert.Equal(DemoEnvironment.Esme.ToString(), Sr(alert, "DeviceID"));
    }

    [Fact]
    public async Task A_firmware_activated_on_the_Communications_Hub_is_what_the_hub_then_holds()
    {
        await RaiseAsync(DemoEnvironment.CommsHub, new DeviceEventBody("ch-firmware-activated", FirmwareVersion: "CH000009"));
        Assert.Equal("CH000009", server.Server.Services.GetRequiredService<EmulatedSmWan>().Device(DemoEnvironment.CommsHub)!.FirmwareVersion);
    }

    private static async Task<(int ExitCode, string Output)> OpenduisAsync(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "openduis.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task The_CLI_raises_an_event_on_the_running_server_lists_the_events_and_refuses_bad_input_with_the_reason()
    {
        var at = server.Server.BaseAddress.ToString();
        var (code, output) = await OpenduisAsync("event", "raise", DemoEnvironment.Ppmid.ToString(), "ppmid-alert", "--alert-code", "0x8F77", "--server", at);
        Assert.True(code == 0, output);
        Assert.Contains($"{DemoEnvironment.Ppmid}: ppmid-alert -> N39 to {Supplier}", output);
        await AlertAsync("N39", Supplier, r => Carries(r, "DeviceAlertCode", "8F77"));

        (code, output) = await OpenduisAsync("event", "list");
        Assert.True(code == 0, output);
        Assert.Contains("power-outage", output);
        Assert.Contains("ch-firmware-activated       N64  on SMETS2+ CHF needs --firmware-version", output);

        (code, output) = await OpenduisAsync("event", "raise", DemoEnvironment.Ppmid.ToString(), "ppmid-alert", "--server", at);
        Assert.Equal(2, code);
        Assert.Contains("ppmid-alert needs --alert-code.", output);
        (code, output) = await OpenduisAsync("event", "raise", "A4", "power-outage", "--server", at);
        Assert.Equal(2, code);
        Assert.Contains("'A4' is not a Device ID", output);
        (code, output) = await OpenduisAsync("event", "raise", DemoEnvironment.Esme.ToString(), "power-outage", "--server", at);
        Assert.Equal(1, code);
        Assert.Contains($"The server refused (422): power-outage happens on a Device of type CHF; Device {DemoEnvironment.Esme} is of type ESME.", output);
        (code, output) = await OpenduisAsync("event", "raise", DemoEnvironment.CommsHub.ToString(), "power-outage", "--server", "http://127.0.0.1:1/");
        Assert.Equal(14, code);
        Assert.Contains("No server answers at 127.0.0.1:1", output);
    }

    [Fact]
    public async Task The_admin_API_lists_the_events_and_refuses_what_cannot_happen_with_the_reason()
    {
        var listed = await server.Http.GetFromJsonAsync(new Uri(server.Server.BaseAddress, DeviceEventEndpoints.EventsPath), DeviceEventJson.Default.DeviceEventKindViewArray, Ct);
        Assert.Equal(Network.Events.DeviceEventKinds.Table.Count, listed!.Length);
        Assert.Contains(listed, k => k is { Name: "ppmid-alert", AlertCode: "N39" } && k.Required.SequenceEqual(["--alert-code"]));

        async Task<(HttpStatusCode, string)> Post(string eui, string body)
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var answer = await server.Http.PostAsync(new Uri(server.Server.BaseAddress, $"/admin/devices/{eui}/events"), content, Ct);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct));
        }
        var esme = DemoEnvironment.Esme.ToString();
        Assert.Equal((HttpStatusCode.BadRequest, "'A0' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0)."), await Post("A0", """{"kind":"power-outage"}"""));
        var (status, text) = await Post(esme, """{"kind":"meltdown"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("'meltdown' is not a device event (power-outage, ppmid-alert", text);
        Assert.Equal((HttpStatusCode.BadRequest, "ppmid-alert needs --alert-code."), await Post(DemoEnvironment.Ppmid.ToString(), """{"kind":"ppmid-alert"}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "cos-certificate takes no --firmware-version."), await Post(esme, """{"kind":"cos-certificate","firmwareVersion":"1"}"""));
        (status, text) = await Post(esme, """{"kind":"ppmid-alert","alertCode":"0xZZ"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "--alert-code '0xZZ' is not a two-octet device alert code (hex, e.g. 0x8F1C)."), (status, text));
        Assert.Equal((HttpStatusCode.BadRequest, "--request-id 'x' is not a Request ID (originator:target:counter, DUIS 3.3)."),
            await Post(esme, """{"kind":"ecos-alert","requestId":"x","code":"E1"}"""));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, $"ppmid-alert happens on a Device of type PPMID; Device {esme} is of type ESME."),
            await Post(esme, """{"kind":"ppmid-alert","alertCode":"0x8F1C"}"""));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Device 00-DB-12-34-56-78-9F-FF is not in the Smart Metering Inventory."),
            await Post("00-DB-12-34-56-78-9F-FF", """{"kind":"power-outage"}"""));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, $"smets1-ch-firmware happens on a SMETS1 Device; Device {DemoEnvironment.CommsHub} is SMETS2+."),
            await Post(DemoEnvironment.CommsHub.ToString(), """{"kind":"smets1-ch-firmware","firmwareVersion":"1"}"""));
        (status, text) = await Post(DemoEnvironment.CommsHub.ToString(), """{"kind":"chf-log-restored","otherDevice":"00-DB-12-34-56-78-90-A0"}""");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Device 00-DB-12-34-56-78-90-A0 (--other-device) is not a Communications Hub Function in the Smart Metering Inventory."), (status, text));
        (status, text) = await Post(esme, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("is not an event", text);
    }
}
