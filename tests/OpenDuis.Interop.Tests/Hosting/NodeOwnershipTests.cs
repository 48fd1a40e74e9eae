using System.Net.Http.Json;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// The life of per-Device ownership across real <c>openduis serve</c> processes on one PostgreSQL database
/// (docs/deployment.md): a node stopped gracefully (SIGTERM) hands its work over at once instead of after its
/// lease; a node that joins gets its fair share of idle Devices; a node stalled past its lease (SIGSTOP) and
/// woken again (SIGCONT) writes nothing as the owner of the Devices taken from it meanwhile.
/// </summary>
[Collection(nameof(NodeFailoverTests))]
public sealed class NodeOwnershipTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_hands_its_commands_and_Devices_over_at_once_not_after_its_lease()
    {
        await using var cluster = await NodeCluster.StartAsync("openduis-sigterm-");
        // A lease far longer than the test allows for the handover: only the release can explain a prompt one. The devices
        // answer after 8 s, past the stopping node's wait for devices about to answer (3 s), so some commands are left.
        var nodes = await cluster.ServeAsync(["node-a", "node-b", "node-c"], "--device-latency", "8000", "--node-lease", "120");
        var front = await cluster.BalancerAsync(nodes.Select(n => n.Port));
        await cluster.LoadAsync(front, 48);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused, e.g. {cluster.Refused.FirstOrDefault()}");

        var owners = await cluster.DeviceOwnersAsync();
        var victim = owners.Values.GroupBy(o => o).MaxBy(g => g.Count())!.Key;
        var stopping = nodes[victim[^1] - 'a'].Process;
        var queued = await cluster.QueryAsync<long>("SELECT count(*) FROM device_commands WHERE owner = @Victim", new { Victim = victim });
        Assert.True(queued > 0, $"{victim} had no command queued when it was stopped");
        var stoppedAt = DateTime.UtcNow;
        await NodeCluster.SignalAsync(stopping, "TERM");
        await stopping.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var output = cluster.Cli.OutputOf(stopping);
        Assert.True(stopping.ExitCode == 0, $"{victim} exited {stopping.ExitCode}:\n{output}");

        // Its Devices are no one's until a node queues a command for them; its commands are taken by the others at once.
        Assert.Equal(0, await cluster.QueryAsync<long>("SELECT count(*) FROM device_leases WHERE owner = @Victim", new { Victim = victim }));
        var lost = await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(30));
        var took = DateTime.UtcNow - stoppedAt;
        Assert.True(lost.Count == 0, $"{lost.Count} of {cluster.Acknowledged.Count} acknowledged requests unanswered {took.TotalSeconds:0} s after {victim} stopped " +
            $"(its lease: 120 s), e.g. {lost.FirstOrDefault()}\n{string.Join("\n", nodes.Select(n => cluster.Log(n.Process)))}");
        Assert.True(took < TimeSpan.FromSeconds(60), $"the handover took {took.TotalSeconds:0} s");
        Assert.Empty(cluster.AnsweredTwoWays());
        Assert.True(await cluster.EventuallyAsync(async () => await cluster.QueryAsync<long>(
            "SELECT (SELECT count(*) FROM device_commands) + (SELECT count(*) FROM request_log WHERE state = 'InProgress')") == 0, TimeSpan.FromSeconds(10)),
            "commands still queued or requests still in progress after the handover");

        // The others go on serving its Devices through the balancer.
        await cluster.LoadAsync(front, 16);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused after the stop, e.g. {cluster.Refused.FirstOrDefault()}");
        Assert.Empty(await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(victim, (await cluster.DeviceOwnersAsync()).Values);
    }

    [Fact]
    public async Task A_node_that_joins_gets_its_fair_share_of_idle_Devices_and_nothing_in_flight_is_lost()
    {
        await using var cluster = await NodeCluster.StartAsync("openduis-rebalance-");
        // A short lease: a rebalancing round every 2 s.
        string[] options = ["--device-latency", "300", "--node-lease", "6"];
        var first = await cluster.ServeAsync(["node-a", "node-b"], options);
        await cluster.LoadAsync(first[0].Port, 16);
        await cluster.LoadAsync(first[1].Port, 16);
        Assert.Equal(NodeCluster.Esmes.Length, (await cluster.DeviceOwnersAsync()).Count);
        Assert.DoesNotContain("node-c", (await cluster.DeviceOwnersAsync()).Values);

        // The newcomer owns nothing; while requests keep coming to the first two, it takes idle Devices until the
        // eight are spread 3/3/2 (a node takes only from one owning two more than it, so none moves back and forth).
        var joined = (await cluster.ServeAsync(["node-c"], options))[0];
        using var load = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var trickle = Task.Run(async () =>
        {
            for (var i = 0; !load.IsCancellationRequested; i++)
            {
                await cluster.LoadAsync(first[i % 2].Port, 4);
                await Task.Delay(150, CancellationToken.None);
            }
        }, CancellationToken.None);
        Dictionary<string, int> spread = [];
        var fair = await cluster.EventuallyAsync(async () =>
        {
            spread = (await cluster.DeviceOwnersAsync()).Values.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
            return spread.Count == 3 && spread.Values.Max() - spread.Values.Min() <= 1;
        }, TimeSpan.FromSeconds(90)); // only idle Devices move: on a loaded machine the trickle keeps them busy longer
        await load.CancelAsync();
        await trickle;
        Assert.True(fair, $"Devices per node after 90 s: {string.Join(", ", spread.Select(s => $"{s.Key} {s.Value}"))}\n{cluster.Log(joined.Process)}");
        Assert.Contains("idle Device(s) moved here", cluster.Cli.OutputOf(joined.Process));

        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused, e.g. {cluster.Refused.FirstOrDefault()}");
        var lost = await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(20));
        Assert.True(lost.Count == 0, $"{lost.Count} of {cluster.Acknowledged.Count} acknowledged requests unanswered, e.g. {lost.FirstOrDefault()}");
        Assert.Empty(cluster.AnsweredTwoWays());
        // Only idle Devices moved: no owner was ever fenced off a command.
        foreach (var node in first.Append(joined))
            Assert.DoesNotContain("stalled past its lease", cluster.Cli.OutputOf(node.Process));
    }

    [Fact]
    public async Task A_node_stalled_past_its_lease_by_SIGSTOP_writes_nothing_as_owner_when_it_wakes_and_steps_down()
    {
        await using var cluster = await NodeCluster.StartAsync("openduis-sigstop-");
        var nodes = await cluster.ServeAsync(["node-a", "node-b"], "--device-latency", "4000", "--node-lease", "6");
        var front = await cluster.BalancerAsync(nodes.Select(n => n.Port));
        await cluster.LoadAsync(front, 32);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused, e.g. {cluster.Refused.FirstOrDefault()}");
        var owners = await cluster.DeviceOwnersAsync();
        var victim = owners.Values.GroupBy(o => o).MaxBy(g => g.Count())!.Key;
        var (stalled, survivor) = victim == "node-a" ? (nodes[0], nodes[1]) : (nodes[1], nodes[0]);
        var victimDevices = owners.Where(o => o.Value == victim).Select(o => o.Key).ToArray();

        // Stalled with its commands still waiting on the slow devices.
        await NodeCluster.SignalAsync(stalled.Process, "STOP");
        try
        {
            Assert.True(await cluster.QueryAsync<long>("SELECT count(*) FROM device_commands WHERE owner = @Victim", new { Victim = victim }) > 0,
                $"{victim} had no command left when it was stopped");
            // The survivor alone sees those Devices unreachable now: what it executes of theirs ends in failure alerts (E20), so a
            // late Service Response from the stalled node would answer the same request a second, different way.
            using var http = new HttpClient();
            foreach (var device in victimDevices)
            {
                using var set = await http.PostAsJsonAsync($"http://127.0.0.1:{survivor.Port}/admin/devices/{device}/fault", new { mode = "unreachable" }, Ct);
                Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync(Ct));
            }
            // Past its lease the survivor takes its commands and Devices, under new epochs, and answers every request.
            var lost = await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(40));
            Assert.True(lost.Count == 0, $"{lost.Count} of {cluster.Acknowledged.Count} acknowledged requests unanswered while {victim} was stopped, " +
                $"e.g. {lost.FirstOrDefault()}\n{cluster.Log(survivor.Process)}");
            Assert.Equal(0, await cluster.QueryAsync<long>("SELECT count(*) FROM device_leases WHERE owner = @Victim", new { Victim = victim }));
        }
        finally
        {
            await NodeCluster.SignalAsync(stalled.Process, "CONT");
        }

        // Awake, its devices' answers are long due: it tries to write them as owner, is refused, and steps down.
        var steppedDown = await cluster.EventuallyAsync(() => Task.FromResult(cluster.Cli.OutputOf(stalled.Process).Contains("stalled past its lease", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        var twoWays = cluster.AnsweredTwoWays();
        Assert.True(twoWays.Count == 0, $"{twoWays.Count} requests answered two different ways after {victim} woke, e.g. {twoWays.FirstOrDefault()}\n{cluster.Log(stalled.Process)}");
        Assert.True(steppedDown, $"{victim} never stepped down:\n{cluster.Log(stalled.Process)}");
        // One message per request in the outbox: no late write landed beside the survivor's.
        Assert.Equal(0, await cluster.QueryAsync<long>("SELECT count(*) FROM (SELECT ordering_key FROM outbox GROUP BY ordering_key HAVING count(*) > 1) d"));
        Assert.True(await cluster.EventuallyAsync(async () => await cluster.QueryAsync<long>(
            "SELECT (SELECT count(*) FROM device_commands) + (SELECT count(*) FROM request_log WHERE state = 'InProgress')") == 0, TimeSpan.FromSeconds(10)),
            "commands still queued or requests still in progress");

        // It still serves: a new request for one of the Devices it lost is admitted there and executed by their owner.
        await cluster.LoadAsync(stalled.Port, 4, [.. victimDevices.Select(Eui.Parse)]);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused after the stall, e.g. {cluster.Refused.FirstOrDefault()}");
        Assert.Empty(await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(20)));
    }
}
