using Npgsql;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.RequestLog;

namespace OpenDuis.Storage.Tests.RequestLog;

/// <summary>
/// The request log survives a restart (E55, sequencing, SMETS1 anti-replay): a <see cref="DurableRequestLog"/>
/// is filled, disposed (the server stopping), and a new one opened on the same database answers as the
/// first did. Run on SQLite and PostgreSQL.
/// </summary>
public abstract class RequestLogStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui OtherEsme = Eui.Parse("00-DB-12-34-56-78-90-A6");
    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IRequestLogStore> OpenStoreAsync();
    public abstract ValueTask DisposeAsync();
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private static LoggedRequest Entry(ulong counter, Eui target, RequestId? preceding = null, bool first = false, DateTimeOffset? at = null,
        CommandVariant cv = CommandVariant.SendNonCritical, RequestState state = RequestState.InProgress) =>
        new(new RequestId(Supplier, target, counter), ServiceReferenceVariant.Parse("4.1.1"), cv, preceding, first, at ?? Now, state);

    /// <summary>As the server admits a request: in memory, then recorded (on a shared store, claimed there).</summary>
    private static async Task AdmitAsync(DurableRequestLog log, LoggedRequest entry, bool smets1Target)
    {
        Assert.True(log.TryAdmit(entry, smets1Target));
        await log.RecordAsync(entry.Id, null, Ct);
    }

    [Fact]
    public async Task In_progress_requests_sequences_and_SMETS1_counters_survive_a_restart()
    {
        var clock = new FakeTimeProvider(Now);
        var inProgress = Entry(1, Esme);
        var first = Entry(2, Esme, first: true);
        var second = Entry(3, Esme, preceding: first.Id);
        var smets1 = Entry(ulong.MaxValue - 1, Smets1Esme); // above 2^63: stored as its 64-bit pattern

        await using (var log = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct))
        {
            await AdmitAsync(log, inProgress, false);
            await AdmitAsync(log, first, false);
            await AdmitAsync(log, second, false);
            await AdmitAsync(log, smets1, true);
            log.Complete(first.Id, RequestState.Succeeded);
            log.EndSequence(second.Id);
        }

        clock.SetUtcNow(Now.AddMinutes(1));
        await using var reopened = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct);

        // E55: still in progress, so the same ID is refused again: from memory on one node's store; on a store several
        // nodes share, by the claim in the database (a request in progress may be another node's, which ends it there).
        if (reopened.IsShared)
        {
            Assert.False(reopened.TryGet(inProgress.Id, out _));
            Assert.True(reopened.TryAdmit(inProgress with { Received = Now.AddMinutes(1) }, smets1Target: false));
            Assert.Equal(ResponseCode.E55, (await Assert.ThrowsAsync<RequestRefusedException>(async () => await reopened.RecordAsync(inProgress.Id, null, Ct))).Code);
        }
        else
        {
            Assert.True(reopened.TryGet(inProgress.Id, out var e));
            Assert.Equal(RequestState.InProgress, e.State);
            Assert.False(reopened.TryAdmit(inProgress, smets1Target: false));
        }
        // E41 and E46: the sequence link and its end.
        Assert.True(reopened.TryGetSuccessor(first.Id, out var successor));
        Assert.Equal(second.Id, successor);
        Assert.True(reopened.TryGetPreceding(second.Id, out var last) && last.EndsSequence);
        Assert.True(reopened.TryGet(first.Id, out var done) && done.State == RequestState.Succeeded);
        // E63: the SMETS1 high-water mark.
        Assert.True(reopened.TryGetLastSmets1Counter(Supplier, Smets1Esme, out var counter));
        Assert.Equal(ulong.MaxValue - 1, counter);
    }

    [Fact]
    public async Task Requests_older_than_the_retention_are_not_reloaded_and_a_held_request_past_its_hold_is_free_again()
    {
        var clock = new FakeTimeProvider(Now);
        var old = Entry(10, Esme, at: Now - Retention - TimeSpan.FromMinutes(1));
        var recent = Entry(11, Esme, at: Now - Hold - TimeSpan.FromMinutes(1));
        await using (var log = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct))
        {
            await AdmitAsync(log, old, false);
            await AdmitAsync(log, recent, false);
            await log.FlushAsync(Ct);
            Assert.Equal(0, log.Pending);
        }

        await using var reopened = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct);
        Assert.False(reopened.TryGet(old.Id, out _));
        // As the log reads it (on a shared store from the database, where a request in progress is left at start).
        Assert.True(reopened.TryGetPreceding(recent.Id, out var e));
        Assert.Equal(RequestState.Failed, e.State);
        Assert.True(reopened.TryAdmit(recent with { Received = Now }, smets1Target: false));
        await reopened.RecordAsync(recent.Id, null, Ct);
    }

    [Fact]
    public async Task A_finished_request_nothing_can_refer_to_is_not_reloaded_after_the_short_window_and_a_sequenced_one_is()
    {
        var clock = new FakeTimeProvider(Now);
        var plain = Entry(20, Esme, at: Now - TimeSpan.FromHours(1));
        var first = Entry(21, Esme, first: true, at: Now - TimeSpan.FromHours(1));
        var fresh = Entry(22, Esme, at: Now - TimeSpan.FromMinutes(5));
        await using (var log = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct))
        {
            foreach (var e in new[] { plain, first, fresh })
            {
                await AdmitAsync(log, e, false);
                log.Complete(e.Id, RequestState.Succeeded);
            }
            await log.FlushAsync(Ct);
        }

        await using var reopened = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, TimeSpan.FromMinutes(15), Ct);
        Assert.False(reopened.TryGet(plain.Id, out _));
        Assert.True(reopened.TryGet(first.Id, out var e1) && e1.State == RequestState.Succeeded);
        Assert.True(reopened.TryGet(fresh.Id, out _));
    }

    [Fact]
    public async Task Pruning_deletes_what_a_restart_would_no_longer_load_and_keeps_the_rest()
    {
        var store = await OpenStoreAsync();
        var hourAgo = Now - TimeSpan.FromHours(1);
        var done = RequestState.Succeeded;
        var pastRetention = Entry(30, Esme, first: true, at: Now - Retention - TimeSpan.FromMinutes(1), state: done);
        var plain = Entry(31, Esme, at: hourAgo, state: done);
        var first = Entry(32, Esme, first: true, at: hourAgo, state: done);
        var namedAsPreceding = Entry(33, Esme, at: hourAgo, state: done);
        var follower = Entry(34, Esme, preceding: namedAsPreceding.Id, at: hourAgo, state: done);
        var local = Entry(35, Esme, at: hourAgo, cv: CommandVariant.ReturnForLocalDeliveryNonCritical, state: done);
        var ended = Entry(36, Esme, at: hourAgo, state: done) with { EndsSequence = true };
        var inProgress = Entry(37, Esme, at: hourAgo);
        var recent = Entry(38, Esme, at: Now - TimeSpan.FromMinutes(5), state: done);
        await store.WriteAsync([pastRetention, plain, first, namedAsPreceding, follower, local, ended, inProgress, recent], [], Ct);

        var unlinkedBefore = Now - TimeSpan.FromMinutes(15);
        var loadedBefore = (await store.LoadAsync(Now - Retention, unlinkedBefore, Ct)).Requests.Select(r => r.Id).ToHashSet();
        Assert.Equal(2, await store.PruneAsync(Now - Retention, unlinkedBefore, Ct));
        var left = (await store.LoadAsync(DateTimeOffset.MinValue, null, Ct)).Requests.Select(r => r.Id).ToHashSet();
        Assert.Equal(new[] { first, namedAsPreceding, follower, local, ended, inProgress, recent }.Select(e => e.Id).ToHashSet(), left);
        Assert.Equal(loadedBefore, left);
        Assert.Equal(0, await store.PruneAsync(Now - Retention, unlinkedBefore, Ct));
    }

    [Fact]
    public async Task The_writer_prunes_the_store_as_it_goes()
    {
        var clock = new FakeTimeProvider(Now);
        var store = await OpenStoreAsync();
        var plain = Entry(40, Esme);
        var first = Entry(41, Esme, first: true);
        await using var log = await DurableRequestLog.OpenAsync(store, clock, Hold, Retention, TimeSpan.FromMinutes(15), Ct);
        await AdmitAsync(log, plain, false);
        await AdmitAsync(log, first, false);
        log.Complete(plain.Id, RequestState.Succeeded);
        log.Complete(first.Id, RequestState.Succeeded);
        await log.FlushAsync(Ct);

        clock.SetUtcNow(Now + TimeSpan.FromMinutes(20));
        await AdmitAsync(log, Entry(42, Esme, at: clock.GetUtcNow()), false);
        await log.FlushAsync(Ct);
        var stored = (await store.LoadAsync(DateTimeOffset.MinValue, null, Ct)).Requests.Select(r => r.Id).ToList();
        Assert.DoesNotContain(plain.Id, stored);
        Assert.Contains(first.Id, stored);
    }

    private static AcceptedCommand Command(LoggedRequest entry, DateTimeOffset? at = null, Core.Schedules.DspScheduleId? schedule = null) =>
        new(entry.Id, Supplier, at ?? entry.Received, System.Text.Encoding.UTF8.GetBytes($"<Request id='{entry.Id}'/>"), schedule);

    [Fact]
    public async Task A_recorded_command_its_entry_and_SMETS1_counter_are_committed_before_RecordAsync_returns_and_claimed_after_a_crash()
    {
        var clock = new FakeTimeProvider(Now);
        var store = await OpenStoreAsync();
        var entry = Entry(50, Esme);
        var smets1 = Entry(51, Smets1Esme);
        // The log that "crashes": never flushed nor disposed before the second opens.
        var crashed = await DurableRequestLog.OpenAsync(store, clock, Hold, Retention, cancellationToken: Ct, owner: "node-a");
        Assert.True(crashed.TryAdmit(entry, smets1Target: false));
        Assert.True(crashed.TryAdmit(smets1, smets1Target: true));
        var command = Command(entry, Now.AddTicks(7), new Core.Schedules.DspScheduleId(42));
        await crashed.RecordAsync(entry.Id, command, Ct);
        await crashed.RecordAsync(smets1.Id, null, Ct);

        var restarted = await OpenStoreAsync();
        var state = await restarted.LoadAsync(Now - Retention, null, Ct);
        Assert.Contains(state.Requests, r => r.Id == entry.Id && r.State == RequestState.InProgress);
        Assert.Contains(new Smets1Counter(Supplier, Smets1Esme, 51), state.Smets1Counters);
        var claimed = Assert.Single(await restarted.ClaimCommandsAsync("node-a", Now, Now + DurableRequestLog.CommandLease, 100, Ct));
        Assert.Equal(entry.Id, claimed.RequestId);
        Assert.Equal(Supplier, claimed.Sender);
        Assert.Equal(Now, claimed.AcceptedAt); // kept to the microsecond
        Assert.Equal(command.RequestXml, claimed.RequestXml);
        Assert.Equal(new Core.Schedules.DspScheduleId(42), claimed.Schedule);
        await crashed.DisposeAsync();
    }

    [Fact]
    public async Task Completing_a_recorded_request_drops_its_command_and_leaves_InProgress()
    {
        var clock = new FakeTimeProvider(Now);
        var store = await OpenStoreAsync();
        var entry = Entry(60, Esme);
        await using (var log = await DurableRequestLog.OpenAsync(store, clock, Hold, Retention, cancellationToken: Ct, owner: "node-a"))
        {
            Assert.True(log.TryAdmit(entry, smets1Target: false));
            await log.RecordAsync(entry.Id, Command(entry), Ct);
            log.Complete(entry.Id, RequestState.Succeeded, entry.Received);
            await log.FlushAsync(Ct);
        }
        Assert.Empty(await store.ClaimCommandsAsync("node-a", Now, Now + DurableRequestLog.CommandLease, 100, Ct));
        Assert.Contains((await store.LoadAsync(Now - Retention, null, Ct)).Requests, r => r.Id == entry.Id && r.State == RequestState.Succeeded);
    }

    [Fact]
    public async Task A_command_is_claimed_by_its_own_node_at_once_and_by_another_only_when_its_lease_has_run_out()
    {
        var store = await OpenStoreAsync();
        var first = Entry(70, Esme);
        // On two Devices: on a shared store a command goes with its Device, and node-b takes the first one's Device with it.
        var second = Entry(71, OtherEsme, at: Now.AddSeconds(1));
        var lease = DurableRequestLog.CommandLease;
        await store.WriteAsync(new RequestLogBatch([first, second], [], [Command(first), Command(second)], [], "node-a", Now + lease), Ct);

        Assert.Empty(await store.ClaimCommandsAsync("node-b", Now + lease / 2, Now + lease, 100, Ct));
        await store.RenewCommandsAsync("node-a", Now + lease * 2, Ct);
        Assert.Empty(await store.ClaimCommandsAsync("node-b", Now + lease + TimeSpan.FromSeconds(1), Now + lease * 3, 100, Ct));
        var taken = await store.ClaimCommandsAsync("node-b", Now + lease * 2 + TimeSpan.FromSeconds(1), Now + lease * 4, 1, Ct);
        Assert.Equal(first.Id, Assert.Single(taken).RequestId); // oldest first, at most the limit
        // node-b holds it now: node-a, restarting, takes back only what is still its own.
        Assert.Equal(second.Id, Assert.Single(await store.ClaimCommandsAsync("node-a", Now + lease * 2 + TimeSpan.FromSeconds(2), Now + lease * 5, 100, Ct)).RequestId);
        Assert.Equal(first.Id, Assert.Single(await store.ClaimCommandsAsync("node-b", Now + lease * 2 + TimeSpan.FromSeconds(2), Now + lease * 5, 100, Ct)).RequestId);
    }

    [Fact]
    public async Task A_request_the_Device_never_answered_is_kept_as_such_for_E47_apart_from_one_that_failed_for_E43()
    {
        var clock = new FakeTimeProvider(Now);
        var unanswered = Entry(90, Esme, first: true);
        var failed = Entry(91, OtherEsme, first: true);
        await using (var log = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct))
        {
            await AdmitAsync(log, unanswered, false);
            await AdmitAsync(log, failed, false);
            log.Complete(unanswered.Id, RequestState.NoDeviceResponse);
            log.Complete(failed.Id, RequestState.Failed);
        }
        await using var reopened = await DurableRequestLog.OpenAsync(await OpenStoreAsync(), clock, Hold, Retention, cancellationToken: Ct);
        Assert.True(reopened.TryGetPreceding(unanswered.Id, out var e47));
        Assert.Equal(RequestState.NoDeviceResponse, e47.State);
        Assert.True(reopened.TryGetPreceding(failed.Id, out var e43));
        Assert.Equal(RequestState.Failed, e43.State);
        // Ended either way: the Request ID is free again (E55 only while in progress).
        await AdmitAsync(reopened, unanswered with { Received = Now.AddSeconds(1) }, false);
    }

    [Fact]
    public async Task A_reused_Request_ID_is_another_command_and_an_older_entry_written_late_does_not_replace_the_newer()
    {
        var store = await OpenStoreAsync();
        var old = Entry(80, Esme, state: RequestState.Succeeded);
        var reused = old with { Received = Now.AddMinutes(1), State = RequestState.InProgress };
        await store.WriteAsync(new RequestLogBatch([reused], [], [Command(old), Command(reused)], [], "node-a", Now + DurableRequestLog.CommandLease), Ct);
        // The first request's end, written behind after the second was recorded (by the node that owns its command: on a
        // shared store only the owner drops it).
        await store.WriteAsync(new RequestLogBatch([old], [], [], [new CommandKey(old.Id, old.Received)], "node-a"), Ct);

        var claimed = Assert.Single(await store.ClaimCommandsAsync("node-a", Now, Now + DurableRequestLog.CommandLease, 100, Ct));
        Assert.Equal(reused.Received, claimed.AcceptedAt);
        var kept = Assert.Single((await store.LoadAsync(DateTimeOffset.MinValue, null, Ct)).Requests, r => r.Id == old.Id);
        Assert.Equal(RequestState.InProgress, kept.State);
        Assert.Equal(reused.Received, kept.Received);
    }
}

public sealed class SqliteRequestLogStoreTests : RequestLogStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-requestlog-").FullName;

    protected override async Task<IRequestLogStore> OpenStoreAsync() =>
        await SqliteRequestLogStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TestContext.Current.CancellationToken);

    public override ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresRequestLogStoreTests : RequestLogStoreContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private NpgsqlDataSource? _dataSource;

    protected override async Task<IRequestLogStore> OpenStoreAsync()
    {
        if (_dataSource is null)
        {
            var (admin, scoped) = await PostgresTestSchema.CreateAsync(_schema);
            _admin = admin;
            _dataSource = NpgsqlDataSource.Create(scoped);
        }
        return await PostgresRequestLogStore.OpenAsync(_dataSource, TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
