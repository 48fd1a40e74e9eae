using System.Net;
using System.Net.Http.Json;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.SmWan;
using static OpenDuis.TestSupport.SmWanServer;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// Each fault mode injected through the admin API of a running server, triggered by a signed RTDS
/// request over HTTP: the User is acknowledged I99, then receives, through the outbox, the DCC Alert
/// (or late response) the fault produces, verified as the DSP's and valid against the 5.4 XSD and the
/// DCC Boxed tool.
/// </summary>
[Collection(nameof(SmWanServer))]
public sealed class FaultInjectionOverHttpTests(SmWanServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    private const string Read = "ECS17b_4.1.1_SINGLE_SUCCESS";

    private async Task<DuisResponse> FailureOf(string mode, string? parameter, string template = Read, Eui? device = null)
    {
        var target = device ?? DemoEnvironment.Esme;
        await server.SetFaultAsync(target, mode, parameter);
        try
        {
            var request = Request(template, target);
            var ack = await server.SendAsync(request);
            Assert.Equal(ResponseCode.I99, ack.ResponseCode);
            return await server.ReceiveAsync(IdOf(request), r => r.BodyKind == ResponseBodyKind.DccAlertMessage);
        }
        finally { await server.ClearFaultAsync(target); }
    }

    [Fact]
    public async Task An_unreachable_device_fails_the_command_with_a_CommandFailure_alert_E20()
    {
        var alert = await FailureOf("unreachable", null);
        Assert.Equal(ResponseCode.E20, alert.ResponseCode);
        Assert.Equal("N3", alert.Alert!.Code.Code);
        Assert.Equal(alert.RequestId!.Value.ToString(), Sr(alert, "CommandRequestID"));
        Assert.Equal(DemoEnvironment.Esme.ToString(), Sr(alert, "DeviceID"));
    }

    [Fact]
    public async Task A_device_that_never_answers_fails_the_command_with_E21_after_the_response_timeout()
    {
        var sent = DateTimeOffset.UtcNow;
        var alert = await FailureOf("no-response", null);
        Assert.Equal(ResponseCode.E21, alert.ResponseCode);
        Assert.Equal("N3", alert.Alert!.Code.Code);
        Assert.True(server.FirstDeliveryOf(alert.RequestId!.Value) - sent >= Execution.ResponseTimeout);
    }

    [Fact]
    public async Task A_slow_device_answers_I0_only_after_its_delay()
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "slow", "1200");
        try
        {
            var request = Request(Read);
            var sent = DateTimeOffset.UtcNow;
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            var response = await server.ReceiveAsync(IdOf(request));
            Assert.Equal(ResponseCode.I0, response.ResponseCode);
            Assert.Equal(ResponseBodyKind.ResponseMessage, response.BodyKind);
            Assert.True(server.FirstDeliveryOf(IdOf(request)) - sent >= TimeSpan.FromMilliseconds(1200));
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task A_command_the_CHF_cannot_deliver_to_the_ESME_is_reported_N53_E58()
    {
        var alert = await FailureOf("esme-undeliverable", null);
        Assert.Equal(ResponseCode.E58, alert.ResponseCode);
        Assert.Equal("N53", alert.Alert!.Code.Code);
        Assert.Equal(alert.RequestId!.Value.ToString(), Sr(alert, "CommandRequestID"));
    }

    [Theory]
    [InlineData("0x8F22", null)]
    [InlineData("0x8F24", null)]
    [InlineData("0x8F29", null)]
    [InlineData("0x8F2B", null)]
    [InlineData("0x8F20", "LimitedDutyCycleActionTaken")]
    [InlineData("0x8F2C", "SubGHzChannelChanged")]
    [InlineData("0x8F2D", "MessageDiscardedDueToDutyCycleManagement")]
    public async Task A_Dual_Band_CHF_Sub_GHz_alert_reaches_the_Registered_Supplier_as_N54_E59_beside_the_device_response(string alertCode, string? payload)
    {
        await server.SetFaultAsync(DemoEnvironment.Esme, "dual-band", alertCode);
        try
        {
            var request = Request(Read);
            Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
            // A CHF's alert is about the hub, not the request: it is told apart by its alert code (each case uses its own).
            var alert = await server.ReceiveAsync(r => r.Alert is { Code.Code: "N54" } a
                && a.Content.InnerXml.Contains($">{alertCode[2..]}<", StringComparison.OrdinalIgnoreCase), $"N54 {alertCode}");
            Assert.Equal(ResponseCode.E59, alert.ResponseCode);
            Assert.Equal("N54", alert.Alert!.Code.Code);
            Assert.Equal(alertCode[2..], Sr(alert, "DeviceAlertCode"), ignoreCase: true);
            var dualBand = alert.Alert.Content.LocalName == "DualBandCHAlert" ? alert.Alert.Content
                : alert.Alert.Content.GetElementsByTagName("DualBandCHAlert", DuisNamespaces.ServiceUserGateway).Cast<System.Xml.XmlElement>().Single();
            var children = dualBand.ChildNodes.OfType<System.Xml.XmlElement>().Select(e => e.LocalName).ToList();
            // CHFDeviceID and DeviceAlertCode, then the payload where the alert has one.
            Assert.Equal(payload is null ? ["CHFDeviceID", "DeviceAlertCode"] : ["CHFDeviceID", "DeviceAlertCode", payload], children);
            // The device still answered the command.
            Assert.Equal(ResponseCode.I0, (await server.ReceiveAsync(IdOf(request), r => r.BodyKind == ResponseBodyKind.ResponseMessage)).ResponseCode);
        }
        finally { await server.ClearFaultAsync(DemoEnvironment.Esme); }
    }

    [Fact]
    public async Task A_SMETS1_Service_Provider_error_reaches_the_User_as_N55_E62_with_the_S1SP_Alert()
    {
        var alert = await FailureOf("s1sp-error", "S1SP042", device: Smets1Esme);
        Assert.Equal(ResponseCode.E62, alert.ResponseCode);
        Assert.Equal("N55", alert.Alert!.Code.Code);
        Assert.Equal("S1SP042", Sr(alert, "S1SPAlertCode"));
        Assert.Equal(alert.RequestId!.Value.ToString(), Sr(alert, "RequestID"));
    }

    [Fact]
    public async Task A_SMETS1_top_up_is_answered_with_a_UTRN_in_an_N56_S1SP_Alert()
    {
        var request = Request("CS01a_2.2_SUCCESS", Smets1Esme);
        Assert.Equal(ResponseCode.I99, (await server.SendAsync(request)).ResponseCode);
        var alert = await server.ReceiveAsync(IdOf(request), r => r.BodyKind == ResponseBodyKind.DccAlertMessage);
        Assert.Equal(ResponseCode.I0, alert.ResponseCode);
        Assert.Equal("N56", alert.Alert!.Code.Code);
        Assert.Matches("^[0-9]{20}$", Sr(alert, "UTRN"));
    }

    [Theory]
    [InlineData("E66")]
    [InlineData("E67")]
    [InlineData("E68")]
    [InlineData("E69")]
    [InlineData("E70")]
    [InlineData("E71")]
    public async Task A_CoS_Party_failure_of_Update_Security_Credentials_CoS_is_reported_N27_with_its_code(string code)
    {
        var alert = await FailureOf("cos-party", code, "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS");
        Assert.Equal(ResponseCode.Parse(code), alert.ResponseCode);
        Assert.Equal("N27", alert.Alert!.Code.Code);
        Assert.Equal(alert.RequestId!.Value.ToString(), Sr(alert, "ChangeOfSupplierServiceRequestID"));
    }

    [Fact]
    public async Task The_admin_API_lists_sets_and_clears_faults_and_refuses_what_it_cannot_take_with_the_reason()
    {
        var device = Eui.Parse("00-DB-12-34-56-78-90-A6");
        await server.SetFaultAsync(device, "slow", "250");
        var listed = await server.Http.GetFromJsonAsync(new Uri(server.Server.BaseAddress, DeviceFaultEndpoints.FaultsPath), DeviceFaultJson.Default.DeviceFaultViewArray, Ct);
        Assert.Contains(new DeviceFaultView(device.ToString(), "slow", "250"), listed!);

        async Task<(HttpStatusCode, string)> Post(string eui, string body)
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var answer = await server.Http.PostAsync(new Uri(server.Server.BaseAddress, $"/admin/devices/{eui}/fault"), content, Ct);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct));
        }
        Assert.Equal((HttpStatusCode.BadRequest, "'not-an-eui' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0)."), await Post("not-an-eui", """{"mode":"unreachable"}"""));
        var (status, text) = await Post(device.ToString(), """{"mode":"melting"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'melting' is not a fault mode", text);
        (status, text) = await Post(device.ToString(), """{"mode":"dual-band","parameter":"0x8F21"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("0x8F21 is not a Sub GHz alert", text);
        (status, text) = await Post(device.ToString(), """{"mode":"cos-party","parameter":"E20"}""");
        Assert.Contains("E20 is not a CoS Party failure", text);
        (status, text) = await Post(device.ToString(), """{"mode":"slow","parameter":"-5"}""");
        Assert.Contains("slow needs the delay in milliseconds", text);
        (status, text) = await Post(device.ToString(), "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("is not a fault", text);

        using (var cleared = await server.Http.DeleteAsync(new Uri(server.Server.BaseAddress, DeviceFaultEndpoints.DevicePath(device)), Ct))
            Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        using (var again = await server.Http.DeleteAsync(new Uri(server.Server.BaseAddress, DeviceFaultEndpoints.DevicePath(device)), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal($"Device {device} has no fault.", await again.Content.ReadAsStringAsync(Ct));
        }
    }
}
