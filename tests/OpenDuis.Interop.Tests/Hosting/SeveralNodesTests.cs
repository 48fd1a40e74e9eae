using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// Two real <c>openduis serve</c> processes on one PostgreSQL database, started at the same moment: the
/// same Request ID sent to both at once is accepted I99 by one and refused E55 by the other (DUIS 3.5.10
/// Table 1), because the claim is made in the database, not in either node's memory; and behind a real
/// HAProxy (round robin, health checks on /health) both nodes answer, and when one is killed the
/// balancer routes around it.
/// </summary>
public sealed class SeveralNodesTests : IAsyncDisposable
{
    // Slow devices, so a request is still in process on its node while the other node is asked.
    private const string DeviceLatency = "3000";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli = new("openduis-nodes-");
    private string? _pgAdmin, _pgSchema;

    public async ValueTask DisposeAsync()
    {
        await _cli.DisposeAsync();
        if (_pgAdmin is not null) await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
    }

    /// <summary>A data folder on a fresh PostgreSQL schema, and a signer of 4.1.1 requests from the demo Supplier.</summary>
    private async Task<Func<ulong, byte[]>> InitAsync()
    {
        (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        var (code, output) = await _cli.RunAsync("init", "--data", _cli.Data, "--postgres",
            new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
        Assert.True(code == 0, output);
        var keys = KeyStore.Load(new DataFolder(_cli.Data).ReadSettings().Keys ?? new DataFolder(_cli.Data).DefaultKeysPath);
        var security = new DuisSecurity(keys);
        var supplierKey = keys.FindXmlSigningKey(DemoEnvironment.Supplier)!;
        return counter => security.SignAndSerialise(ServedRequests.Read411(DemoEnvironment.Supplier, DemoEnvironment.Esme, counter).ToXmlDocument(), supplierKey);
    }

    /// <summary>Two nodes on the data folder's database, started at the same moment.</summary>
    private async Task<(int Port, Process Process)[]> StartNodesAsync(int count)
    {
        var ports = Enumerable.Range(0, count).Select(_ => OpenduisProcesses.FreePort()).ToArray();
        var nodes = await Task.WhenAll(ports.Select((p, i) => _cli.ServeAsync(p, "--device-latency", DeviceLatency, "--node", NodeName(i))));
        return [.. ports.Zip(nodes)];
    }

    private static string NodeName(int index) => $"node-{(char)('a' + index)}";

    private static ulong FreshCounter() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    [Fact]
    public async Task Each_node_names_itself_in_health_and_its_log_lines_and_a_bad_name_is_refused_in_one_sentence()
    {
        var sign = await InitAsync();
        var nodes = await StartNodesAsync(2);
        using var http = new HttpClient();
        for (var i = 0; i < nodes.Length; i++)
        {
            var health = await http.GetStringAsync($"http://127.0.0.1:{nodes[i].Port.ToString(CultureInfo.InvariantCulture)}/health", Ct);
            Assert.Contains($"\"node\":\"{NodeName(i)}\"", health, StringComparison.Ordinal);
            Assert.Contains($"node {NodeName(i)}", _cli.OutputOf(nodes[i].Process), StringComparison.Ordinal);
        }
        await ServedRequests.PostAsync(http, nodes[1].Port, sign(FreshCounter()), Ct);
        // The console logger writes from its own queue: the request's line may come a moment after its answer.
        for (var i = 0; i < 50 && !_cli.OutputOf(nodes[1].Process).Contains($"=> node {NodeName(1)}", StringComparison.Ordinal); i++) await Task.Delay(100, Ct);
        Assert.Contains($"=> node {NodeName(1)}", _cli.OutputOf(nodes[1].Process), StringComparison.Ordinal);

        var (code, output) = await _cli.RunAsync("serve", "--data", _cli.Data, "--port", "0", "--node", "node a");
        Assert.Equal(1, code);
        Assert.Equal("--node: 'node a' is not a node name: 1 to 64 letters, digits, '.', '_' or '-'.", output.Trim());
    }

    [Fact]
    public async Task The_same_Request_ID_sent_to_two_nodes_at_once_is_accepted_by_one_and_refused_E55_by_the_other()
    {
        var sign = await InitAsync();
        var nodes = await StartNodesAsync(2);
        using var http = new HttpClient();
        var counter = FreshCounter();
        for (var i = 0UL; i < 10; i++)
        {
            var body = sign(counter + i);
            using var start = new ManualResetEventSlim();
            var sends = nodes.Select(n => Task.Run(async () => { start.Wait(Ct); return await ServedRequests.PostAsync(http, n.Port, body, Ct); })).ToArray();
            start.Set();
            var codes = await Task.WhenAll(sends);
            Assert.True(codes.Count(c => c == ResponseCode.I99) == 1 && codes.Count(c => c == ResponseCode.E55) == 1,
                $"Request {i}: the nodes answered {string.Join(" and ", codes)}");
        }
    }

    [Fact]
    public async Task A_CPL_removal_through_one_node_and_the_status_it_changes_are_seen_by_the_other_within_a_second()
    {
        var sign = await InitAsync();
        var nodes = await StartNodesAsync(2);
        using var http = new HttpClient();
        var counter = FreshCounter();
        Assert.Equal(ResponseCode.I99, await ServedRequests.PostAsync(http, nodes[1].Port, sign(counter++), Ct));

        // The demo ESME's product leaves the CPL through node a: the ESME is Suspended (SEC F2.9), and 4.1.1 is E5.
        async Task ChangeCplAsync(string verb, int through)
        {
            var (code, output) = await _cli.RunAsync("cpl", verb, "--manufacturer", "0DB1", "--model", "ESME", "--firmware-version", "1.0",
                "--server", $"http://127.0.0.1:{nodes[through].Port.ToString(CultureInfo.InvariantCulture)}/");
            Assert.True(code == 0, output);
        }
        async Task<TimeSpan> SeenByAsync(int node, ResponseCode expected)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                // When the request that saw it was sent: its own round trip on a loaded machine is not the propagation.
                var sent = clock.Elapsed;
                if (await ServedRequests.PostAsync(http, nodes[node].Port, sign(counter++), Ct) == expected) return sent;
                await Task.Delay(20, Ct);
            }
            return TimeSpan.MaxValue;
        }

        await ChangeCplAsync("remove", through: 0);
        var seen = await SeenByAsync(1, ResponseCode.E5);
        Assert.True(seen < TimeSpan.FromSeconds(1), $"node b answered E5 only after {seen}");
        await ChangeCplAsync("restore", through: 1);
        seen = await SeenByAsync(0, ResponseCode.I99);
        Assert.True(seen < TimeSpan.FromSeconds(1), $"node a answered I99 again only after {seen}");
    }

    [Fact]
    public async Task Behind_HAProxy_both_nodes_answer_and_when_one_is_killed_the_balancer_routes_around_it()
    {
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw Prerequisite.Missing("HAProxy (apt-get install haproxy)");
        var sign = await InitAsync();
        var nodes = await StartNodesAsync(2);
        var front = OpenduisProcesses.FreePort();
        var config = Path.Combine(_cli.Data, "haproxy.cfg");
        await File.WriteAllTextAsync(config, HaproxyConfig(front, nodes.Select(n => n.Port)), Ct);
        // In the foreground (-db), its output read as it comes.
        var balancer = _cli.StartLogged(new ProcessStartInfo(haproxy, ["-db", "-f", config]));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var counter = FreshCounter();
        var answeredBy = new ConcurrentBag<string>();
        async Task<HttpStatusCode> SendAsync(ulong c)
        {
            using var content = new ByteArrayContent(sign(c));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            using var response = await http.PostAsync($"http://127.0.0.1:{front.ToString(CultureInfo.InvariantCulture)}{WebService.SendCommand.Path()}", content, Ct);
            if (response.Headers.TryGetValues("X-OpenDuis-Node", out var node)) answeredBy.Add(node.Single());
            return response.StatusCode;
        }

        // Until the balancer's first health checks pass, it has no node to send to.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (balancer.HasExited) Assert.Fail("HAProxy exited: " + _cli.OutputOf(balancer));
            try
            {
                if (await SendAsync(counter++) == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(200, Ct);
        }
        answeredBy.Clear();
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, await SendAsync(counter++));
        Assert.Equal(["node1", "node2"], answeredBy.Distinct().Order());

        nodes[0].Process.Kill(entireProcessTree: true);
        await nodes[0].Process.WaitForExitAsync(Ct);
        // The checks (every 200 ms, down after 2 failures) take the node out; a request sent to it meanwhile is re-dispatched.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        answeredBy.Clear();
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, await SendAsync(counter++));
        Assert.Equal(["node2"], answeredBy.Distinct());
    }

    /// <summary>
    /// Round robin over the nodes with HTTP health checks on /health; the answering node is named in a
    /// header so the test can see it. Plain HTTP here: the nodes serve the duis profile's TLS themselves
    /// when it is on, and the balancer then passes TCP through (docs/deployment.md).
    /// </summary>
    private static string HaproxyConfig(int front, IEnumerable<int> nodes) => $"""
        global
            maxconn 256
        defaults
            mode http
            timeout connect 2s
            timeout client 30s
            timeout server 30s
            retries 2
            option redispatch
        frontend duis
            bind 127.0.0.1:{front}
            default_backend nodes
        backend nodes
            balance roundrobin
            option httpchk GET /health
            http-response set-header X-OpenDuis-Node %s
        {string.Join("\n", nodes.Select((p, i) => $"    server node{i + 1} 127.0.0.1:{p} check inter 200ms fall 2 rise 1"))}

        """;
}
