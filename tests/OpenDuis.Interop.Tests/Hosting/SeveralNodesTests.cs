using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.SmWan;
using OpenDuis.Storage.Csv;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// Two or three real <c>openduis serve</c> processes on one PostgreSQL database, started at the same moment
/// (issue 22): the same Request ID sent to two at once is accepted I99 by one and refused E55 by the other
/// (DUIS 3.5.10 Table 1), because the claim is made in the database, not in either node's memory. Behind a
/// real HAProxy (round robin, health checks on /health): both nodes answer, and when one is killed the
/// balancer routes around it; a change of status, registration or User made through one node or the CLI
/// is answered by every node within a second; a SMETS1 counter acknowledged by one node bars a lower one
/// on the other (E63); a sequenced pair split across the nodes keeps E43 and E44.
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
        if (_listener is not null) await _listener.DisposeAsync();
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
        var security = _security = new DuisSecurity(keys);
        var supplierKey = _supplierKey = keys.FindXmlSigningKey(DemoEnvironment.Supplier)!;
        return counter => security.SignAndSerialise(ServedRequests.Read411(DemoEnvironment.Supplier, DemoEnvironment.Esme, counter).ToXmlDocument(), supplierKey);
    }

    /// <summary>Two nodes on the data folder's database, started at the same moment.</summary>
    private async Task<(int Port, Process Process)[]> StartNodesAsync(int count, params string[] extra)
    {
        var ports = Enumerable.Range(0, count).Select(_ => OpenduisProcesses.FreePort()).ToArray();
        var nodes = await Task.WhenAll(ports.Select((p, i) => _cli.ServeAsync(p, ["--device-latency", DeviceLatency, "--node", NodeName(i), .. extra])));
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
        var sign = await InitAsync();
        var nodes = await StartNodesAsync(2);
        var front = await StartBalancerAsync(nodes.Select(n => n.Port));

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

    [Fact]
    public async Task A_change_of_status_registration_or_user_through_one_node_or_the_CLI_is_seen_by_the_others_behind_the_balancer_within_a_second()
    {
        await InitAsync();
        var nodes = await StartNodesAsync(3);
        var front = await StartBalancerAsync(nodes.Select(n => n.Port));
        using var http = new HttpClient();
        var counter = FreshCounter();
        byte[] Read(Eui device) => _security!.SignAndSerialise(ServedRequests.Read411(DemoEnvironment.Supplier, device, counter++).ToXmlDocument(), _supplierKey!);
        Assert.Equal(ResponseCode.I99, (await PostThroughAsync(http, front, Read(DemoEnvironment.Gsme))).Code);

        // Status: the gas meter decommissioned by 8.3 through node a; 4.1.1 to it is E5 on every node (DUIS 3.5.10 Table 1).
        var body = new System.Xml.XmlDocument();
        body.LoadXml($"<sr:DecommissionDevice xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\"><sr:DeviceID>{DemoEnvironment.Gsme}</sr:DeviceID></sr:DecommissionDevice>");
        var decommission = new DuisRequest(DuisSchemaVersion.V5_4, new RequestId(DemoEnvironment.Supplier, DemoEnvironment.AccessControlBroker, counter++),
            CommandVariant.NonDevice, ServiceReferenceVariant.Parse("8.3").Reference, ServiceReferenceVariant.Parse("8.3"), body.DocumentElement!);
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, decommission));
        await AssertSeenByEveryNodeWithinASecondAsync(http, front, () => Read(DemoEnvironment.Gsme), ResponseCode.E5, "the decommissioned gas meter");

        // Registration: the electricity meter's MPAN passes to another Supplier (CLI import): the demo Supplier is E4 on it.
        var now = DateTimeOffset.UtcNow;
        await ImportAsync("registrations", SmiCsv.RegistrationHeader, $"{DemoEnvironment.ElectricityMpan},Supplier,{DemoEnvironment.LoadControllerParty},{Instant(now.AddMinutes(-1))},");
        await AssertSeenByEveryNodeWithinASecondAsync(http, front, () => Read(DemoEnvironment.Esme), ResponseCode.E4, "the change of supplier");
        await ImportAsync("registrations", SmiCsv.RegistrationHeader, $"{DemoEnvironment.ElectricityMpan},Supplier,{DemoEnvironment.SupplierParty},{Instant(now)},");
        await AssertSeenByEveryNodeWithinASecondAsync(http, front, () => Read(DemoEnvironment.Esme), ResponseCode.I99, "the supplier registered again");

        // User: the demo Supplier's User suspended (CLI import): its requests are E3 on every node, then Active again.
        await ImportAsync("parties", SmiCsv.PartyHeader, $"{DemoEnvironment.Supplier},{DemoEnvironment.SupplierParty},Demo Supplier,false,IS;ES;GS,Suspended,,5.4");
        await AssertSeenByEveryNodeWithinASecondAsync(http, front, () => Read(DemoEnvironment.Esme), ResponseCode.E3, "the suspended User");
        await ImportAsync("parties", SmiCsv.PartyHeader, $"{DemoEnvironment.Supplier},{DemoEnvironment.SupplierParty},Demo Supplier,false,IS;ES;GS,Active,,5.4");
        await AssertSeenByEveryNodeWithinASecondAsync(http, front, () => Read(DemoEnvironment.Esme), ResponseCode.I99, "the User active again");
    }

    [Fact]
    public async Task A_SMETS1_counter_acknowledged_by_one_node_bars_a_lower_one_on_the_other_with_E63_behind_the_balancer()
    {
        await InitAsync();
        var nodes = await StartNodesAsync(2);
        var front = await StartBalancerAsync(nodes.Select(n => n.Port));
        using var http = new HttpClient();
        var counter = FreshCounter();
        byte[] Smets1(ulong c) => _security!.SignAndSerialise(ServedRequests.Read411(DemoEnvironment.Supplier, Smets1Esme, c).ToXmlDocument(), _supplierKey!);

        for (var i = 0; i < 5; i++, counter += 10)
        {
            var (code, first) = await PostThroughAsync(http, front, Smets1(counter));
            Assert.Equal(ResponseCode.I99, code);
            // Round robin: the replay (a lower counter) meets the other node, which never saw the first in memory.
            var (replayed, other) = await PostThroughAsync(http, front, Smets1(counter - 1));
            Assert.NotEqual(first, other);
            Assert.True(replayed == ResponseCode.E63, $"Round {i}: {first} acknowledged counter {counter}, {other} answered {replayed} to counter {counter - 1}");
        }
        // A higher counter is still accepted, on either node.
        Assert.Equal(ResponseCode.I99, (await PostThroughAsync(http, front, Smets1(counter))).Code);
    }

    [Fact]
    public async Task A_sequenced_pair_split_across_nodes_behind_the_balancer_fails_E43_after_a_failed_first_and_E44_when_the_first_is_not_answered_in_the_Wait_Period()
    {
        await InitAsync();
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (exit, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(exit == 0, output);
        var received = new ConcurrentDictionary<RequestId, DuisResponse>();
        var listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(Ct))
                if (DuisResponse.Read(OpenDuis.Protocol.Xml.SecureXml.Default.Load(message.Body)) is { RequestId: { } id } response) received.TryAdd(id, response);
        }, Ct);
        async Task<DuisResponse> ReceiveAsync(RequestId id)
        {
            for (var i = 0; i < 300 && !received.ContainsKey(id); i++) await Task.Delay(100, Ct);
            return received.TryGetValue(id, out var r) ? r : throw new TimeoutException($"nothing reached the User for {id} within 30 s");
        }
        // A short Wait Period, so E44 comes in seconds; the slow device answers after it.
        var nodes = await StartNodesAsync(2, "--sequence-wait", "2");
        var front = await StartBalancerAsync(nodes.Select(n => n.Port));
        using var http = new HttpClient();
        var counter = FreshCounter();
        DuisRequest Sequenced(RequestId? preceding)
        {
            var t = ServedRequests.Read411(DemoEnvironment.Supplier, DemoEnvironment.Esme, counter++);
            return new DuisRequest(t.SchemaVersion, t.RequestId, t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body, preceding is null, preceding);
        }
        async Task<(DuisRequest First, DuisRequest Second)> SplitPairAsync()
        {
            var first = Sequenced(null);
            var (code, firstNode) = await PostThroughAsync(http, front, Sign(first));
            Assert.Equal(ResponseCode.I99, code);
            var second = Sequenced(first.RequestId);
            (code, var secondNode) = await PostThroughAsync(http, front, Sign(second));
            Assert.Equal(ResponseCode.I99, code);
            Assert.NotEqual(firstNode, secondNode);
            return (first, second);
        }

        // E43: the first fails at its device (ESME undeliverable, E58) on one node; the second, on the other, is failed E43 (N12).
        await SetFaultOnEveryNodeAsync(http, nodes, "esme-undeliverable");
        var (failed, afterFailed) = await SplitPairAsync();
        Assert.Equal(ResponseCode.E58, (await ReceiveAsync(failed.RequestId)).ResponseCode);
        var e43 = await ReceiveAsync(afterFailed.RequestId);
        Assert.Equal(ResponseCode.E43, e43.ResponseCode);
        Assert.Equal("N12", e43.Alert!.Code.Code);

        // E44: the first's device answers after 5 s; the second, on the other node, waits its 2 s Wait Period and is failed E44 (N13).
        await SetFaultOnEveryNodeAsync(http, nodes, "slow", "5000");
        var (slow, afterSlow) = await SplitPairAsync();
        var e44 = await ReceiveAsync(afterSlow.RequestId);
        Assert.Equal(ResponseCode.E44, e44.ResponseCode);
        Assert.Equal("N13", e44.Alert!.Code.Code);
        Assert.Equal(ResponseCode.I0, (await ReceiveAsync(slow.RequestId)).ResponseCode);
    }

    [Fact]
    public async Task A_sequenced_request_whose_preceding_request_got_no_device_response_on_another_node_fails_E47_not_E43()
    {
        await InitAsync();
        var received = await ListenAsync();
        // The Devices answer nothing within 2 s; a sequenced request waits up to 30 s for its preceding one.
        var nodes = await StartNodesAsync(2, "--response-timeout", "2", "--sequence-wait", "30");
        using var http = new HttpClient();
        // The ESME is node a's (it queued its first command), the other ESME node b's: the pair runs on two nodes.
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, Read(DemoEnvironment.Esme)));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, Read(DemoEnvironment.EsmeWithApc)));
        await SetFaultOnEveryNodeAsync(http, nodes, "no-response");

        var first = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme, firstInSequence: true));
        var second = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.EsmeWithApc, firstInSequence: false, preceding: first.RequestId));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, first));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, second));

        // Node a's ESME never answers (E21); node b, executing the second, reads the first's end from the database.
        var e21 = await received(first.RequestId, null);
        Assert.Equal(ResponseCode.E21, e21.ResponseCode);
        var e47 = await received(second.RequestId, null);
        Assert.Equal(ResponseCode.E47, e47.ResponseCode);
        Assert.Equal("N14", e47.Alert!.Code.Code);
        // The two DCC Alerts come from nodes started at the same moment: each ResponseID carries its node's number.
        Assert.NotEqual(e21.ResponseId!.Value.Counter % Core.Alerts.ResponseCounter.NodeNumbers, e47.ResponseId!.Value.Counter % Core.Alerts.ResponseCounter.NodeNumbers);
    }

    [Fact]
    public async Task A_Signed_Pre_Command_sent_to_another_node_than_its_Transform_is_correlated_there_E51_when_it_does_not_match()
    {
        await InitAsync();
        var nodes = await StartNodesAsync(2);
        using var http = new HttpClient();
        // The ESME is node a's: node b hands the Signed Pre-Command over, and node a executes it.
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, Read(DemoEnvironment.Esme)));

        async Task<(DuisRequest Transform, DuisResponse PreCommand)> TransformAsync()
        {
            var transform = DuisRequest.Read(SmWanServer.Request("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS", DemoEnvironment.Esme));
            var (answer, _) = await AnswerAsync(http, nodes[0].Port, Sign(transform), transform.CommandVariant.WebService());
            Assert.Equal(ResponseCode.I0, answer.ResponseCode);
            return (transform, answer);
        }
        // The Supplier signs the Pre-Command with its GBCS digital-signing key and sends it back (CV 5), signed as the XML of its requests is.
        var counter = FreshCounter();
        DuisRequest Signed(DuisRequest transform, DuisResponse preCommandAnswer, Func<byte[], byte[]>? tamper = null)
        {
            var preCommand = Convert.FromBase64String(preCommandAnswer.Message!.Payload!.LastChild!.InnerText);
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(RepoPaths.ReferencePath("rtds-gbcs", "keystore", $"{DemoEnvironment.Supplier.ToCompactString().ToLowerInvariant()}-ds.key")));
            var signed = OpenDuis.Gbcs.Security.GbcsSecurity.Sign(OpenDuis.Gbcs.GbcsMessage.Read(preCommand), key).WriteSigned();
            return DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = counter++ }, CommandVariant.SendSignedPreCommand,
                transform.ServiceReferenceVariant, new SignedPreCommand(tamper is null ? signed : tamper(signed)));
        }

        // Issued by node a, the command's last octet changed after signing (before the signature's length and 64 octets), sent
        // to node b: its header still names the Pre-Command, and Correlate fails there (DUIS 3.4.2, E51).
        var (transform, preCommand) = await TransformAsync();
        Assert.Equal(ResponseCode.E51, await PostAsync(http, nodes[1].Port, Signed(transform, preCommand, gbcs => { var t = (byte[])gbcs.Clone(); t[^66] ^= 0x01; return t; })));

        // As issued, to node b: accepted, and node a, executing it, takes the Pre-Command (it is forgotten).
        (transform, preCommand) = await TransformAsync();
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, Signed(transform, preCommand)));
        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
        long left = -1;
        for (var i = 0; i < 100 && left != 0; i++, await Task.Delay(100, Ct))
            left = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM issued_pre_commands WHERE transform_id = @Id", new { Id = transform.RequestId.ToString() });
        Assert.Equal(0, left);
    }

    [Fact]
    public async Task A_cancellation_admitted_by_a_node_that_does_not_own_the_Device_cancels_the_held_request_and_a_second_is_E52()
    {
        await InitAsync();
        var received = await ListenAsync();
        var nodes = await StartNodesAsync(2);
        using var http = new HttpClient();
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, Read(DemoEnvironment.Esme)));

        // Held by node a, the ESME's owner, until its execution date-time (Future Dated (DSP), DUIS 3.4.2).
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(8);
        var held = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme, executeAt));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, held));
        DuisRequest Cancel() => DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme,
            OpenDuis.Network.Execution.SmWanExecution.CancelExecutionDateTime));

        // Cancelled through node b, which does not own the ESME: I99, and then nothing is left to cancel on either node (E52):
        // node b answered from the database, and handed the cancellation to node a, which drops the request from its timeline.
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, Cancel()));
        Assert.Equal(ResponseCode.E52, await PostAsync(http, nodes[1].Port, Cancel()));
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(ResponseCode.E52, await PostAsync(http, nodes[0].Port, Cancel()));

        // The held request is never executed: nothing reaches the User for it after its time, and its request has ended.
        await Task.Delay(executeAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5), Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => received(held.RequestId, TimeSpan.FromSeconds(1)));
        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
        Assert.Equal("Failed", await db.ExecuteScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", new { Id = held.RequestId.ToString() }));
    }

    [Fact]
    public async Task A_cancellation_arriving_while_its_held_request_is_being_handed_to_the_owner_cancels_it_and_it_never_runs()
    {
        await InitAsync();
        var received = await ListenAsync();
        // A long lease: node a, stopped, keeps the ESME, so what node b admits for it waits in its hand-over.
        var nodes = await StartNodesAsync(2, "--node-lease", "120");
        using var http = new HttpClient();
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, Read(DemoEnvironment.Esme)));
        await NodeCluster.SignalAsync(nodes[0].Process, "STOP");
        try
        {
            // Admitted by node b and handed to node a, which cannot take it: queued, not held anywhere yet.
            var executeAt = DateTimeOffset.UtcNow.AddSeconds(12);
            var held = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme, executeAt));
            Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, held));
            DuisRequest Cancel() => DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme,
                OpenDuis.Network.Execution.SmWanExecution.CancelExecutionDateTime));

            // DUIS 3.4.2: the DCC holds it, so a cancellation finds it (I99, not E52), once.
            var cancel = Cancel();
            Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, cancel));
            Assert.Equal(ResponseCode.E52, await PostAsync(http, nodes[1].Port, Cancel()));

            // Node a wakes and takes what was handed to it: the request is gone, so it holds nothing and never runs it.
            await NodeCluster.SignalAsync(nodes[0].Process, "CONT");
            await Task.Delay(executeAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5), Ct);
            await Assert.ThrowsAsync<TimeoutException>(() => received(held.RequestId, TimeSpan.FromSeconds(1)));
            await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
            Assert.Equal(("Failed", "Succeeded"), (await db.ExecuteScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", new { Id = held.RequestId.ToString() }),
                await db.ExecuteScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", new { Id = cancel.RequestId.ToString() })));
            Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM held_requests"));
            Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM device_commands WHERE request_id = @Id", new { Id = held.RequestId.ToString() }));
        }
        finally
        {
            await NodeCluster.SignalAsync(nodes[0].Process, "CONT");
        }
    }

    [Fact]
    public async Task A_cancellation_told_to_an_owner_that_then_dies_keeps_the_held_request_from_running_on_the_node_that_takes_the_Device_over()
    {
        await InitAsync();
        var received = await ListenAsync();
        var nodes = await StartNodesAsync(2, "--node-lease", "4");
        using var http = new HttpClient();
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, Read(DemoEnvironment.Esme)));

        // Held by node a, the ESME's owner; a cancellation through node b is answered there and handed to node a, which is
        // stopped (it never drops the request from its timeline) and then killed.
        var executeAt = DateTimeOffset.UtcNow.AddSeconds(15);
        var held = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme, executeAt));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[0].Port, held));
        await NodeCluster.SignalAsync(nodes[0].Process, "STOP");
        var cancel = DuisRequest.Read(SmWanServer.Request(Read411Template, DemoEnvironment.Esme, OpenDuis.Network.Execution.SmWanExecution.CancelExecutionDateTime));
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, cancel));
        nodes[0].Process.Kill(entireProcessTree: true);

        // Node b takes the ESME over once node a's lease runs out, and with it the handed cancellation; the held request,
        // gone from the shared tables, is not among what it takes, and nothing is executed at its time.
        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
        var owner = "";
        for (var i = 0; i < 100 && owner != NodeName(1); i++, await Task.Delay(200, Ct))
            owner = await db.ExecuteScalarAsync<string>("SELECT owner FROM device_leases WHERE device_id = @Id", new { Id = DemoEnvironment.Esme.ToString() }) ?? "";
        Assert.Equal(NodeName(1), owner);
        await Task.Delay(executeAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5), Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => received(held.RequestId, TimeSpan.FromSeconds(1)));
        Assert.Equal(("Failed", "Succeeded"), (await db.ExecuteScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", new { Id = held.RequestId.ToString() }),
            await db.ExecuteScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", new { Id = cancel.RequestId.ToString() })));
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM device_commands"));
        // And node b still executes the ESME's requests.
        var read = Read(DemoEnvironment.Esme);
        Assert.Equal(ResponseCode.I99, await PostAsync(http, nodes[1].Port, read));
        await received(read.RequestId, null);
    }

    [Fact]
    public async Task A_node_started_while_another_nodes_request_is_in_progress_answers_E55_only_until_that_request_ends()
    {
        var sign = await InitAsync();
        var first = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(first, ["--device-latency", "10000", "--node", NodeName(0)]);
        using var http = new HttpClient();
        var body = sign(FreshCounter());
        var sentAt = Stopwatch.StartNew();
        Assert.Equal(ResponseCode.I99, await ServedRequests.PostAsync(http, first, body, Ct));

        // Node b starts while node a's request waits on its slow Device (10 s): the database says in progress (E55).
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port, ["--device-latency", DeviceLatency, "--node", NodeName(1)]);
        Assert.True(sentAt.Elapsed < TimeSpan.FromSeconds(9), $"node b took {sentAt.Elapsed} to start: the request may have ended before");
        Assert.Equal(ResponseCode.E55, await ServedRequests.PostAsync(http, port, body, Ct));

        // Node a's Device answers and node a ends the request: node b takes the Request ID at once, not after the 5 minute hold.
        var accepted = ResponseCode.E55;
        for (var i = 0; i < 200 && accepted == ResponseCode.E55; i++, await Task.Delay(100, Ct))
            accepted = await ServedRequests.PostAsync(http, port, body, Ct);
        Assert.Equal(ResponseCode.I99, accepted);
    }

    private const string Read411Template = "ECS17b_4.1.1_SINGLE_SUCCESS";

    /// <summary>A 4.1.1 read of <paramref name="device"/> from the demo Supplier with a fresh counter.</summary>
    private static DuisRequest Read(Eui device) => DuisRequest.Read(SmWanServer.Request(Read411Template, device));

    /// <summary>The demo Supplier's response endpoint is a listener: what reaches it, by Request ID (waited for up to 30 s, or <c>within</c>).</summary>
    private async Task<Func<RequestId, TimeSpan?, Task<DuisResponse>>> ListenAsync()
    {
        var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        _listener = listener;
        var (exit, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(exit == 0, output);
        var received = new ConcurrentDictionary<RequestId, DuisResponse>();
        _ = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(Ct))
                if (DuisResponse.Read(OpenDuis.Protocol.Xml.SecureXml.Default.Load(message.Body)) is { RequestId: { } id } response) received.TryAdd(id, response);
        }, Ct);
        return async (id, within) =>
        {
            var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
            while (!received.ContainsKey(id) && DateTime.UtcNow < deadline) await Task.Delay(100, Ct);
            return received.TryGetValue(id, out var r) ? r : throw new TimeoutException($"nothing reached the User for {id}");
        };
    }

    private ResponseListener? _listener;

    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    private DuisSecurity? _security;
    private SigningKey? _supplierKey;

    private byte[] Sign(DuisRequest request) => _security!.SignAndSerialise(request.ToXmlDocument(), _supplierKey!);

    private async Task<ResponseCode> PostAsync(HttpClient http, int port, DuisRequest request)
    {
        var (code, _) = await PostToAsync(http, port, Sign(request), request.CommandVariant.WebService());
        return code;
    }

    /// <summary>Posts a signed request through the balancer: its Response Code and the node that answered.</summary>
    private static Task<(ResponseCode Code, string Node)> PostThroughAsync(HttpClient http, int front, byte[] body) => PostToAsync(http, front, body, WebService.SendCommand);

    private static async Task<(ResponseCode Code, string Node)> PostToAsync(HttpClient http, int port, byte[] body, WebService service)
    {
        var (answer, node) = await AnswerAsync(http, port, body, service);
        return (answer.ResponseCode, node);
    }

    /// <summary>Posts a signed request to a node (or the balancer): the synchronous answer and the node that gave it.</summary>
    private static async Task<(DuisResponse Answer, string Node)> AnswerAsync(HttpClient http, int port, byte[] body, WebService service)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await http.PostAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{service.Path()}", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {text}");
        var answer = new System.Xml.XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(text);
        return (DuisResponse.Read(answer), response.Headers.TryGetValues("X-OpenDuis-Node", out var node) ? node.Single() : "");
    }

    /// <summary>
    /// Sends a fresh request through the balancer until every node has answered <paramref name="expected"/>:
    /// no node may still answer otherwise to a request sent a second or more after the change (when a request
    /// was sent, not when it was answered: its own round trip on a loaded machine is not the propagation).
    /// </summary>
    private static async Task AssertSeenByEveryNodeWithinASecondAsync(HttpClient http, int front, Func<byte[]> request, ResponseCode expected, string what)
    {
        var clock = Stopwatch.StartNew();
        var seen = new HashSet<string>();
        var stale = new Dictionary<string, (TimeSpan Sent, ResponseCode Code)>();
        while (seen.Count < 3 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var sent = clock.Elapsed;
            var (code, node) = await PostThroughAsync(http, front, request());
            if (code == expected) seen.Add(node);
            else stale[node] = (sent, code);
            await Task.Delay(20, Ct);
        }
        Assert.True(seen.Count == 3, $"{what}: only {string.Join(", ", seen.Order())} answered {expected} within 10 s");
        Assert.True(stale.Values.All(s => s.Sent < TimeSpan.FromSeconds(1)),
            $"{what}: " + string.Join(", ", stale.OrderBy(s => s.Key).Select(s => $"{s.Key} answered {s.Value.Code} to a request sent {s.Value.Sent.TotalMilliseconds:F0} ms after the change")));
    }

    private async Task ImportAsync(string kind, params string[] lines)
    {
        var csv = Path.Combine(_cli.Data, $"{kind}-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(csv, lines, Ct);
        var (exit, output, error) = await _cli.RunOnDataAsync("import", kind, csv);
        Assert.True(exit == 0, output + error);
    }

    private static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A device fault set through every node at once (through one, the others would read it within a second), replacing any it had.</summary>
    private static async Task SetFaultOnEveryNodeAsync(HttpClient http, IEnumerable<(int Port, Process Process)> nodes, string mode, string? parameter = null)
    {
        foreach (var (port, _) in nodes)
        {
            using var answer = await http.PostAsJsonAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{DeviceFaultEndpoints.DevicePath(DemoEnvironment.Esme)}",
                new DeviceFaultRequest(mode, parameter), DeviceFaultJson.Default.DeviceFaultRequest, Ct);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync(Ct));
        }
    }

    private Task<int> StartBalancerAsync(IEnumerable<int> ports) => StartBalancerAsync(_cli, ports);

    /// <summary>HAProxy in front of the nodes (round robin, health checks on /health), once every node has answered through it: its port.</summary>
    internal static async Task<int> StartBalancerAsync(OpenduisProcesses cli, IEnumerable<int> ports)
    {
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw Prerequisite.Missing("HAProxy (apt-get install haproxy)");
        var backends = ports.ToList();
        var front = OpenduisProcesses.FreePort();
        var config = Path.Combine(cli.Data, "haproxy.cfg");
        await File.WriteAllTextAsync(config, HaproxyConfig(front, backends), Ct);
        // In the foreground (-db), its output read as it comes.
        var balancer = cli.StartLogged(new ProcessStartInfo(haproxy, ["-db", "-f", config]));
        // Until the balancer's first health checks pass, it has no node to send to.
        using var http = new HttpClient();
        var answered = new HashSet<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (answered.Count < backends.Count && DateTime.UtcNow < deadline)
        {
            if (balancer.HasExited) Assert.Fail("HAProxy exited: " + cli.OutputOf(balancer));
            try
            {
                using var health = await http.GetAsync($"http://127.0.0.1:{front.ToString(CultureInfo.InvariantCulture)}/health", Ct);
                if (health.IsSuccessStatusCode && health.Headers.TryGetValues("X-OpenDuis-Node", out var node)) answered.Add(node.Single());
            }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(100, Ct);
        }
        Assert.True(answered.Count == backends.Count, $"Only {string.Join(", ", answered)} answered through HAProxy: " + cli.OutputOf(balancer));
        return front;
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
