using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Xml;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// Three real <c>openduis serve</c> processes on one PostgreSQL database, started at the same moment,
/// behind a real HAProxy; load through the balancer on eight ESMEs, each owned by one node (its lease in
/// <c>device_leases</c>), so most requests are admitted by a node that hands the command to the Device's
/// owner. Then the node owning the most Devices is killed (SIGKILL) while its commands still wait on the
/// slow devices: every acknowledged request still gets its Service Response (or failure alert) at a real
/// listener, none lost, duplicates with the same ResponseID; the balancer routes around the dead node;
/// its Devices move to the others; and every request's row ends (none left in progress).
/// </summary>
[Collection(nameof(NodeFailoverTests))]
public sealed class NodeFailoverTests : IAsyncDisposable
{
    // Slow enough that the killed node's commands still wait at the kill on a busy machine.
    private const string DeviceLatency = "2500";
    // Short, so a dead node's Devices move within seconds; long enough that a busy machine still renews it (every third).
    private const string NodeLease = "8";
    private const int Requests = 180, AfterTheKill = 45;
    private static readonly string[] Nodes = ["node-a", "node-b", "node-c"];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    // Three nodes starting at once on a busy two-core machine.
    private readonly OpenduisProcesses _cli = new("openduis-failover-") { StartTimeout = TimeSpan.FromSeconds(90) };
    private string? _pgAdmin, _pgSchema;

    public async ValueTask DisposeAsync()
    {
        await _cli.DisposeAsync();
        if (_pgAdmin is not null) await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
    }

    /// <summary>The demo ESMEs and six more on the demo MPAN (registered to the demo Supplier).</summary>
    private static readonly Eui[] Esmes =
        [DemoEnvironment.Esme, DemoEnvironment.EsmeWithApc, .. Enumerable.Range(0, 6).Select(i => Eui.Parse($"00-DB-12-34-56-78-90-B{i}"))];

    [Fact]
    public async Task Kill_9_one_node_of_three_under_load_and_every_acknowledged_request_is_answered_and_its_Devices_move()
    {
        (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        var scoped = new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString();
        var (code, output) = await _cli.RunAsync("init", "--data", _cli.Data, "--postgres", scoped);
        Assert.True(code == 0, output);
        var csv = Path.Combine(_cli.Data, "esmes.csv");
        await File.WriteAllLinesAsync(csv, ["device_id,device_type,generation,smi_status,manufacturer,model,firmware_version,csp_region,han_variant,comms_hub_id,mpxn,uprn,meter_asset_provider,smets1_service_provider,notified_critical_supplier,notified_critical_network_operator",
            .. Esmes.Skip(2).Select(e => $"{e},ESME,SMETS2+,Commissioned,0DB1,ESME,1.0,Central,,{DemoEnvironment.CommsHub},1012345678903,123456789012,,,,")], Ct);
        (code, output) = await _cli.RunAsync("import", "devices", csv, "--data", _cli.Data);
        Assert.True(code == 0, output);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(code == 0, output);

        var sign = ServedRequests.Read411Signer(_cli.Data);
        // Received by the listener: the ResponseIDs each Request ID was answered with (a Service Response's, or a DCC Alert's none).
        var answered = new ConcurrentDictionary<RequestId, ConcurrentBag<string>>();
        using var stopListening = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(stopListening.Token))
            {
                var response = DuisResponse.Read(SecureXml.Default.Load(message.Body));
                if (response.RequestId is { } id) answered.GetOrAdd(id, _ => []).Add(response.ResponseId?.ToString() ?? "");
            }
        }, CancellationToken.None);

        // Started at the same moment.
        var ports = Nodes.Select(_ => OpenduisProcesses.FreePort()).ToArray();
        var nodes = await Task.WhenAll(ports.Select((p, i) =>
            _cli.ServeAsync(p, "--device-latency", DeviceLatency, "--node", Nodes[i], "--node-lease", NodeLease)));
        var front = await SeveralNodesTests.StartBalancerAsync(_cli, ports);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        async Task<(ResponseCode? Code, string? Node)> SendAsync(RequestId id, CancellationToken ct)
        {
            using var content = new ByteArrayContent(sign(id));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            using var response = await http.PostAsync($"http://127.0.0.1:{front.ToString(CultureInfo.InvariantCulture)}{WebService.SendCommand.Path()}", content, ct);
            var node = response.Headers.TryGetValues("X-OpenDuis-Node", out var n) ? n.Single() : null;
            if (response.StatusCode != HttpStatusCode.OK) return (null, node);
            var answer = new XmlDocument { PreserveWhitespace = true };
            answer.LoadXml(await response.Content.ReadAsStringAsync(ct));
            return (DuisResponse.Read(answer).ResponseCode, node);
        }

        var acknowledged = new ConcurrentBag<RequestId>();
        var refused = new ConcurrentBag<string>();
        async Task LoadAsync(int count, ConcurrentBag<string>? answeringNodes)
        {
            var ids = Enumerable.Range(0, count).Select(i => new RequestId(DemoEnvironment.Supplier, Esmes[i % Esmes.Length], Interlocked.Increment(ref counter))).ToList();
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 12, CancellationToken = Ct }, async (id, ct) =>
            {
                var (answer, node) = await SendAsync(id, ct);
                if (answer == ResponseCode.I99) acknowledged.Add(id);
                else refused.Add($"{id}: {answer?.ToString() ?? "HTTP error"} from {node}");
                if (node is not null) answeringNodes?.Add(node);
            });
        }

        await LoadAsync(Requests, null);
        Assert.True(refused.IsEmpty, $"{refused.Count} refused before the kill, e.g. {refused.FirstOrDefault()}");
        await using var db = new NpgsqlConnection(scoped);
        await db.OpenAsync(Ct);
        var owners = (await db.QueryAsync<(string Device, string Owner)>("SELECT device_id, owner FROM device_leases")).ToDictionary(r => r.Device, r => r.Owner);
        Assert.Equal(Esmes.Select(e => e.ToString()).Order(), owners.Keys.Order());
        // The node holding the most Devices dies, with their commands (its own and those handed to it) still waiting.
        var victim = owners.Values.GroupBy(o => o).MaxBy(g => g.Count())!.Key;
        var victimDevices = owners.Where(o => o.Value == victim).Select(o => o.Key).ToList();
        var killed = nodes[Array.IndexOf(Nodes, victim)];
        killed.Kill(entireProcessTree: true);
        await killed.WaitForExitAsync(Ct);
        var answeredBeforeTheKill = acknowledged.Count(answered.ContainsKey);

        // The balancer routes around it: every request after the kill is acknowledged by the others, those for its Devices too.
        var survivors = new ConcurrentBag<string>();
        await LoadAsync(AfterTheKill, survivors);
        Assert.True(refused.IsEmpty, $"{refused.Count} refused after the kill, e.g. {refused.FirstOrDefault()}");
        Assert.DoesNotContain($"node{Array.IndexOf(Nodes, victim) + 1}", survivors);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (acknowledged.Any(id => !answered.ContainsKey(id)) && DateTime.UtcNow < deadline) await Task.Delay(250, Ct);
        var lost = acknowledged.Where(id => !answered.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged requests never answered after {victim} was killed " +
            $"({answeredBeforeTheKill} answered before the kill), e.g. {lost.FirstOrDefault()}\n{await WhereAsync(db, lost)}\n{Logs(nodes)}");
        var twoIds = answered.Where(a => a.Value.Distinct().Count() > 1).Select(a => a.Key).ToList();
        Assert.True(twoIds.Count == 0, $"{twoIds.Count} requests answered with different ResponseIDs, e.g. {twoIds.FirstOrDefault()}");

        // Its Devices moved to live nodes, and every request's row ended with its command (none left in progress).
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        (long Victims, long InProgress, long Queued) left;
        do
        {
            left = await db.QuerySingleAsync<(long, long, long)>(
                "SELECT (SELECT count(*) FROM device_leases WHERE owner = @Victim), " +
                "(SELECT count(*) FROM request_log WHERE state = 'InProgress'), (SELECT count(*) FROM device_commands)", new { Victim = victim });
            if (left == (0, 0, 0)) break;
            await Task.Delay(250, Ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.True(left == (0, 0, 0), $"{left.Victims} Devices still {victim}'s, {left.InProgress} requests still in progress, {left.Queued} commands still queued");
        var moved = await db.QueryAsync<string>("SELECT DISTINCT owner FROM device_leases WHERE device_id = ANY(@Devices)", new { Devices = victimDevices.ToArray() });
        Assert.All(moved, o => Assert.Contains(o, Nodes.Where(n => n != victim)));

        await stopListening.CancelAsync();
        await listening.ContinueWith(_ => { }, CancellationToken.None);
    }

    /// <summary>What the nodes said of taking over, handing over and failing, to say why when the test fails.</summary>
    private string Logs(Process[] nodes) => string.Join("\n", nodes.Select((p, i) => $"{Nodes[i]}:\n" + string.Join("\n",
        _cli.OutputOf(p).Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)
            || l.Contains("taken", StringComparison.OrdinalIgnoreCase) || l.Contains("exception", StringComparison.OrdinalIgnoreCase)).TakeLast(20))));

    /// <summary>Where the lost requests stand in the database, to say why when the test fails.</summary>
    private static async Task<string> WhereAsync(NpgsqlConnection db, IReadOnlyList<RequestId> lost)
    {
        var ids = lost.Take(5).Select(id => id.ToString()).ToArray();
        var lines = new List<string>();
        foreach (var r in await db.QueryAsync("SELECT request_id, state, owner, received_us FROM request_log WHERE request_id = ANY(@Ids)", new { Ids = ids }))
            lines.Add($"request_log {r.request_id} {r.state} owner {r.owner}");
        foreach (var r in await db.QueryAsync("SELECT request_id, owner, handed, lease_until_us FROM device_commands WHERE request_id = ANY(@Ids)", new { Ids = ids }))
            lines.Add($"device_commands {r.request_id} owner {r.owner} handed {r.handed} lease_until_us {r.lease_until_us}");
        foreach (var r in await db.QueryAsync("SELECT ordering_key, kind, attempts, delivered_at, last_error FROM outbox WHERE ordering_key = ANY(@Ids)", new { Ids = ids }))
            lines.Add($"outbox {r.ordering_key} {r.kind} attempts {r.attempts} delivered {r.delivered_at} {r.last_error}");
        foreach (var r in await db.QueryAsync("SELECT device_id, owner, lease_until_us FROM device_leases"))
            lines.Add($"device_leases {r.device_id} {r.owner} {r.lease_until_us}");
        lines.Add($"now_us {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000}");
        return string.Join("\n", lines);
    }
}

/// <summary>Its leases and timings are real seconds: it runs alone, not beside the other suites' servers.</summary>
[CollectionDefinition(nameof(NodeFailoverTests), DisableParallelization = true)]
public sealed class NodeFailoverCollection;
