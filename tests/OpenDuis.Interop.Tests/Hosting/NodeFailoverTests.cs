using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// Three real <c>openduis serve</c> processes on one PostgreSQL database, started at the same moment,
/// behind a real HAProxy; load through the balancer on eight ESMEs, each owned by one node (its lease in
/// <c>device_leases</c>), so most requests are admitted by a node that hands the command to the Device's
/// owner. Then the node owning the most Devices is killed (SIGKILL) while its commands still wait on the
/// slow devices (<see cref="NodeCluster"/>): every acknowledged request still gets its Service Response (or failure alert) at a real
/// listener, none lost, duplicates with the same ResponseID; the balancer routes around the dead node;
/// its Devices move to the others; and every request's row ends (none left in progress).
/// </summary>
[Collection(nameof(NodeFailoverTests))]
public sealed class NodeFailoverTests
{
    // Slow enough that the killed node's commands still wait at the kill on a busy machine.
    private const string DeviceLatency = "2500";
    // Short, so a dead node's Devices move within seconds; long enough that a busy machine still renews it (every third).
    private const string NodeLease = "8";
    private const int Requests = 180, AfterTheKill = 45;
    private static readonly string[] Nodes = ["node-a", "node-b", "node-c"];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_one_node_of_three_under_load_and_every_acknowledged_request_is_answered_and_its_Devices_move()
    {
        await using var cluster = await NodeCluster.StartAsync("openduis-failover-");
        // Started at the same moment.
        var started = await cluster.ServeAsync(Nodes, "--device-latency", DeviceLatency, "--node-lease", NodeLease);
        var nodes = started.Select(n => n.Process).ToArray();
        var front = await cluster.BalancerAsync(started.Select(n => n.Port));

        await cluster.LoadAsync(front, Requests);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused before the kill, e.g. {cluster.Refused.FirstOrDefault()}");
        await using var db = new NpgsqlConnection(cluster.Database);
        await db.OpenAsync(Ct);
        var owners = await cluster.DeviceOwnersAsync();
        Assert.Equal(NodeCluster.Esmes.Select(e => e.ToString()).Order(), owners.Keys.Order());
        // The node holding the most Devices dies, with their commands (its own and those handed to it) still waiting.
        var victim = owners.Values.GroupBy(o => o).MaxBy(g => g.Count())!.Key;
        var victimDevices = owners.Where(o => o.Value == victim).Select(o => o.Key).ToList();
        var killed = nodes[Array.IndexOf(Nodes, victim)];
        killed.Kill(entireProcessTree: true);
        await killed.WaitForExitAsync(Ct);
        var answeredBeforeTheKill = cluster.Acknowledged.Count(cluster.Answered.ContainsKey);

        // The balancer routes around it: every request after the kill is acknowledged by the others, those for its Devices too.
        var survivors = new ConcurrentBag<string>();
        await cluster.LoadAsync(front, AfterTheKill, answeringNodes: survivors);
        Assert.True(cluster.Refused.IsEmpty, $"{cluster.Refused.Count} refused after the kill, e.g. {cluster.Refused.FirstOrDefault()}");
        Assert.DoesNotContain($"node{Array.IndexOf(Nodes, victim) + 1}", survivors);

        var lost = await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(45));
        Assert.True(lost.Count == 0, $"{lost.Count} of {cluster.Acknowledged.Count} acknowledged requests never answered after {victim} was killed " +
            $"({answeredBeforeTheKill} answered before the kill), e.g. {lost.FirstOrDefault()}\n{await WhereAsync(db, lost)}\n" +
            string.Join("\n", nodes.Select((p, i) => $"{Nodes[i]}:\n{cluster.Log(p)}")));
        var twoIds = cluster.AnsweredTwoWays();
        Assert.True(twoIds.Count == 0, $"{twoIds.Count} requests answered with different ResponseIDs, e.g. {twoIds.FirstOrDefault()}");

        // Its Devices moved to live nodes, and every request's row ended with its command (none left in progress).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
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
    }

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
