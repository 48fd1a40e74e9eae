using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Hosting;

/// <summary>
/// The DCC Alert producers in the running server: Anomaly Detection Thresholds set with
/// <c>openduis anomaly-threshold</c> and enforced by <c>openduis serve</c> (N46), and the emulated
/// SM WAN raising FirmwareVersionMismatch (N49) from a Read Firmware Version response.
/// </summary>
public sealed class DccAlertProducersInServeTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-alerts-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Process Start(params string[] args) => _cli.Start(args);

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) => _cli.RunAsync(args);

    private static int FreePort() => OpenduisProcesses.FreePort();

    private Task ServeAsync(int port) => _cli.ServeAsync(port);

    /// <summary>Messages delivered to the listener, each verified as the DSP's, until one is <paramref name="wanted"/>.</summary>
    private static async Task<DuisResponse> ReceiveUntilAsync(ResponseListener listener, Func<DuisResponse, bool> wanted, KeyStore? keys = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var message = await listener.Received.ReadAsync(timeout.Token);
            var document = SecureXml.Default.Load(message.Body);
            var verified = DuisSignatureVerifier.Verify(document, keys ?? OpenDuisInstance.TestKeys.Value, RemotePartyRole.DspXmlSign);
            Assert.True(verified.IsValid, verified.ToString());
            var response = DuisResponse.Read(document);
            if (wanted(response)) return response;
        }
    }

    [Fact]
    public async Task A_Users_threshold_set_with_the_CLI_quarantines_the_request_beyond_it_in_serve_with_N46()
    {
        var (code, output) = await RunAsync("anomaly-threshold", "set", "--user", DemoEnvironment.Supplier.ToString(), "--variant", "4.1.1",
            "--max", "1", "--period", "01:00:00", "--data", _data);
        Assert.True(code == 0, output);
        (code, output) = await RunAsync("anomaly-threshold", "list", "--data", _data);
        Assert.Contains($"{DemoEnvironment.Supplier} 4.1.1: at most 1 in 01:00:00", output);

        var port = FreePort();
        await ServeAsync(port);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _data);
        Assert.True(code == 0, output);

        for (var i = 0; i < 2; i++)
        {
            (code, output) = await RunAsync("send", "ECS17b_4.1.1_SINGLE_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
                "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _data);
            Assert.True(code == 0, output);
            Assert.Contains("← I99", output);
        }

        // Signed with the data folder's own DSP key.
        var keys = KeyStore.Load(new OpenDuis.Storage.DataFolder(_data).ReadSettings().Keys!);
        var alert = await ReceiveUntilAsync(listener, r => r.Alert is not null, keys);
        Assert.Equal("N46", alert.Alert!.Code.Code);
        Assert.Equal(DemoEnvironment.Supplier, alert.RequestId!.Value.Originator);
    }

    [Fact]
    public async Task An_attribute_limit_set_with_the_CLI_quarantines_a_request_beyond_it_in_serve_with_N48()
    {
        var (code, output) = await RunAsync("anomaly-threshold", "limit", "--variant", "1.5", "--element", "AdjustMeterBalance", "--max", "100000", "--data", _data);
        Assert.True(code == 0, output);
        Assert.Contains("DCC 1.5: AdjustMeterBalance at most 100000", output);
        (code, output) = await RunAsync("anomaly-threshold", "limit", "--variant", "1.5", "--element", "sr:Adjust", "--max", "1", "--data", _data);
        Assert.Equal(1, code);
        Assert.Contains("--element 'sr:Adjust': not the local name of a body element", output);
        (code, output) = await RunAsync("anomaly-threshold", "unlimit", "--variant", "1.5", "--element", "CreditMode", "--data", _data);
        Assert.Equal(3, code);
        Assert.Contains("No attribute limit of CreditMode for 1.5.", output);
        (code, output) = await RunAsync("anomaly-threshold", "list", "--data", _data);
        Assert.Contains("DCC 1.5: AdjustMeterBalance at most 100000", output);

        var port = FreePort();
        await ServeAsync(port);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _data);
        Assert.True(code == 0, output);

        // ECS04a adjusts the balance by 1,200,000: beyond the limit.
        (code, output) = await RunAsync("send", "ECS04a_1.5_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _data);
        Assert.True(code == 0, output);
        Assert.Contains("← I99", output);

        var keys = KeyStore.Load(new OpenDuis.Storage.DataFolder(_data).ReadSettings().Keys!);
        var alert = await ReceiveUntilAsync(listener, r => r.Alert is not null, keys);
        Assert.Equal("N48", alert.Alert!.Code.Code);
        Assert.Equal(DemoEnvironment.Supplier, alert.RequestId!.Value.Originator);

        (code, output) = await RunAsync("anomaly-threshold", "unlimit", "--variant", "1.5", "--element", "AdjustMeterBalance", "--data", _data);
        Assert.True(code == 0, output);
        Assert.Equal("[]", File.ReadAllText(AnomalyAttributeLimitFile.PathIn(_data)).Trim());
    }

    [Theory]
    [InlineData("set", "--variant", "4.1.1", "--max", "1")]
    [InlineData("set", "--dcc", "--user", "90-B3-D5-1F-30-01-00-00", "--variant", "4.1.1", "--max", "1")]
    [InlineData("set", "--dcc", "--variant", "4.1.0", "--max", "1")]
    [InlineData("set", "--dcc", "--variant", "4.1.1", "--max", "-1")]
    [InlineData("set", "--dcc", "--variant", "4.1.1", "--max", "1", "--period", "00:00:00")]
    [InlineData("set", "--user", "not-a-user", "--variant", "4.1.1", "--max", "1")]
    public async Task Anomaly_threshold_refuses_what_is_not_a_threshold(params string[] args)
    {
        var (code, output) = await RunAsync(["anomaly-threshold", .. args, "--data", _data]);
        Assert.True(code == 1, output);
        Assert.False(File.Exists(AnomalyThresholdFile.PathIn(_data)));
    }

    [Fact]
    public async Task Thresholds_of_a_User_and_of_the_DCC_are_kept_listed_and_removed()
    {
        Assert.Equal(0, (await RunAsync("anomaly-threshold", "set", "--user", DemoEnvironment.Supplier.ToString(), "--variant", "4.1.1", "--max", "5", "--data", _data)).ExitCode);
        Assert.Equal(0, (await RunAsync("anomaly-threshold", "set", "--dcc", "--variant", "7.1", "--max", "100", "--period", "00:10:00", "--data", _data)).ExitCode);
        // Setting again replaces the User's threshold for that variant.
        Assert.Equal(0, (await RunAsync("anomaly-threshold", "set", "--user", DemoEnvironment.Supplier.ToString(), "--variant", "4.1.1", "--max", "7", "--data", _data)).ExitCode);

        var kept = AnomalyThresholdFile.Load(_data);
        Assert.Equal(2, kept.Count);
        Assert.Contains(new AnomalyThreshold(null, new OpenDuis.Core.Alerts.VolumeThreshold(ServiceReferenceVariant.Parse("7.1"), 100, TimeSpan.FromMinutes(10))), kept);
        Assert.Contains(new AnomalyThreshold(DemoEnvironment.Supplier, new OpenDuis.Core.Alerts.VolumeThreshold(ServiceReferenceVariant.Parse("4.1.1"), 7, TimeSpan.FromDays(1))), kept);

        var (code, output) = await RunAsync("anomaly-threshold", "remove", "--dcc", "--variant", "7.1", "--data", _data);
        Assert.True(code == 0, output);
        (_, output) = await RunAsync("anomaly-threshold", "list", "--data", _data);
        Assert.DoesNotContain("DCC 7.1", output);
        Assert.Contains($"{DemoEnvironment.Supplier} 4.1.1: at most 7 in 1.00:00:00", output);
    }

    [Fact]
    public async Task A_damaged_thresholds_file_is_refused_with_its_path_by_the_CLI_and_by_serve()
    {
        await File.WriteAllTextAsync(AnomalyThresholdFile.PathIn(_data), "[{\"user\": \"nobody\", \"variant\": \"4.1.1\", \"maxRequests\": 1, \"period\": \"01:00:00\"}]", Ct);

        var (code, output) = await RunAsync("anomaly-threshold", "list", "--data", _data);
        Assert.Equal(2, code);
        Assert.Contains(AnomalyThresholdFile.FileName, output);
        (code, output) = await RunAsync("serve", "--data", _data, "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--smki-port", "0");
        Assert.Equal(1, code);
        Assert.Contains("not a list of Anomaly Detection Thresholds", output);
    }

    [Fact]
    public async Task Removing_a_threshold_that_is_not_set_is_refused()
    {
        var (code, output) = await RunAsync("anomaly-threshold", "remove", "--dcc", "--variant", "4.1.1", "--data", _data);
        Assert.Equal(3, code);
        Assert.Contains("No threshold of the DCC for 4.1.1", output);
    }

    private static readonly Lazy<OpenDuis.Protocol.Schema.DuisSchemas> Schemas = new(() => OpenDuis.Protocol.Schema.DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));

    /// <summary>The server with the emulated SM WAN over a SQLite data folder; the Supplier's endpoint is <paramref name="listener"/>.</summary>
    private async Task<(DuisServer Server, OpenDuis.Storage.Smi.SqliteSmiStore Store)> StartInProcessAsync(ResponseListener listener, string duisVersion = "5.4")
    {
        var delivery = FastDelivery.Options(lease: TimeSpan.FromSeconds(2));
        var store = await OpenDuis.Storage.Smi.SqliteSmiStore.OpenAsync(Path.Combine(_data, "openduis.db"), cancellationToken: Ct);
        await DemoEnvironment.SeedAsync(store, cancellationToken: Ct);
        var outbox = await OpenDuis.Storage.Outbox.SqliteOutboxStore.OpenAsync(Path.Combine(_data, "openduis.db"), TimeProvider.System, Ct);
        var supplier = (await store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await store.SaveUserAsync(supplier with { ResponseEndpoint = listener.Address, DuisVersion = duisVersion }, Ct);
        var snapshot = await OpenDuis.Core.AccessControl.SmiCacheAccessSnapshot.LoadAsync(await OpenDuis.Core.Inventory.SmiCache.LoadAsync(store, Ct), Ct);
        var server = await DuisServer.StartAsync(new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Error, Delivery = delivery },
            services => services.AddOpenDuis(o => { o.Keys = OpenDuisInstance.TestKeys.Value; o.Store = store; o.Outbox = outbox; o.Schemas = Schemas.Value; })
                .AddAccessControl(snapshot)
                .AddSmWan(o => o.Network = new OpenDuis.Network.EmulatedSmWanOptions { Latency = TimeSpan.Zero }), Ct);
        return (server, store);
    }

    private static async Task<RequestId> SendAsync(DuisServer server, string template)
    {
        var (request, answer) = await PostAsync(server, ServedRequests.SignWithTool(ServedRequests.Template(template)));
        Assert.Equal(ResponseCode.I99, answer.ResponseCode);
        return request.RequestId;
    }

    private static async Task<(DuisRequest Request, DuisResponse Answer)> PostAsync(DuisServer server, string signedXml)
    {
        using var http = new HttpClient();
        var request = DuisRequest.Read(SecureXml.Default.Load(Encoding.UTF8.GetBytes(signedXml)));
        using var content = new StringContent(signedXml, Encoding.UTF8, "application/xml");
        using var answer = await http.PostAsync(server.ServiceUri(request.CommandVariant.WebService()), content, Ct);
        return (request, DuisResponse.Read(SecureXml.Default.Load(await answer.Content.ReadAsByteArrayAsync(Ct))));
    }

    [Fact]
    public async Task Activating_firmware_whose_version_is_not_on_the_CPL_raises_N51_to_the_Supplier()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (server, store) = await StartInProcessAsync(listener);
        await using var __ = store;
        await using var _ = server;

        // Activate Firmware is Critical: Transform, then the Signed Pre-Command.
        var (transform, preCommand) = await PostAsync(server, ServedRequests.SignWithTool(ServedRequests.Template("CS06_11.3_IMMEDIATE_SUCCESS")));
        Assert.Equal(ResponseCode.I0, preCommand.ResponseCode);
        var (signed, acknowledged) = await PostAsync(server, ServedRequests.SignedPreCommandRequest(transform, preCommand));
        Assert.Equal(ResponseCode.I99, acknowledged.ResponseCode);

        var alert = await ReceiveUntilAsync(listener, r => r.Alert is not null);
        Assert.Equal("N51", alert.Alert!.Code.Code);
        Assert.Equal(signed.RequestId, alert.RequestId);
        // The emulated device names an activated image's version after the first octets of its hash.
        Assert.Equal("AA758690", alert.Alert.Content["FirmwareVersionDevice", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public async Task A_Read_Firmware_Version_response_unlike_the_SMIs_version_raises_N49_to_the_Supplier()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (server, store) = await StartInProcessAsync(listener);
        await using var __ = store;
        await using var _ = server;
        Task<RequestId> ReadFirmwareAsync() => SendAsync(server, "ECS52_11.2_SUCCESS");

        // The device reports what the SMI holds: a response and no alert.
        var first = await ReadFirmwareAsync();
        var answered = await ReceiveUntilAsync(listener, r => r.RequestId == first);
        Assert.Equal(ResponseCode.I0, answered.ResponseCode);
        Assert.Null(answered.Alert);

        // The SMI now records another version; the device's own (on the CPL as Current) differs from it.
        var esme = (await store.FindDeviceAsync(first.Target, Ct))!;
        await store.SaveDeviceAsync(esme with { FirmwareVersion = "FFFFFFFF" }, Ct);
        var second = await ReadFirmwareAsync();

        // The first response's comparison may run after its delivery, and so against the SMI already changed: only the
        // second read's alert is the one this test is about.
        var alert = await ReceiveUntilAsync(listener, r => r.Alert is not null && r.RequestId == second);
        Assert.Equal("N49", alert.Alert!.Code.Code);
        Assert.Equal(second, alert.RequestId);
        Assert.Equal(esme.FirmwareVersion, alert.Alert.Content["FirmwareVersionDevice", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.Equal("FFFFFFFF", alert.Alert.Content["FirmwareVersionSMI", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public async Task A_device_response_that_exists_in_the_Users_DUIS_5_1_reaches_it_as_the_response_not_N999()
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (server, store) = await StartInProcessAsync(listener, duisVersion: "5.1");
        await using var __ = store;
        await using var _ = server;

        var sent = await SendAsync(server, "ECS17b_4.1.1_SINGLE_SUCCESS");

        var delivered = await ReceiveUntilAsync(listener, r => r.RequestId == sent);
        Assert.Null(delivered.Alert);
        Assert.Equal(ResponseCode.I0, delivered.ResponseCode);
        Assert.Equal("GBCSPayload", delivered.Message!.Payload!.LocalName);
    }

    [Theory]
    [InlineData("5.1", true)]
    [InlineData("5.4", false)]
    public async Task A_device_response_the_Users_DUIS_version_lacks_is_replaced_by_N999_naming_the_request(string userVersion, bool replaced)
    {
        await using var store = await OpenDuis.Storage.Smi.SqliteSmiStore.OpenAsync(Path.Combine(_data, "openduis.db"), cancellationToken: Ct);
        await DemoEnvironment.SeedAsync(store, cancellationToken: Ct);
        var supplier = (await store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await store.SaveUserAsync(supplier with { DuisVersion = userVersion }, Ct);
        var xml = ServedRequests.Template("ECS17b_4.1.1_SINGLE_SUCCESS");
        var request = DuisRequest.Read(SecureXml.Default.Load(Encoding.UTF8.GetBytes(xml)));
        // E081406 is a 5.4 Response Code the 5.1 enumeration lacks.
        var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request.RequestId, null, ResponseCode.Parse("E081406"),
            DateTimeOffset.UtcNow, request.ServiceReference, request.ServiceReferenceVariant, null);
        var sink = new OpenDuis.Core.Alerts.OutboxDccAlertSink(
            await OpenDuis.Storage.Outbox.SqliteOutboxStore.OpenAsync(Path.Combine(_data, "openduis.db"), TimeProvider.System, Ct),
            OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!, TimeProvider.System);
        var alerts = new OpenDuis.Network.DeviceResponseAlerts(sink, new OpenDuis.Core.Alerts.PartyStoreDuisVersions(store), Schemas.Value);

        var n999 = alerts.VersionMismatch(response, request, DemoEnvironment.Supplier, await alerts.VersionOfAsync(DemoEnvironment.Supplier, Ct));

        if (!replaced) { Assert.Null(n999); return; }
        Assert.NotNull(n999);
        Assert.Equal("N999", n999.Code.Code);
        Assert.Equal(request.RequestId, n999.RequestId);
        var written = sink.Build(n999, DuisSchemaVersion.V5_1);
        Assert.True(Schemas.Value.Validate(SecureXml.Default.Load(written.Body)).IsValid);
        Assert.Contains("<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>", Encoding.UTF8.GetString(written.Body));
    }
}
