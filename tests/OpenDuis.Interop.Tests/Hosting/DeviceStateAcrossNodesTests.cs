using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// What an emulated Device is does not depend on which node runs it (issue 22), with real <c>openduis serve</c>
/// processes on one PostgreSQL database and a real listener for the Service Responses: a balance adjusted (1.5)
/// through one node is read (4.3) through another after the first is killed; a DCC Schedule's occurrence claimed by
/// a node that does not own its Device is executed by the owner; a fault set through one node (the CLI against it)
/// applies on the node that owns the Device, and its clearing too. On SQLite (one node) the balance survives a kill -9
/// and restart.
/// </summary>
[Collection(nameof(NodeFailoverTests))]
public sealed class DeviceStateAcrossNodesTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli = new("openduis-devstate-") { StartTimeout = TimeSpan.FromSeconds(90) };
    private readonly ConcurrentQueue<DuisResponse> _received = new();
    private readonly CancellationTokenSource _stopListening = new();
    private ResponseListener? _listener;
    private Task _listening = Task.CompletedTask;
    private string? _pgAdmin, _pgSchema, _scoped;
    private KeyStore? _keys;
    private DuisSecurity? _security;
    private SigningKey? _supplierKey;
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public async ValueTask DisposeAsync()
    {
        await _stopListening.CancelAsync();
        await _listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_listener is not null) await _listener.DisposeAsync();
        await _cli.DisposeAsync();
        if (_pgAdmin is not null) await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
        _stopListening.Dispose();
    }

    [Fact]
    public async Task A_balance_adjusted_through_one_node_is_read_through_another_after_the_first_is_killed()
    {
        await InitAsync();
        var a = await StartAsync("node-a", "200", "--node-lease", "6");
        var b = await StartAsync("node-b", "200", "--node-lease", "6");

        // 1.5 through node a, which owns the ESME from its first command: a Transform, then the Signed Pre-Command.
        var transform = Template("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML");
        var adjustment = long.Parse(transform.Body.FirstElement("AdjustMeterBalance", DuisNamespaces.ServiceUserGateway)!.InnerText, CultureInfo.InvariantCulture);
        Assert.NotEqual(0, adjustment);
        var adjusted = await SendCriticalAsync(a.Port, transform);
        Assert.Equal(ResponseCode.I0, (await ReceivedAsync(r => r.RequestId == adjusted)).ResponseCode);
        Assert.Equal("node-a", await OwnerAsync(DemoEnvironment.Esme));

        a.Process.Kill(entireProcessTree: true);
        await a.Process.WaitForExitAsync(Ct);

        // 4.3 through node b: once node a's lease has run out the ESME is node b's, and it answers from the kept state.
        var read = Template("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML");
        Assert.Equal(ResponseCode.I99, (await PostAsync(b.Port, read)).ResponseCode);
        var answer = await ReceivedAsync(r => r.RequestId == read.RequestId, TimeSpan.FromSeconds(40));
        Assert.Equal(adjustment, await MeterBalanceAsync(answer));
        Assert.Equal("node-b", await OwnerAsync(DemoEnvironment.Esme));
    }

    [Fact]
    public async Task On_SQLite_a_balance_adjusted_before_a_kill_9_is_read_after_the_restart()
    {
        await InitAsync(postgres: false);
        var node = await StartAsync("node-a", "200");
        var transform = Template("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML");
        var adjustment = long.Parse(transform.Body.FirstElement("AdjustMeterBalance", DuisNamespaces.ServiceUserGateway)!.InnerText, CultureInfo.InvariantCulture);
        var adjusted = await SendCriticalAsync(node.Port, transform);
        Assert.Equal(ResponseCode.I0, (await ReceivedAsync(r => r.RequestId == adjusted)).ResponseCode);
        node.Process.Kill(entireProcessTree: true);
        await node.Process.WaitForExitAsync(Ct);

        node = await StartAsync("node-a", "200");
        var read = Template("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML");
        Assert.Equal(ResponseCode.I99, (await PostAsync(node.Port, read)).ResponseCode);
        Assert.Equal(adjustment, await MeterBalanceAsync(await ReceivedAsync(r => r.RequestId == read.RequestId)));
    }

    [Fact]
    public async Task A_DCC_Schedule_s_occurrence_claimed_by_a_node_that_does_not_own_the_Device_is_executed_by_its_owner()
    {
        await InitAsync();
        // Node a's devices would answer after a minute: an occurrence it executed itself would not be answered in time.
        var a = await StartAsync("node-a", "60000");
        var b = await StartAsync("node-b", "200");
        await OwnAsync(b.Port, "node-b");

        // A daily 4.6.1 on the ESME (5.1 through node a), made due now while node b is stopped, so node a claims it.
        var create = Template("ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML");
        create.Body.FirstElement("ScheduleStartDate", DuisNamespaces.ServiceUserGateway)!.InnerText =
            DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(ResponseCode.I0, (await PostAsync(a.Port, create)).ResponseCode);
        Signal(b.Process, "STOP");
        try
        {
            await using var db = await OpenAsync();
            var dueUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            Assert.Equal(1, await db.ExecuteAsync("UPDATE dcc_schedules SET next_due_us = @dueUs", new { dueUs }));
            // Claimed by node a, its command queued and handed to node b, the Device's owner.
            var clock = Stopwatch.StartNew();
            string? queuedFor = null;
            while (queuedFor != "node-b" && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200, Ct);
                queuedFor = await db.ExecuteScalarAsync<string?>("SELECT owner FROM device_commands WHERE schedule_id IS NOT NULL");
            }
            Assert.Equal("node-b", queuedFor);
        }
        finally
        {
            Signal(b.Process, "CONT");
        }
        var occurrence = await ReceivedAsync(r => r.Message?.ServiceReferenceVariant == ServiceReferenceVariant.Parse("4.6.1"), TimeSpan.FromSeconds(20));
        Assert.Equal(ResponseCode.I0, occurrence.ResponseCode);
        Assert.Equal(DemoEnvironment.Esme, occurrence.RequestId!.Value.Target);
    }

    [Fact]
    public async Task A_fault_set_through_one_node_applies_on_the_node_that_owns_the_Device_and_so_does_its_clearing()
    {
        await InitAsync();
        var a = await StartAsync("node-a", "200");
        var b = await StartAsync("node-b", "200");
        await OwnAsync(b.Port, "node-b");

        // Unreachable, set with the CLI against node a: within a second node b, the owner, fails the ESME's commands E20,
        // those sent to it and those node a hands to it.
        await FaultAsync(a.Port, "set", DemoEnvironment.Esme.ToString(), "unreachable");
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        foreach (var port in new[] { b.Port, a.Port })
        {
            var read = Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
            Assert.Equal(ResponseCode.I99, (await PostAsync(port, read)).ResponseCode);
            Assert.Equal(ResponseCode.E20, (await ReceivedAsync(r => r.RequestId == read.RequestId)).ResponseCode);
        }

        // Cleared through node b: a command node a hands to node b is answered again.
        await FaultAsync(b.Port, "clear", DemoEnvironment.Esme.ToString());
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        var again = Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        Assert.Equal(ResponseCode.I99, (await PostAsync(a.Port, again)).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await ReceivedAsync(r => r.RequestId == again.RequestId)).ResponseCode);
    }

    /// <summary>A data folder on a fresh PostgreSQL schema (or SQLite), the demo Supplier's keys, and a listener as its response endpoint.</summary>
    private async Task InitAsync(bool postgres = true)
    {
        string[] store = [];
        if (postgres)
        {
            (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
            _scoped = new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString();
            store = ["--postgres", _scoped];
        }
        var (code, output) = await _cli.RunAsync(["init", "--data", _cli.Data, .. store]);
        Assert.True(code == 0, output);
        var folder = new DataFolder(_cli.Data);
        _keys = KeyStore.Load(folder.ReadSettings().Keys ?? folder.DefaultKeysPath);
        _security = new DuisSecurity(_keys);
        _supplierKey = _keys.FindXmlSigningKey(DemoEnvironment.Supplier)!;
        _listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), _listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(code == 0, output);
        var listener = _listener;
        _listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(_stopListening.Token))
                _received.Enqueue(DuisResponse.Read(SecureXml.Default.Load(message.Body)));
        }, CancellationToken.None);
    }

    private async Task<(int Port, Process Process)> StartAsync(string node, string latency, params string[] extra)
    {
        var port = OpenduisProcesses.FreePort();
        return (port, await _cli.ServeAsync(port, ["--device-latency", latency, "--node", node, .. extra]));
    }

    /// <summary>An RTDS template from the demo Supplier with a fresh counter (its signature is made when it is sent).</summary>
    private DuisRequest Template(string file)
    {
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.Load(Path.Combine(RepoPaths.Templates, file));
        var t = DuisRequest.Read(doc);
        return new DuisRequest(t.SchemaVersion, t.RequestId with { Counter = ++_counter }, t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body);
    }

    private async Task<DuisResponse> PostAsync(int port, DuisRequest request)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var content = new ByteArrayContent(_security!.SignAndSerialise(request.ToXmlDocument(), _supplierKey!));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await http.PostAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{request.CommandVariant.WebService().Path()}", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {text}");
        return DuisResponse.Read(SecureXml.Default.Load(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A Critical request: its Transform, then the Pre-Command signed with the Supplier's GBCS key from the data folder; the Signed Pre-Command's Request ID.</summary>
    private async Task<RequestId> SendCriticalAsync(int port, DuisRequest transform)
    {
        var preCommand = await PostAsync(port, transform);
        Assert.Equal(ResponseCode.I0, preCommand.ResponseCode);
        var signer = GbcsKeyring.From(_keys!).Find(DemoEnvironment.Supplier, GbcsKeyUsage.DigitalSigning).First(k => k.HasPrivateKey).Signing!;
        var signed = GbcsSecurity.Sign(GbcsMessage.Read(Convert.FromBase64String(preCommand.Message!.Payload!.LastChild!.InnerText)), signer);
        var request = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = ++_counter },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(signed.WriteSigned()));
        Assert.Equal(ResponseCode.I99, (await PostAsync(port, request)).ResponseCode);
        return request.RequestId;
    }

    private async Task<DuisResponse> ReceivedAsync(Func<DuisResponse, bool> which, TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (within ?? TimeSpan.FromSeconds(20)))
        {
            if (_received.FirstOrDefault(which) is { } found) return found;
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"No such message reached the listener; it received {string.Join(", ", _received.Select(r => $"{r.RequestId} {r.ResponseCode}"))}");
        return null!;
    }

    /// <summary>The 4.3 answer's meter balance, its GBCS payload decrypted with the Supplier's keys and the Device's certificate from the data folder.</summary>
    private async Task<long> MeterBalanceAsync(DuisResponse answer)
    {
        Assert.Equal(ResponseCode.I0, answer.ResponseCode);
        var gbcs = Convert.FromBase64String(answer.Message!.Payload!.InnerText);
        using var deviceKeys = await new DataFolder(_cli.Data).OpenDeviceKeysAsync(_keys, cancellationToken: Ct);
        var security = new Gbcs.Mmc.GbcsKeySecurity(GbcsKeyring.From(_keys!, deviceKeys));
        var xml = Regex.Replace(Gbcs.Mmc.MmcRenderer.Render(Gbcs.Parse.GbcsParser.Parse(gbcs), gbcs, security), @">\s+<", "><");
        var balance = Regex.Match(xml, "<ra:MeterBalance>(-?[0-9]+)</ra:MeterBalance>");
        Assert.True(balance.Success, xml);
        return long.Parse(balance.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_scoped);
        await connection.OpenAsync(Ct);
        return connection;
    }

    /// <summary>The ESME read (4.1.1) through the node, the first to queue a command for it: it owns the ESME from then on.</summary>
    private async Task OwnAsync(int port, string node)
    {
        var first = Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        Assert.Equal(ResponseCode.I99, (await PostAsync(port, first)).ResponseCode);
        Assert.Equal(ResponseCode.I0, (await ReceivedAsync(r => r.RequestId == first.RequestId)).ResponseCode);
        Assert.Equal(node, await OwnerAsync(DemoEnvironment.Esme));
    }

    private async Task<string?> OwnerAsync(Eui device)
    {
        await using var db = await OpenAsync();
        return await db.ExecuteScalarAsync<string?>("SELECT owner FROM device_leases WHERE device_id = @Id", new { Id = device.ToString() });
    }

    private async Task FaultAsync(int port, params string[] args)
    {
        var (code, output) = await _cli.RunAsync(["fault", .. args, "--server", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"]);
        Assert.True(code == 0, output);
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
