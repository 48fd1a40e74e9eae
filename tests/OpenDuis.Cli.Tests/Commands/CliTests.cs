using System.Diagnostics;
using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Delivery;
using OpenDuis.Storage;
using OpenDuis.Storage.Outbox;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary>
/// The <c>openduis</c> command as a separate process: <c>serve</c> on a fresh data folder,
/// <c>send</c> a template, <c>users endpoint</c>, and a server killed with SIGKILL mid-delivery.
/// </summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly OpenduisProcesses _cli = new("openduis-cli-");
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Process Start(params string[] args) => _cli.Start(args);

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) => _cli.RunAsync(args);

    private static int FreePort() => OpenduisProcesses.FreePort();

    private Task<Process> ServeAsync(int port) => _cli.ServeAsync(port);

    [Fact]
    public async Task Serve_initialises_a_fresh_data_folder_and_send_prints_the_verified_answer()
    {
        var port = FreePort();
        await ServeAsync(port);

        var (code, output) = await RunAsync("send", "ECS17b_4.1.1_SINGLE_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _data);

        Assert.True(code == 0, output);
        Assert.Contains("/api/v1/serviceS", output);
        Assert.Contains("← I99", output);
        Assert.Contains("signature verified", output);
    }

    [Fact]
    public async Task Serve_runs_the_emulated_SM_WAN_so_a_sent_device_request_is_answered_at_the_Users_endpoint()
    {
        var port = FreePort();
        await ServeAsync(port);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (code, output) = await RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _data);
        Assert.True(code == 0, output);

        (code, output) = await RunAsync("send", "ECS17b_4.1.1_SINGLE_SUCCESS", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _data);
        Assert.True(code == 0, output);
        Assert.Contains("← I99", output);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString((await listener.Received.ReadAsync(timeout.Token)).Body));
        var response = DuisResponse.Read(doc);
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.Equal("GBCSPayload", response.Message!.Payload!.LocalName);
        Assert.Equal((ushort)0x0027, OpenDuis.Gbcs.GbcsMessage.Read(Convert.FromBase64String(response.Message.Payload.InnerText)).MessageCode);
    }

    [Fact]
    public async Task Send_of_a_Non_Device_template_goes_to_serviceD_and_prints_I0()
    {
        var port = FreePort();
        await ServeAsync(port);

        var (code, output) = await RunAsync("send", "8.2_READ_INVENTORY", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates, "--data", _data);

        Assert.True(code == 0, output);
        Assert.Contains("/api/v1/serviceD", output);
        Assert.Contains("← I0", output);
        Assert.Contains("DSPInventory", output);
    }

    [Fact]
    public async Task Users_endpoint_refuses_an_unknown_user_and_a_relative_url()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).ExitCode);
        var unknown = await RunAsync("users", "endpoint", "00-11-22-33-44-55-66-77", "http://127.0.0.1:1/", "--data", _data);
        var relative = await RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), "responses", "--data", _data);

        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("not known", unknown.Output);
        Assert.Equal(1, relative.ExitCode);
        Assert.Contains("absolute http or https URL", relative.Output);
    }

    [Fact]
    public async Task Server_killed_mid_delivery_and_restarted_delivers_everything()
    {
        var port = FreePort();
        var first = await ServeAsync(port);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0,
            async _ => { await Task.Delay(100, Ct); return 200; }, cancellationToken: Ct);
        var (code, output) = await RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _data);
        Assert.True(code == 0, output);

        // Service Responses written into the server's outbox, signed with the data folder's DSP key.
        var folder = new DataFolder(_data);
        var dsp = KeyStore.Load(folder.ReadSettings().Keys!).FindXmlSigningKey(DemoKeySet.DspEui)!;
        var outbox = await SqliteOutboxStore.OpenAsync(folder.SqlitePath, TimeProvider.System, Ct);
        var sent = new List<OutboxEntry>();
        var baseCounter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        for (var r = 0; r < 3; r++)
            for (var n = 0; n < 10; n++)
            {
                var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, baseCounter + (ulong)r);
                var responseId = new RequestId(DemoKeySet.DspEui, DemoEnvironment.Supplier, baseCounter + (ulong)(r * 100 + n));
                var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request, responseId, ResponseCode.I0, DateTimeOffset.UtcNow,
                    ServiceReference.Parse("4.1"), ServiceReferenceVariant.Parse("4.1.1"), null);
                sent.Add(OutboxEntry.ForRequest(request, responseId.ToString(), OutboxKind.ServiceResponse,
                    DuisSigner.SignAndSerialise(response.ToXmlDocument(), dsp)));
            }
        await outbox.EnqueueAsync(sent, Ct);

        var arrived = new HashSet<string>();
        while (arrived.Count < 4) arrived.Add(ResponseIdOf((await listener.Received.ReadAsync(Ct)).Body));
        first.Kill(); // SIGKILL: no graceful stop, leased messages stay leased
        await first.WaitForExitAsync(Ct);
        Assert.True(await outbox.CountUndeliveredAsync(Ct) > 0, "everything was delivered before the kill");

        await ServeAsync(port);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!sent.All(s => arrived.Contains(s.ResponseId)))
            arrived.Add(ResponseIdOf((await listener.Received.ReadAsync(timeout.Token)).Body));

        for (var i = 0; i < 50 && await outbox.CountUndeliveredAsync(Ct) > 0; i++) await Task.Delay(100, Ct);
        Assert.Equal(0, await outbox.CountUndeliveredAsync(Ct));
    }

    private static string ResponseIdOf(byte[] body)
    {
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString(body));
        return DuisResponse.Read(doc).ResponseId!.Value.ToString();
    }
}
