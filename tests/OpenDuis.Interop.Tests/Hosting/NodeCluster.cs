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
/// Real <c>openduis serve</c> nodes on one PostgreSQL schema of their own, eight ESMEs of the demo Supplier, a real
/// response listener recording every answer by Request ID, and HAProxy in front when asked: what the tests of
/// Device ownership across nodes share. Node processes are killed and the schema dropped on dispose.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli;
    private readonly string _pgAdmin, _pgSchema;
    private readonly ResponseListener _listener;
    private readonly CancellationTokenSource _stopListening;
    private readonly Task _listening;
    private readonly Func<RequestId, byte[]> _sign;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    /// <summary>The demo ESMEs and six more on the demo MPAN (registered to the demo Supplier).</summary>
    public static readonly Eui[] Esmes =
        [DemoEnvironment.Esme, DemoEnvironment.EsmeWithApc, .. Enumerable.Range(0, 6).Select(i => Eui.Parse($"00-DB-12-34-56-78-90-B{i}"))];

    /// <summary>The ResponseIDs each Request ID was answered with at the listener (a DCC Alert without one as "").</summary>
    public ConcurrentDictionary<RequestId, ConcurrentBag<string>> Answered { get; } = new();

    /// <summary>Every message the listener got, in order of arrival.</summary>
    public ConcurrentQueue<DuisResponse> Received { get; } = new();

    /// <summary>Requests acknowledged I99, and those that were not (with why).</summary>
    public ConcurrentBag<RequestId> Acknowledged { get; } = [];
    public ConcurrentBag<string> Refused { get; } = [];

    /// <summary>The nodes' database, scoped to their schema.</summary>
    public string Database { get; }

    public OpenduisProcesses Cli => _cli;

    private NodeCluster(OpenduisProcesses cli, string pgAdmin, string pgSchema, string database, ResponseListener listener, Func<RequestId, byte[]> sign)
    {
        _cli = cli;
        _pgAdmin = pgAdmin;
        _pgSchema = pgSchema;
        Database = database;
        _listener = listener;
        _sign = sign;
        _stopListening = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(_stopListening.Token))
            {
                var response = DuisResponse.Read(SecureXml.Default.Load(message.Body));
                Received.Enqueue(response);
                if (response.RequestId is { } id) Answered.GetOrAdd(id, _ => []).Add(response.ResponseId?.ToString() ?? "");
            }
        }, CancellationToken.None);
    }

    /// <summary>An initialised data folder on a fresh PostgreSQL schema, the eight ESMEs imported, the Supplier's responses to a listener.</summary>
    public static async Task<NodeCluster> StartAsync(string prefix)
    {
        var cli = new OpenduisProcesses(prefix) { StartTimeout = TimeSpan.FromSeconds(90) };
        var (pgAdmin, pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        var scoped = new NpgsqlConnectionStringBuilder(pgAdmin) { SearchPath = pgSchema }.ToString();
        var (code, output) = await cli.RunAsync("init", "--data", cli.Data, "--postgres", scoped);
        Assert.True(code == 0, output);
        var csv = Path.Combine(cli.Data, "esmes.csv");
        await File.WriteAllLinesAsync(csv, ["device_id,device_type,generation,smi_status,manufacturer,model,firmware_version,csp_region,han_variant,comms_hub_id,mpxn,uprn,meter_asset_provider,smets1_service_provider,notified_critical_supplier,notified_critical_network_operator",
            .. Esmes.Skip(2).Select(e => $"{e},ESME,SMETS2+,Commissioned,0DB1,ESME,1.0,Central,,{DemoEnvironment.CommsHub},1012345678903,123456789012,,,,")], Ct);
        (code, output) = await cli.RunAsync("import", "devices", csv, "--data", cli.Data);
        Assert.True(code == 0, output);
        var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", cli.Data);
        Assert.True(code == 0, output);
        return new NodeCluster(cli, pgAdmin, pgSchema, scoped, listener, ServedRequests.Read411Signer(cli.Data));
    }

    /// <summary>Nodes started at the same moment, named as given: their processes and ports.</summary>
    public async Task<(Process Process, int Port)[]> ServeAsync(IReadOnlyList<string> names, params string[] extra)
    {
        var ports = names.Select(_ => OpenduisProcesses.FreePort()).ToArray();
        var processes = await Task.WhenAll(ports.Select((p, i) => _cli.ServeAsync(p, [.. extra, "--node", names[i]])));
        return [.. processes.Zip(ports)];
    }

    public Task<int> BalancerAsync(IEnumerable<int> ports) => SeveralNodesTests.StartBalancerAsync(_cli, ports);

    /// <summary>
    /// A Read Instantaneous Import Registers (4.1.1) to each Device in turn, <paramref name="count"/> in all, 12 at a time, to a
    /// port; through the balancer, the nodes that answered (its header) go to <paramref name="answeringNodes"/>.
    /// </summary>
    public Task LoadAsync(int port, int count, IReadOnlyList<Eui>? devices = null, ConcurrentBag<string>? answeringNodes = null)
    {
        devices ??= Esmes;
        var ids = Enumerable.Range(0, count).Select(i => new RequestId(DemoEnvironment.Supplier, devices[i % devices.Count], Interlocked.Increment(ref _counter))).ToList();
        return Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 12, CancellationToken = Ct }, async (id, ct) =>
        {
            using var content = new ByteArrayContent(_sign(id));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            using var response = await _http.PostAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{WebService.SendCommand.Path()}", content, ct);
            if (response.Headers.TryGetValues("X-OpenDuis-Node", out var node)) answeringNodes?.Add(node.Single());
            ResponseCode? code = null;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var answer = new XmlDocument { PreserveWhitespace = true };
                answer.LoadXml(await response.Content.ReadAsStringAsync(ct));
                code = DuisResponse.Read(answer).ResponseCode;
            }
            if (code == ResponseCode.I99) Acknowledged.Add(id);
            else Refused.Add($"{id}: {code?.ToString() ?? $"HTTP {(int)response.StatusCode}"}");
        });
    }

    /// <summary>Waits until every acknowledged request has reached the listener, or <paramref name="within"/> passed: those still unanswered.</summary>
    public async Task<List<RequestId>> UnansweredAfterAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Acknowledged.Any(id => !Answered.ContainsKey(id)) && DateTime.UtcNow < deadline) await Task.Delay(100, Ct);
        return [.. Acknowledged.Where(id => !Answered.ContainsKey(id))];
    }

    /// <summary>Requests the listener got with two different ResponseIDs (a conflicting write landed).</summary>
    public List<RequestId> AnsweredTwoWays() => [.. Answered.Where(a => a.Value.Distinct().Count() > 1).Select(a => a.Key)];

    public async Task<T> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var db = new NpgsqlConnection(Database);
        return await db.QuerySingleAsync<T>(sql, parameters);
    }

    public async Task<Dictionary<string, string>> DeviceOwnersAsync()
    {
        await using var db = new NpgsqlConnection(Database);
        return (await db.QueryAsync<(string Device, string Owner)>("SELECT device_id, owner FROM device_leases")).ToDictionary(r => r.Device, r => r.Owner);
    }

    /// <summary>Waits until <paramref name="done"/> holds of the database, or <paramref name="within"/> passed: whether it held.</summary>
    public async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await done()) return true;
            await Task.Delay(200, Ct);
        }
        return await done();
    }

    /// <summary>A POSIX signal to a node (the process itself: `dotnet openduis.dll` runs in the host process).</summary>
    public static async Task SignalAsync(Process node, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", node.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>What a node said of taking over, handing over, stepping down and failing, to say why when a test fails.</summary>
    public string Log(Process node) => string.Join("\n", _cli.OutputOf(node).Split('\n').Where(l =>
        l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)
        || l.Contains("taken", StringComparison.OrdinalIgnoreCase) || l.Contains("moved", StringComparison.OrdinalIgnoreCase)
        || l.Contains("stalled", StringComparison.OrdinalIgnoreCase) || l.Contains("exception", StringComparison.OrdinalIgnoreCase)).TakeLast(20));

    public async ValueTask DisposeAsync()
    {
        await _stopListening.CancelAsync();
        await _listening.ContinueWith(_ => { }, CancellationToken.None);
        _stopListening.Dispose();
        _http.Dispose();
        await _cli.DisposeAsync();
        await _listener.DisposeAsync();
        await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema);
    }
}
