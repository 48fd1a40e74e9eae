using Dapper;
using Npgsql;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.RequestLog;

namespace OpenDuis.Storage.Tests.RequestLog;

/// <summary>
/// Two nodes on one PostgreSQL database, each with its own connection pool and its own in-memory request
/// log: a Request ID is admitted by one of them only (E55 across nodes, DUIS 3.5.10 Table 1) and a SMETS1
/// counter only ever rises, whichever node admits it (E63).
/// </summary>
public sealed class SharedRequestLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 7, 0, 0, TimeSpan.Zero);
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui OtherEsme = Eui.Parse("00-DB-12-34-56-78-90-A6");
    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(5);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private string? _scoped;
    private readonly List<NpgsqlDataSource> _pools = [];

    public async ValueTask InitializeAsync() => (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools) await pool.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }

    /// <summary>A node's store: its own pool, as another process would have.</summary>
    private async Task<PostgresRequestLogStore> NodeAsync()
    {
        var pool = NpgsqlDataSource.Create(_scoped!);
        _pools.Add(pool);
        return await PostgresRequestLogStore.OpenAsync(pool, Ct);
    }

    private static LoggedRequest Entry(ulong counter, Eui target, DateTimeOffset? at = null) =>
        new(new RequestId(Supplier, target, counter), ServiceReferenceVariant.Parse("4.1.1"), CommandVariant.SendNonCritical, null, false, at ?? Now);

    private static RequestLogBatch Claim(LoggedRequest entry, bool smets1 = false, DateTimeOffset? heldSince = null) =>
        new([], [], [], []) { Claims = [new RequestClaim(entry, smets1)], HeldSince = heldSince ?? Now - Hold };

    [Fact]
    public async Task The_same_Request_ID_claimed_by_two_nodes_at_once_is_kept_by_exactly_one()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        for (ulong counter = 1; counter <= 40; counter++)
        {
            var entry = Entry(counter, Esme);
            using var start = new ManualResetEventSlim();
            var racers = new[] { a, b }.Select(store => Task.Run(async () => { start.Wait(Ct); return await store.WriteAsync(Claim(entry), Ct); })).ToArray();
            start.Set();
            var refusals = (await Task.WhenAll(racers)).SelectMany(r => r).ToList();
            Assert.Equal(ResponseCode.E55, Assert.Single(refusals).Code);
        }
    }

    [Fact]
    public async Task A_claim_wins_over_a_finished_request_or_one_whose_hold_passed_and_keeps_only_its_own_command()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var entry = Entry(100, Esme);
        Assert.Empty(await a.WriteAsync(Claim(entry), Ct));
        var again = entry with { Received = Now.AddSeconds(1) };
        var command = new AcceptedCommand(again.Id, Supplier, again.Received, "<Request/>"u8.ToArray());
        var refused = await b.WriteAsync(new RequestLogBatch([], [], [command], [], "node-b", Now + Hold) { Claims = [new RequestClaim(again, false)], HeldSince = Now - Hold }, Ct);
        Assert.Equal(ResponseCode.E55, Assert.Single(refused).Code);
        Assert.Empty(await b.ClaimCommandsAsync("node-b", Now, Now + Hold, 10, Ct)); // a refused claim queues nothing

        // Its hold passed (no response came): the ID is free again.
        Assert.Empty(await b.WriteAsync(Claim(again, heldSince: Now.AddTicks(10)), Ct));
        // Finished: free again.
        await a.WriteAsync(new RequestLogBatch([again with { State = RequestState.Succeeded }], [], [], []), Ct);
        Assert.Empty(await a.WriteAsync(Claim(entry with { Received = Now.AddSeconds(2) }), Ct));
    }

    [Fact]
    public async Task A_request_ended_and_sent_again_in_one_batch_is_ended_before_the_new_claim_not_refused_E55()
    {
        var a = await NodeAsync();
        var entry = Entry(600, Esme);
        Assert.Empty(await a.WriteAsync(Claim(entry) with { Owner = "node-a" }, Ct));
        // Its answer arrived and the User sent the same Request ID again before the ending was written: both go in one batch.
        var again = entry with { Received = Now.AddSeconds(1) };
        var batch = new RequestLogBatch([entry with { State = RequestState.Succeeded }, again], [], [], [], "node-a")
            { Claims = [new RequestClaim(again, false)], HeldSince = Now - Hold };
        Assert.Empty(await a.WriteAsync(batch, Ct));
        // The new request is the one in progress now: a third claim is E55.
        var third = Claim(entry with { Received = Now.AddSeconds(2) }) with { Owner = "node-a" };
        Assert.Equal(ResponseCode.E55, Assert.Single(await a.WriteAsync(third, Ct)).Code);
    }

    [Fact]
    public async Task A_durable_log_that_ends_a_request_and_admits_it_again_at_once_keeps_the_second_not_E55()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        for (ulong counter = 700; counter < 720; counter++)
        {
            var entry = Entry(counter, Esme);
            Assert.True(a.TryAdmit(entry, smets1Target: false));
            await a.RecordAsync(entry.Id, null, Ct);
            // Ended, and the same ID admitted again straight after: the ending and the new claim may share one write.
            a.Complete(entry.Id, RequestState.Succeeded);
            var again = entry with { Received = Now.AddSeconds(1) };
            Assert.True(a.TryAdmit(again, smets1Target: false));
            await a.RecordAsync(again.Id, null, Ct);
        }
    }

    [Fact]
    public async Task A_node_ends_only_the_requests_it_claimed_so_its_failed_claim_ended_Failed_leaves_another_nodes_in_progress()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var entry = Entry(300, Esme);
        Assert.Empty(await b.WriteAsync(Claim(entry) with { Owner = "node-b" }, Ct));
        // Node a received the same ID a moment later; its claim failed on a database error, so it ends the request Failed.
        await a.WriteAsync(new RequestLogBatch([entry with { Received = Now.AddSeconds(1), State = RequestState.Failed }], [], [], [], "node-a"), Ct);

        // Node b's request is still in process: a new claim is E55.
        var again = Claim(entry with { Received = Now.AddSeconds(2) }) with { Owner = "node-a" };
        Assert.Equal(ResponseCode.E55, Assert.Single(await a.WriteAsync(again, Ct)).Code);
        // Node b ends it; then the ID is free.
        await b.WriteAsync(new RequestLogBatch([entry with { State = RequestState.Succeeded }], [], [], [], "node-b"), Ct);
        Assert.Empty(await a.WriteAsync(again, Ct));
    }

    [Fact]
    public async Task A_node_that_takes_over_a_command_whose_lease_ran_out_owns_its_request_and_ends_it()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var entry = Entry(400, Esme);
        var command = new AcceptedCommand(entry.Id, Supplier, entry.Received, "<Request/>"u8.ToArray());
        Assert.Empty(await b.WriteAsync(new RequestLogBatch([], [], [command], [], "node-b", Now + TimeSpan.FromMinutes(2))
            { Claims = [new RequestClaim(entry, false)], HeldSince = Now - Hold }, Ct));

        // Node b died; its lease ran out and node a takes the command, and with it the request.
        var later = Now + TimeSpan.FromMinutes(3);
        Assert.Equal(entry.Id, Assert.Single(await a.ClaimCommandsAsync("node-a", later, later + TimeSpan.FromMinutes(2), 10, Ct)).RequestId);
        await a.WriteAsync(new RequestLogBatch([entry with { State = RequestState.Succeeded }], [], [], [new CommandKey(entry.Id, entry.Received)], "node-a"), Ct);
        Assert.Empty(await b.WriteAsync(Claim(entry with { Received = later }, heldSince: later - Hold) with { Owner = "node-b" }, Ct));
    }

    private static AcceptedCommand Command(LoggedRequest entry) => new(entry.Id, Supplier, entry.Received, "<Request/>"u8.ToArray());

    /// <summary>A batch that claims and queues <paramref name="entries"/>' commands as <paramref name="owner"/> at <paramref name="now"/>, filling <paramref name="owners"/>.</summary>
    private static RequestLogBatch Queue(string owner, DateTimeOffset now, Dictionary<Eui, DeviceFence> owners, params LoggedRequest[] entries) =>
        new([], [], [.. entries.Select(Command)], [], owner, now + TimeSpan.FromSeconds(30))
            { Claims = [.. entries.Select(e => new RequestClaim(e, false))], HeldSince = now - Hold, Now = now, DeviceOwners = owners };

    private async Task<Dictionary<string, string>> DeviceOwnersAsync()
    {
        await using var c = new NpgsqlConnection(_scoped);
        return (await c.QueryAsync<(string Device, string Owner)>("SELECT device_id, owner FROM device_leases")).ToDictionary(r => r.Device, r => r.Owner);
    }

    [Fact]
    public async Task A_command_admitted_on_a_node_that_does_not_own_its_Device_is_handed_to_the_owner_which_ends_its_request()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        // Node a queues the first command for the ESME: the Device is a's.
        var first = Entry(800, Esme);
        Assert.True(a.TryAdmit(first, smets1Target: false));
        var holding = await a.RecordAsync(first.Id, Command(first), Ct);
        Assert.Null(holding.OtherOwner);
        Assert.Equal("node-a", holding.Fence?.Owner);

        // Node b admits the next one: a owns the Device, so b hands the command over and forgets the request.
        var second = Entry(801, Esme);
        Assert.True(b.TryAdmit(second, smets1Target: false));
        Assert.Equal(new DeviceHolding("node-a", null), await b.RecordAsync(second.Id, Command(second), Ct));
        b.HandOver(second.Id, second.Received, "node-a");
        await b.FlushAsync(Ct);
        Assert.False(b.TryGet(second.Id, out _));
        Assert.Empty(await b.ClaimHandedCommandsAsync(Ct));
        var handed = Assert.Single(await a.ClaimHandedCommandsAsync(Ct));
        Assert.Equal(second.Id, handed.RequestId);
        Assert.Empty(await a.ClaimHandedCommandsAsync(Ct)); // taken once

        // Node a executes it and ends the request its memory never held: the row ends (the ID is free), the command leaves the queue.
        a.Complete(second.Id, RequestState.Succeeded, handed.AcceptedAt);
        await a.FlushAsync(Ct);
        Assert.True(b.TryGetPreceding(second.Id, out var seen));
        Assert.Equal(RequestState.Succeeded, seen.State);
        await using var db = new NpgsqlConnection(_scoped);
        Assert.Equal(0L, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM device_commands WHERE request_id = @Id", new { Id = second.Id.ToString() }));
    }

    [Fact]
    public async Task A_dead_nodes_Devices_move_with_its_commands_and_a_command_whose_Device_another_node_took_meanwhile_goes_to_that_node()
    {
        var (a, b, c) = (await NodeAsync(), await NodeAsync(), await NodeAsync());
        var owners = new Dictionary<Eui, DeviceFence>();
        var onEsme = Entry(900, Esme);
        var onOther = Entry(901, OtherEsme);
        Assert.Empty(await a.WriteAsync(Queue("node-a", Now, owners, onEsme, onOther), Ct));
        Assert.Equal("node-a", owners[Esme].Owner);
        Assert.Equal("node-a", owners[OtherEsme].Owner);

        // Node a died. Once its lease ran out node c queues a new command for the ESME: the Device is c's now.
        var later = Now + TimeSpan.FromSeconds(31);
        owners.Clear();
        Assert.Empty(await c.WriteAsync(Queue("node-c", later, owners, Entry(902, Esme, later)), Ct));
        Assert.Equal("node-c", owners[Esme].Owner);

        // Node b takes a's commands over: the other ESME's with its Device; the ESME's goes to node c, its live owner.
        Assert.Equal(onOther.Id, Assert.Single(await b.ClaimCommandsAsync("node-b", later, later + TimeSpan.FromSeconds(30), 10, Ct, ownToo: false)).RequestId);
        Assert.Equal(onEsme.Id, Assert.Single(await c.ClaimHandedCommandsAsync("node-c", later + TimeSpan.FromSeconds(30), Ct, later)).RequestId);
        Assert.Equal(new Dictionary<string, string> { [Esme.ToString()] = "node-c", [OtherEsme.ToString()] = "node-b" }, await DeviceOwnersAsync());
    }

    [Fact]
    public async Task Two_durable_logs_admit_the_same_Request_ID_in_memory_and_only_one_keeps_it_the_other_answers_E55()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        var entry = Entry(200, Esme);
        Assert.True(a.TryAdmit(entry, smets1Target: false));
        Assert.True(b.TryAdmit(entry, smets1Target: false)); // neither node's memory knows of the other

        var outcomes = await Task.WhenAll(new[] { a, b }.Select(log => Task.Run(async () =>
        {
            try { await log.RecordAsync(entry.Id, null, Ct); return (ResponseCode?)null; }
            catch (RequestRefusedException e) { return e.Code; }
        })));
        Assert.Equal(ResponseCode.E55, Assert.Single(outcomes, o => o is not null));
        // The loser keeps nothing of it: the ID is not in progress there.
        var loser = outcomes[0] is null ? b : a;
        Assert.False(loser.TryGet(entry.Id, out _));
    }

    [Fact]
    public async Task A_sequenced_pair_split_across_two_nodes_sees_its_preceding_request_as_the_node_that_owns_it_left_it()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        var first = Entry(500, Esme) with { FirstInSequence = true };
        Assert.True(a.TryAdmit(first, smets1Target: false));
        await a.RecordAsync(first.Id, null, Ct);

        // Node b executes the successor only once the first has ended (E44 while it waits), and fails it if the first failed (E43).
        Assert.True(b.TryGetPreceding(first.Id, out var seen));
        Assert.Equal(RequestState.InProgress, seen.State);
        a.Complete(first.Id, RequestState.Failed);
        await a.FlushAsync(Ct);
        Assert.True(b.TryGetPreceding(first.Id, out seen));
        Assert.Equal(RequestState.Failed, seen.State);

        // A second request naming the same preceding one on node b is E41: node a admitted the first successor.
        var second = Entry(501, Esme) with { Preceding = first.Id };
        Assert.True(a.TryAdmit(second, smets1Target: false));
        await a.RecordAsync(second.Id, null, Ct);
        Assert.True(b.TryGetSuccessor(first.Id, out var successor));
        Assert.Equal(second.Id, successor);
    }

    [Fact]
    public async Task Two_successors_of_one_request_claimed_by_two_nodes_at_once_are_kept_once_and_the_other_is_E41()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        for (ulong round = 0; round < 20; round++)
        {
            var first = Entry(1_000 + round * 3, Esme) with { FirstInSequence = true };
            Assert.Empty(await a.WriteAsync(Claim(first), Ct));
            // Neither node's memory knows of the other's successor: the database keeps one (DUIS 3.4.3, E41).
            var successors = new[] { (a, Entry(1_001 + round * 3, Esme)), (b, Entry(1_002 + round * 3, OtherEsme)) }
                .Select(x => (x.Item1, x.Item2 with { Preceding = first.Id })).ToArray();
            using var start = new ManualResetEventSlim();
            var racers = successors.Select(x => Task.Run(async () => { start.Wait(Ct); return await x.Item1.WriteAsync(Claim(x.Item2), Ct); })).ToArray();
            start.Set();
            var refusal = Assert.Single((await Task.WhenAll(racers)).SelectMany(r => r));
            Assert.Equal(ResponseCode.E41, refusal.Code);
        }
        // The same request claimed again (its ID reused once it ended) is not its own rival.
        var again = Entry(2_000, Esme) with { FirstInSequence = true };
        Assert.Empty(await a.WriteAsync(Claim(again), Ct));
        var next = Entry(2_001, Esme) with { Preceding = again.Id };
        Assert.Empty(await a.WriteAsync(Claim(next), Ct));
        await a.WriteAsync(new RequestLogBatch([next with { State = RequestState.Succeeded }], [], [], []), Ct);
        Assert.Empty(await b.WriteAsync(Claim(next with { Received = Now.AddSeconds(1) }), Ct));
    }

    [Fact]
    public async Task A_preceding_request_the_Device_never_answered_on_one_node_is_seen_so_on_another_for_E47()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        var first = Entry(550, Esme) with { FirstInSequence = true };
        Assert.True(a.TryAdmit(first, smets1Target: false));
        await a.RecordAsync(first.Id, null, Ct);

        // Node a's Device gave no response to the On Demand command (E21): node b, executing the successor, fails it E47, not E43.
        a.Complete(first.Id, RequestState.NoDeviceResponse);
        await a.FlushAsync(Ct);
        Assert.True(b.TryGetPreceding(first.Id, out var seen));
        Assert.Equal(RequestState.NoDeviceResponse, seen.State);
    }

    [Fact]
    public async Task A_node_starting_beside_others_loads_no_request_in_progress_and_defers_to_the_database_for_E55()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        var entry = Entry(600, Esme);
        Assert.True(a.TryAdmit(entry, smets1Target: false));
        await a.RecordAsync(entry.Id, null, Ct);

        // Node c starts while node a's request is in progress: its memory does not hold it; the claim in the database answers E55.
        await using var c = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-c");
        Assert.False(c.TryGet(entry.Id, out _));
        var again = entry with { Received = Now.AddSeconds(1) };
        Assert.True(c.TryAdmit(again, smets1Target: false));
        Assert.Equal(ResponseCode.E55, (await Assert.ThrowsAsync<RequestRefusedException>(async () => await c.RecordAsync(again.Id, null, Ct))).Code);

        // Node a ends it: node c admits the ID at once, not E55 from a copy in its memory until the hold runs out.
        a.Complete(entry.Id, RequestState.Succeeded);
        await a.FlushAsync(Ct);
        Assert.True(c.TryAdmit(again, smets1Target: false));
        await c.RecordAsync(again.Id, null, Ct);
        Assert.True(c.TryGet(again.Id, out var mine) && mine.State == RequestState.InProgress);
    }

    [Fact]
    public async Task A_SMETS1_counter_admitted_on_one_node_refuses_a_lower_one_on_another_with_E63()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        var high = Entry(ulong.MaxValue - 5, Smets1Esme); // above 2^63: compared as unsigned
        var low = Entry(1UL << 62, Smets1Esme);
        Assert.True(a.TryAdmit(high, smets1Target: true));
        await a.RecordAsync(high.Id, null, Ct);

        Assert.True(b.TryAdmit(low, smets1Target: true)); // b's memory has no counter for the Device yet
        var refused = await Assert.ThrowsAsync<RequestRefusedException>(async () => await b.RecordAsync(low.Id, null, Ct));
        Assert.Equal(ResponseCode.E63, refused.Code);
        Assert.False(b.TryGet(low.Id, out _));

        var higher = Entry(ulong.MaxValue - 4, Smets1Esme);
        Assert.True(b.TryAdmit(higher, smets1Target: true));
        await b.RecordAsync(higher.Id, null, Ct);
    }

    private async Task<Storage.Outbox.PostgresOutboxStore> OutboxAsync()
    {
        var pool = NpgsqlDataSource.Create(_scoped!);
        _pools.Add(pool);
        return await Storage.Outbox.PostgresOutboxStore.OpenAsync(pool, TimeProvider.System, Ct);
    }

    private static Core.Outbox.OutboxEntry Response(LoggedRequest entry, DeviceFence fence) =>
        new($"{entry.Id}@1", Supplier, entry.Id.ToString(), Core.Outbox.OutboxKind.ServiceResponse, "<Response/>"u8.ToArray()) { Fence = fence };

    private async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var c = new NpgsqlConnection(_scoped);
        return await c.ExecuteScalarAsync<long>(sql, parameters);
    }

    [Fact]
    public async Task A_takeover_gives_the_Device_a_new_epoch_and_the_old_owners_late_writes_are_refused_in_their_own_transaction()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        var outbox = await OutboxAsync();
        var owners = new Dictionary<Eui, DeviceFence>();
        var first = Entry(1000, Esme);
        Assert.Empty(await a.WriteAsync(Queue("node-a", Now, owners, first), Ct));
        var aFence = owners[Esme];
        // Renewing its own lease, or queueing more for the Device, keeps the epoch its commands in flight were taken under.
        await a.RenewCommandsAsync("node-a", Now + TimeSpan.FromSeconds(30), Ct);
        owners.Clear();
        Assert.Empty(await a.WriteAsync(Queue("node-a", Now + TimeSpan.FromSeconds(10), owners, Entry(1001, Esme, Now + TimeSpan.FromSeconds(10))), Ct));
        Assert.Equal(aFence, owners[Esme]);

        // Node a stalls past its lease; node b takes its commands and the Device under a new epoch.
        var later = Now + TimeSpan.FromSeconds(61);
        var taken = await b.ClaimCommandsAsync("node-b", later, later + TimeSpan.FromSeconds(30), 10, Ct, ownToo: false);
        Assert.Equal(2, taken.Count);
        var bFence = Assert.Single(taken.Select(t => t.Fence).Distinct())!.Value;
        Assert.Equal("node-b", bFence.Owner);
        Assert.True(bFence.Epoch > aFence.Epoch);

        // Node a wakes: its Service Response as the old owner is refused and nothing of it is written; node b's lands.
        var refused = await Assert.ThrowsAsync<DeviceFencedException>(() => outbox.EnqueueAsync([Response(first, aFence)], Ct));
        Assert.Equal([Esme], refused.Devices);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM outbox"));
        await outbox.EnqueueAsync([Response(first, bFence)], Ct);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM outbox"));
        // Nor does it drop the commands it no longer owns; stepping down leaves nothing of node b's changed either.
        await a.WriteAsync(new RequestLogBatch([], [], [], [new CommandKey(first.Id, first.Received)], "node-a") { SteppedDown = [new CommandKey(first.Id, first.Received)] }, Ct);
        Assert.Equal(2, await CountAsync("SELECT count(*) FROM device_commands WHERE owner = 'node-b' AND lease_until_us > 0"));
    }

    [Fact]
    public async Task A_DCC_Schedule_occurrence_run_again_by_another_node_is_queued_once_even_after_the_first_run_s_command_ended()
    {
        var clock = new FakeTimeProvider(Now);
        await using var a = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-a");
        await using var b = await DurableRequestLog.OpenAsync(await NodeAsync(), clock, Hold, TimeSpan.FromDays(1), cancellationToken: Ct, owner: "node-b");
        var schedule = new Core.Schedules.DspScheduleId(7);
        // As ScheduledCommandsToOwner records an occurrence: its Request ID from the schedule and due time, accepted when it runs.
        async Task<RequestLease> RunAsync(DurableRequestLog log, RequestId occurrence, DateTimeOffset at)
        {
            var lease = new RequestLogInProcess(log).Resume(occurrence, at);
            await lease.RecordAsync(new AcceptedCommand(occurrence, Supplier, at, "<Request/>"u8.ToArray(), schedule), Ct);
            return lease;
        }
        var due = new RequestId(Supplier, Esme, 0xD000_0000_0000_0007);
        var first = await RunAsync(a, due, Now);
        Assert.False(first.QueuedBefore);

        // Node a stalled before marking the occurrence done; the schedule's lease ran out and node b runs it again.
        Assert.True((await RunAsync(b, due, Now.AddMinutes(6))).QueuedBefore);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM device_commands WHERE request_id = @Id", new { Id = due.ToString() }));

        // The first run's command executed and left the queue: a later run still queues nothing.
        a.Complete(due, RequestState.Succeeded, Now);
        await a.FlushAsync(Ct);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM device_commands"));
        Assert.True((await RunAsync(b, due, Now.AddMinutes(12))).QueuedBefore);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM device_commands"));

        // Two nodes running the next occurrences at the same moment: each is queued by exactly one of them.
        for (ulong i = 1; i <= 10; i++)
        {
            var next = new RequestId(Supplier, Esme, 0xD000_0000_0000_0007 + (i << 20));
            using var start = new ManualResetEventSlim();
            var runs = new[] { a, b }.Select(log => Task.Run(async () => { start.Wait(Ct); return (await RunAsync(log, next, Now.AddMinutes(20 + i))).QueuedBefore; })).ToArray();
            start.Set();
            Assert.Single(await Task.WhenAll(runs), queuedBefore => !queuedBefore);
            Assert.Equal(1, await CountAsync("SELECT count(*) FROM device_commands WHERE request_id = @Id", new { Id = next.ToString() }));
        }
    }

    [Fact]
    public async Task A_node_that_stops_leaves_its_commands_at_once_and_a_joining_node_takes_only_idle_Devices_towards_its_share()
    {
        var (a, b) = (await NodeAsync(), await NodeAsync());
        Eui[] devices = [Esme, OtherEsme, Eui.Parse("00-DB-12-34-56-78-90-B0"), Eui.Parse("00-DB-12-34-56-78-90-B1")];
        var entries = devices.Select((d, i) => Entry(1100 + (ulong)i, d)).ToArray();
        Assert.Empty(await a.WriteAsync(Queue("node-a", Now, [], entries), Ct));
        // Three of node a's four Devices go idle; the first keeps its command in flight.
        await a.WriteAsync(new RequestLogBatch([], [], [], [.. entries.Skip(1).Select(e => new CommandKey(e.Id, e.Received))], "node-a"), Ct);

        // Node b joins with none: the fair share of two nodes is two each, so it takes two, both idle.
        Assert.Equal(2, await b.RebalanceAsync("node-b", Now, Now + TimeSpan.FromSeconds(30), 100, Ct));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM device_leases WHERE owner = 'node-b' AND device_id = @Busy", new { Busy = Esme.ToString() }));
        Assert.Equal(0, await b.RebalanceAsync("node-b", Now, Now + TimeSpan.FromSeconds(30), 100, Ct));

        // Node a stops: its command is left with an expired lease and its Devices are no one's; node b takes the command
        // at once, long before node a's lease would have run out.
        Assert.Equal(1, await a.ReleaseAsync("node-a", Ct));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM device_leases WHERE owner = 'node-a'"));
        var soon = Now + TimeSpan.FromSeconds(1);
        var taken = Assert.Single(await b.ClaimCommandsAsync("node-b", soon, soon + TimeSpan.FromSeconds(30), 10, Ct, ownToo: false));
        Assert.Equal(entries[0].Id, taken.RequestId);
        Assert.Equal("node-b", taken.Fence?.Owner);
    }
}
