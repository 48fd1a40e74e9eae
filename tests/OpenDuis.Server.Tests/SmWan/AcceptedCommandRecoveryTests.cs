using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Network;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;
using OpenDuis.TestSupport;
using static OpenDuis.TestSupport.SmWanServer;

namespace OpenDuis.Server.Tests.SmWan;

/// <summary>
/// The durable command queue across a stop of the server with commands still waiting for their
/// devices: a sequence, a held Future Dated (DSP) request and a plain one are all executed after the
/// restart, in order, their Request IDs end (no E55 afterwards), and a command the DCC would already
/// have given up on ends in its CommandFailure DCC Alert (E21). Real HTTP, the ZAZ1 keys signed by the
/// DCC Boxed tool, the data folder's SQLite database.
/// </summary>
public sealed class AcceptedCommandRecoveryTests : IAsyncDisposable
{
    private const string Read = "ECS17b_4.1.1_SINGLE_SUCCESS";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly DataFolder _folder = new(Directory.CreateTempSubdirectory("openduis-recovery-").FullName);
    private ResponseListener _listener = null!;

    private async Task InitialiseAsync()
    {
        _listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var keys = Directory.CreateDirectory(Path.Combine(_folder.Path, "zaz1")).FullName;
        File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(keys, "zaz1-keystore.json"));
        await using var store = (await _folder.InitialiseAsync(new DataFolderSettings { Keys = keys }, Ct)).Store;
        var supplier = (await store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await store.SaveUserAsync(supplier with { ResponseEndpoint = _listener.Address }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null) await _listener.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder.Path, true); } catch (IOException) { }
    }

    private async Task<(DataFolderHost Host, DuisServer Server)> StartAsync(TimeSpan latency, SmWanExecutionOptions? execution = null)
    {
        var host = await DataFolderHost.OpenAsync(_folder, TimeProvider.System, Ct);
        var server = await DuisServer.StartAsync(FastDelivery.Server(pollMs: 20, lease: TimeSpan.FromSeconds(5)), services =>
        {
            services.AddOpenDuis(host).AddSmWan(o =>
            {
                o.Network = new EmulatedSmWanOptions { Latency = latency };
                if (execution is not null) o.Execution = execution;
            });
        }, Ct);
        return (host, server);
    }

    private static async Task StopAsync((DataFolderHost Host, DuisServer Server) running)
    {
        await running.Server.DisposeAsync();
        await running.Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_sequence_a_held_Future_Dated_request_and_a_plain_one_waiting_at_the_stop_are_executed_after_the_restart_and_end()
    {
        await InitialiseAsync();
        var first = Request(Read, firstInSequence: true);
        var second = Request(Read, preceding: IdOf(first));
        var held = Request(Read, executeAt: DateTimeOffset.UtcNow.AddSeconds(4));
        var plain = Request(Read);
        var signed = new[] { first, second, held, plain }.Select(r => ServedRequests.SignWithTool(r.OuterXml)).ToList();

        // Devices that would take a minute: nothing is answered before the stop.
        var running = await StartAsync(TimeSpan.FromMinutes(1));
        foreach (var body in signed) Assert.Equal(ResponseCode.I99, await PostAsync(running.Server, body));
        await StopAsync(running);
        Assert.False(_listener.Received.TryPeek(out _));

        running = await StartAsync(TimeSpan.FromMilliseconds(10));
        try
        {
            var answers = await ReceiveAsync([IdOf(first), IdOf(second), IdOf(held), IdOf(plain)]);
            foreach (var (id, response) in answers)
            {
                Assert.True(response.ResponseCode == ResponseCode.I0 && response.Alert is null, $"{id}: {response.ResponseCode}");
                // The same Response ID as the first execution would have had.
                Assert.Equal(new RequestId(id.Target, id.Originator, id.Counter), response.ResponseId);
            }
            Assert.True(answers[IdOf(first)].ResponseDateTime <= answers[IdOf(second)].ResponseDateTime, "the sequence ran out of order");
            // Their leases ended in the request log: no longer in progress, so the Request ID is free again.
            foreach (var id in answers.Keys)
                Assert.True(running.Host.RequestLog.TryGet(id, out var entry) && entry.State == RequestState.Succeeded, $"{id}: {entry.State}");
            Assert.Equal(ResponseCode.I99, await PostAsync(running.Server, signed[3]));
        }
        finally { await StopAsync(running); }
    }

    [Fact]
    public async Task A_command_older_than_the_Response_Timeout_at_the_restart_ends_in_its_CommandFailure_alert_E21()
    {
        await InitialiseAsync();
        var execution = new SmWanExecutionOptions { ResponseTimeout = TimeSpan.FromSeconds(1) };
        var plain = Request(Read);
        var running = await StartAsync(TimeSpan.FromMinutes(1), execution);
        Assert.Equal(ResponseCode.I99, await PostAsync(running.Server, ServedRequests.SignWithTool(plain.OuterXml)));
        await StopAsync(running);
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);

        running = await StartAsync(TimeSpan.FromMilliseconds(10), execution);
        try
        {
            var alert = (await ReceiveAsync([IdOf(plain)]))[IdOf(plain)];
            Assert.Equal(ResponseCode.E21, alert.ResponseCode);
            Assert.NotNull(alert.Alert);
            // No response from the Device: kept as such, so a sequenced successor fails E47 (DUIS 3.4.3).
            Assert.True(running.Host.RequestLog.TryGet(IdOf(plain), out var entry) && entry.State == RequestState.NoDeviceResponse, $"{entry.State}");
        }
        finally { await StopAsync(running); }
    }

    [Fact]
    public async Task A_kept_command_that_cannot_be_read_back_at_the_restart_ends_in_its_CommandFailure_alert_E20_not_in_silence()
    {
        await InitialiseAsync();
        var plain = Request(Read);
        var running = await StartAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(ResponseCode.I99, await PostAsync(running.Server, ServedRequests.SignWithTool(plain.OuterXml)));
        await StopAsync(running);
        // A damaged row: its request is no longer XML.
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.SqlitePath}"))
        {
            await c.OpenAsync(Ct);
            await using var damage = c.CreateCommand();
            damage.CommandText = "UPDATE device_commands SET request_xml = X'3C5265717565737420' WHERE request_id = $id";
            damage.Parameters.AddWithValue("$id", IdOf(plain).ToString());
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Ct));
        }

        running = await StartAsync(TimeSpan.FromMilliseconds(10));
        try
        {
            var alert = (await ReceiveAsync([IdOf(plain)]))[IdOf(plain)];
            // Never delivered to the Device: E20, in the CommandFailure an On Demand command to an ESME gets (N3).
            Assert.Equal(ResponseCode.E20, alert.ResponseCode);
            Assert.Equal("N3", alert.Alert?.Code.ToString());
            Assert.True(running.Host.RequestLog.TryGet(IdOf(plain), out var entry) && entry.State == RequestState.Failed, $"{entry.State}");
            Assert.Equal(ResponseCode.I99, await PostAsync(running.Server, ServedRequests.SignWithTool(plain.OuterXml)));
        }
        finally { await StopAsync(running); }
    }

    [Fact]
    public async Task A_device_request_that_cannot_be_recorded_is_answered_HTTP_503_with_the_reason_never_I99()
    {
        await InitialiseAsync();
        var running = await StartAsync(TimeSpan.FromMilliseconds(10));
        try
        {
            // The database refuses the command queue's write (its table gone): a real storage failure, not a stand-in.
            await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.SqlitePath}"))
            {
                await c.OpenAsync(Ct);
                await using var drop = c.CreateCommand();
                drop.CommandText = "DROP TABLE device_commands";
                await drop.ExecuteNonQueryAsync(Ct);
            }
            using var http = new HttpClient();
            using var content = new StringContent(ServedRequests.SignWithTool(Request(Read).OuterXml), Encoding.UTF8, "application/xml");
            using var response = await http.PostAsync(running.Server.ServiceUri(WebService.SendCommand), content, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("could not be recorded", body);
            Assert.DoesNotContain("I99", body);
        }
        finally { await StopAsync(running); }
    }

    /// <summary>The first message delivered for each of <paramref name="ids"/> (a Service Response or a DCC Alert naming it).</summary>
    private async Task<Dictionary<RequestId, DuisResponse>> ReceiveAsync(IReadOnlyCollection<RequestId> ids)
    {
        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(30));
        var found = new Dictionary<RequestId, DuisResponse>();
        while (found.Count < ids.Count)
        {
            var message = await _listener.Received.ReadAsync(within.Token);
            var document = new XmlDocument { PreserveWhitespace = true };
            document.LoadXml(Encoding.UTF8.GetString(message.Body));
            var response = DuisResponse.Read(document);
            if (response.RequestId is { } id && ids.Contains(id)) found.TryAdd(id, response);
        }
        return found;
    }

    private static Task<ResponseCode> PostAsync(DuisServer server, string signed) => RequestLogRestartTests.PostAsync(server, signed);
}
