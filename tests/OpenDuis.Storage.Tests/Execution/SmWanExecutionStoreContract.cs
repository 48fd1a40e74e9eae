using System.Text;
using Npgsql;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Execution;

namespace OpenDuis.Storage.Tests.Execution;

/// <summary>
/// The emulated SM WAN's kept state (migrations 0010, 0011, 0027) on both databases: faults set, replaced,
/// listed and cleared; held Future Dated (DSP) requests kept byte for byte, listed earliest first, forgotten once;
/// Devices' states written only over the version before (a stale writer told which Devices, nothing kept), with
/// their newest events in a ring; written in a unit of work, they commit or roll back with it.
/// </summary>
public abstract class SmWanExecutionStoreContract : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    private ISmWanExecutionStore _store = null!;

    /// <summary>The store the test opened.</summary>
    protected ISmWanExecutionStore Store => _store;

    protected abstract Task<ISmWanExecutionStore> OpenAsync();

    protected abstract ValueTask DropAsync();

    /// <summary>The request log's store on the same database (its durable command queue).</summary>
    protected abstract Task<Core.AccessControl.IRequestLogStore> OpenRequestLogAsync();

    public async ValueTask InitializeAsync() => _store = await OpenAsync();

    public ValueTask DisposeAsync() => DropAsync();

    [Fact]
    public async Task Faults_are_set_replaced_listed_in_device_order_and_cleared_once()
    {
        var a = Eui.Parse("00-DB-12-34-56-78-90-A5");
        var b = Eui.Parse("00-DB-12-34-56-78-90-A0");
        await _store.SaveFaultAsync(new StoredDeviceFault(a, "slow", "250"), Ct);
        await _store.SaveFaultAsync(new StoredDeviceFault(b, "unreachable", null), Ct);
        await _store.SaveFaultAsync(new StoredDeviceFault(a, "dual-band", "0x8F22"), Ct);

        Assert.Equal([new StoredDeviceFault(b, "unreachable", null), new StoredDeviceFault(a, "dual-band", "0x8F22")], await _store.FaultsAsync(Ct));
        Assert.True(await _store.ClearFaultAsync(a, Ct));
        Assert.False(await _store.ClearFaultAsync(a, Ct));
        Assert.Equal([new StoredDeviceFault(b, "unreachable", null)], await _store.FaultsAsync(Ct));
    }

    [Fact]
    public async Task Held_requests_are_kept_byte_for_byte_earliest_first_and_forgotten_once()
    {
        var supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
        var device = Eui.Parse("00-DB-12-34-56-78-90-A0");
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var late = new HeldDeviceRequest(new RequestId(supplier, device, 2), supplier, at, at.AddHours(2), Encoding.UTF8.GetBytes("<late/>"));
        var early = new HeldDeviceRequest(new RequestId(supplier, device, 1), supplier, at, at.AddMinutes(5), Encoding.UTF8.GetBytes("<early/>"),
            new DspScheduleId(42));
        await _store.HoldAsync(late, Ct);
        await _store.HoldAsync(early, Ct);

        var held = await _store.HeldAsync(Ct);
        Assert.Equal([early.RequestId, late.RequestId], held.Select(h => h.RequestId));
        Assert.Equal((early.Sender, early.AcceptedAt, early.ExecuteAt, "<early/>", (DspScheduleId?)new DspScheduleId(42)),
            (held[0].Sender, held[0].AcceptedAt, held[0].ExecuteAt, Encoding.UTF8.GetString(held[0].RequestXml), held[0].Schedule));
        Assert.Null(held[1].Schedule);
        Assert.True(await _store.ForgetHeldAsync(early.RequestId, Ct));
        Assert.False(await _store.ForgetHeldAsync(early.RequestId, Ct));
        Assert.Equal([late.RequestId], (await _store.HeldAsync(Ct)).Select(h => h.RequestId));
    }

    private static readonly Eui Device = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui Other = Eui.Parse("00-DB-12-34-56-78-90-A5");

    private static List<StoredDeviceEvent> Events(long from, long to) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new StoredDeviceEvent(i, new DateTimeOffset(2027, 3, 1, 10, 0, i % 60, TimeSpan.Zero), "4.1.1",
            new RequestId(Eui.Parse("90-B3-D5-1F-30-01-00-00"), Device, (ulong)i).ToString()))];

    [Fact]
    public async Task A_Device_s_state_is_kept_over_the_version_before_with_its_newest_events_in_a_ring()
    {
        var states = (IDeviceStateStore)_store;
        Assert.Null(await states.FindDeviceStateAsync(Device, Ct));
        await states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 1, "{\"b\":1}", Events(1, 3)), new StoredDeviceState(Other, 1, "{}", [])], 4, Ct);
        await states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 2, "{\"b\":2}", Events(4, 6))], 4, Ct);

        var kept = (await states.FindDeviceStateAsync(Device, Ct))!;
        Assert.Equal((2L, "{\"b\":2}"), (kept.Version, kept.State));
        // Four kept: the ring's slots 3, 0, 1, 2 now hold events 3 to 6, read oldest first.
        Assert.Equal(Events(3, 6), kept.Events);
        Assert.Equal(1, (await states.FindDeviceStateAsync(Other, Ct))!.Version);
    }

    [Fact]
    public async Task A_write_over_a_stale_version_names_the_stale_Devices_and_keeps_nothing_of_the_batch()
    {
        var states = (IDeviceStateStore)_store;
        await states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 1, "{\"b\":1}", Events(1, 1))], 100, Ct);
        // Another writer read version 0 (nothing kept) of Device: its write, and Other's beside it, are refused together.
        var conflict = await Assert.ThrowsAsync<DeviceStateConflictException>(() =>
            states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 1, "{\"b\":9}", Events(1, 1)), new StoredDeviceState(Other, 1, "{}", [])], 100, Ct));
        Assert.Equal([Device], conflict.Devices);
        Assert.Equal("{\"b\":1}", (await states.FindDeviceStateAsync(Device, Ct))!.State);
        Assert.Null(await states.FindDeviceStateAsync(Other, Ct));
        // And one a version ahead of the kept one is refused too.
        await Assert.ThrowsAsync<DeviceStateConflictException>(() => states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 3, "{}", [])], 100, Ct));
    }

    [Fact]
    public async Task States_written_in_a_unit_of_work_commit_and_roll_back_with_it()
    {
        var states = (IDeviceStateStore)_store;
        var work = OpenUnitOfWork();
        await Assert.ThrowsAsync<InvalidOperationException>(() => work.RunAsync<bool>(async ct =>
        {
            await states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 1, "{}", Events(1, 1))], 100, ct);
            throw new InvalidOperationException("the outbox write failed");
        }, Ct));
        Assert.Null(await states.FindDeviceStateAsync(Device, Ct));
        await work.RunAsync(async ct =>
        {
            await states.SaveDeviceStatesAsync([new StoredDeviceState(Device, 1, "{}", Events(1, 1))], 100, ct);
            return true;
        }, Ct);
        Assert.Equal(1, (await states.FindDeviceStateAsync(Device, Ct))!.Version);
    }

    protected abstract Core.Transactions.IUnitOfWork OpenUnitOfWork();

    [Fact]
    public async Task A_held_request_whose_command_is_still_queued_is_not_read_back_here_it_returns_through_the_command_queue()
    {
        var supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var queued = new HeldDeviceRequest(new RequestId(supplier, Eui.Parse("00-DB-12-34-56-78-90-A0"), 3), supplier, at, at.AddHours(1), Encoding.UTF8.GetBytes("<queued/>"));
        var alone = queued with { RequestId = new RequestId(supplier, Eui.Parse("00-DB-12-34-56-78-90-A6"), 4), RequestXml = Encoding.UTF8.GetBytes("<alone/>") };
        await _store.HoldAsync(queued, Ct);
        await _store.HoldAsync(alone, Ct);
        var log = await OpenRequestLogAsync();
        await log.WriteAsync(new Core.AccessControl.RequestLogBatch([], [], [new AcceptedCommand(queued.RequestId, supplier, at, queued.RequestXml)], [], "node-a", at.AddMinutes(1)), Ct);

        // Its command goes to its Device's owner (another node, on a shared database), which holds it again: read here too, it would be released twice.
        Assert.Equal([alone.RequestId], (await _store.HeldAsync(Ct)).Select(h => h.RequestId));
    }

    [Fact]
    public async Task A_cancellation_takes_the_held_requests_it_names_once_and_ends_their_requests_and_queued_commands_with_them()
    {
        var supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
        var otherSupplier = Eui.Parse("90-B3-D5-1F-30-01-00-02");
        var device = Eui.Parse("00-DB-12-34-56-78-90-A0");
        var otherDevice = Eui.Parse("00-DB-12-34-56-78-90-A6");
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        HeldDeviceRequest Held(Eui sender, Eui target, ulong counter, string xml) =>
            new(new RequestId(sender, target, counter), sender, at, at.AddHours(1), Encoding.UTF8.GetBytes(xml));
        var named = Held(supplier, device, 10, "<a/>");
        var otherVariant = Held(supplier, device, 11, "<b/>");
        var onOtherDevice = Held(supplier, otherDevice, 12, "<a/>");
        var fromOtherUser = Held(otherSupplier, device, 13, "<a/>");
        foreach (var h in new[] { named, otherVariant, onOtherDevice, fromOtherUser }) await _store.HoldAsync(h, Ct);
        var log = await OpenRequestLogAsync();
        var entry = new Core.AccessControl.LoggedRequest(named.RequestId, ServiceReferenceVariant.Parse("1.1.1"), CommandVariant.SendNonCritical, null, false, at);
        await log.WriteAsync(new Core.AccessControl.RequestLogBatch([entry], [], [new AcceptedCommand(named.RequestId, supplier, at, named.RequestXml)], [], "node-a", at.AddMinutes(1)), Ct);

        bool Names(HeldDeviceRequest h) => Encoding.UTF8.GetString(h.RequestXml) == "<a/>";
        Assert.Equal([named.RequestId], (await _store.CancelHeldAsync(supplier, device, Names, Ct)).Select(h => h.RequestId));
        // Once: a second cancellation finds nothing (E52), and the owner, releasing it, finds it gone.
        Assert.Empty(await _store.CancelHeldAsync(supplier, device, Names, Ct));
        Assert.False(await _store.ForgetHeldAsync(named.RequestId, Ct));
        Assert.Equal([otherVariant.RequestId, onOtherDevice.RequestId, fromOtherUser.RequestId], (await _store.HeldAsync(Ct)).Select(h => h.RequestId).OrderBy(id => id.Counter));
        // Its request ended (its ID free again, E55 no more) and its command left the queue: no node executes it after a takeover.
        Assert.Equal(Core.AccessControl.RequestState.Failed, Assert.Single((await log.LoadAsync(DateTimeOffset.MinValue, null, Ct)).Requests).State);
        Assert.Empty(await log.ClaimCommandsAsync("node-b", at.AddHours(1), at.AddHours(2), 10, Ct));
    }
}

public sealed class SqliteSmWanExecutionStoreTests : SmWanExecutionStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-smwan-state-").FullName;

    protected override async Task<ISmWanExecutionStore> OpenAsync() =>
        await SqliteSmWanExecutionStore.OpenAsync(Path.Combine(_dir, "openduis.db"), Ct);

    protected override async Task<Core.AccessControl.IRequestLogStore> OpenRequestLogAsync() =>
        await Storage.RequestLog.SqliteRequestLogStore.OpenAsync(Path.Combine(_dir, "openduis.db"), Ct);

    protected override Core.Transactions.IUnitOfWork OpenUnitOfWork() => new Storage.Transactions.SqliteUnitOfWork(Path.Combine(_dir, "openduis.db"));

    protected override ValueTask DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresSmWanExecutionStoreTests : SmWanExecutionStoreContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private NpgsqlDataSource? _dataSource;

    protected override async Task<ISmWanExecutionStore> OpenAsync()
    {
        var (admin, scoped) = await PostgresTestSchema.CreateAsync(_schema);
        _admin = admin;
        _dataSource = NpgsqlDataSource.Create(scoped);
        return await PostgresSmWanExecutionStore.OpenAsync(_dataSource, Ct);
    }

    protected override async Task<Core.AccessControl.IRequestLogStore> OpenRequestLogAsync() =>
        await Storage.RequestLog.PostgresRequestLogStore.OpenAsync(_dataSource!, Ct);

    protected override Core.Transactions.IUnitOfWork OpenUnitOfWork() => new Storage.Transactions.PostgresUnitOfWork(_dataSource!);

    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-B0");
    private static readonly Eui Gsme = Eui.Parse("00-DB-12-34-56-78-90-B1");
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");

    /// <summary>
    /// Node a owns both Devices; then node b takes Esme over (a new epoch from the sequence, as a takeover's UPDATE gives it).
    /// Returns node a's fences and node b's for Esme.
    /// </summary>
    private async Task<(DeviceFence StaleEsme, DeviceFence Gsme, DeviceFence Current)> TakeEsmeOverAsync()
    {
        await using var c = await _dataSource!.OpenConnectionAsync(Ct);
        async Task<long> EpochAsync(string sql, Eui device)
        {
            await using var command = new NpgsqlCommand(sql, c);
            command.Parameters.AddWithValue("d", device.ToString());
            return (long)(await command.ExecuteScalarAsync(Ct))!;
        }
        var a = await EpochAsync("INSERT INTO device_leases (device_id, owner, lease_until_us) VALUES (@d, 'node-a', 0) RETURNING epoch", Esme);
        var g = await EpochAsync("INSERT INTO device_leases (device_id, owner, lease_until_us) VALUES (@d, 'node-a', 0) RETURNING epoch", Gsme);
        var b = await EpochAsync("UPDATE device_leases SET owner = 'node-b', epoch = nextval('device_lease_epochs') WHERE device_id = @d RETURNING epoch", Esme);
        return (new DeviceFence(Esme, "node-a", a), new DeviceFence(Gsme, "node-a", g), new DeviceFence(Esme, "node-b", b));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var c = await _dataSource!.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(sql, c);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    [Fact]
    public async Task A_state_only_batch_under_a_stale_epoch_is_refused_as_a_whole_and_the_current_owner_s_lands()
    {
        var (stale, gsme, current) = await TakeEsmeOverAsync();
        var states = (IDeviceStateStore)Store;
        // No outbox entry in the batch: the states carry the fence themselves.
        var refused = await Assert.ThrowsAsync<DeviceFencedException>(() => states.SaveDeviceStatesAsync(
            [new StoredDeviceState(Esme, 1, "{\"stale\":1}", []) { Fence = stale }, new StoredDeviceState(Gsme, 1, "{}", []) { Fence = gsme }], 100, Ct));
        Assert.Equal([Esme], refused.Devices);
        Assert.Null(await states.FindDeviceStateAsync(Esme, Ct));
        Assert.Null(await states.FindDeviceStateAsync(Gsme, Ct));

        await states.SaveDeviceStatesAsync([new StoredDeviceState(Esme, 1, "{\"b\":1}", []) { Fence = current }], 100, Ct);
        Assert.Equal("{\"b\":1}", (await states.FindDeviceStateAsync(Esme, Ct))!.State);
    }

    [Fact]
    public async Task An_N999_and_the_state_of_the_response_it_replaces_are_refused_together_under_a_stale_epoch()
    {
        var (stale, _, current) = await TakeEsmeOverAsync();
        var states = (IDeviceStateStore)Store;
        var outbox = await Storage.Outbox.PostgresOutboxStore.OpenAsync(_dataSource!, TimeProvider.System, Ct);
        Core.Outbox.OutboxEntry N999(DeviceFence fence) =>
            new($"{Supplier}:{fence.Epoch}", Supplier, new RequestId(Supplier, Esme, 7).ToString(), Core.Outbox.OutboxKind.DccAlert, "<N999/>"u8.ToArray()) { Fence = fence };
        var work = OpenUnitOfWork();
        // As the emulated SM WAN writes a batch whose response became an N999: the alert, then the Device's state, in one unit of work.
        Task<bool> Write(DeviceFence fence) => work.RunAsync(async ct =>
        {
            await outbox.EnqueueAsync([N999(fence)], ct);
            await states.SaveDeviceStatesAsync([new StoredDeviceState(Esme, 1, "{}", []) { Fence = fence }], 100, ct);
            return true;
        }, Ct);

        Assert.Equal([Esme], (await Assert.ThrowsAsync<DeviceFencedException>(() => Write(stale))).Devices);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM outbox"));
        Assert.Null(await states.FindDeviceStateAsync(Esme, Ct));
        // The state alone, the alert's fence aside, is refused too.
        await Assert.ThrowsAsync<DeviceFencedException>(() => states.SaveDeviceStatesAsync([new StoredDeviceState(Esme, 1, "{}", []) { Fence = stale }], 100, Ct));

        await Write(current);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM outbox"));
        Assert.Equal(1, (await states.FindDeviceStateAsync(Esme, Ct))!.Version);
    }

    [Fact]
    public async Task A_held_request_is_neither_kept_nor_released_under_a_stale_epoch()
    {
        var (stale, _, current) = await TakeEsmeOverAsync();
        var store = Store;
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var held = new HeldDeviceRequest(new RequestId(Supplier, Esme, 8), Supplier, at, at.AddHours(1), Encoding.UTF8.GetBytes("<held/>"));

        Assert.Equal([Esme], (await Assert.ThrowsAsync<DeviceFencedException>(() => store.HoldAsync(held with { Fence = stale }, Ct))).Devices);
        Assert.Empty(await store.HeldAsync(Ct));

        await QueueAsync(held);
        Assert.True(await store.HoldAsync(held with { Fence = current }, Ct));
        // The old owner, waking at its execution date-time, cannot release it (nor so make the new owner find it gone).
        await Assert.ThrowsAsync<DeviceFencedException>(() => store.ForgetHeldAsync(held.RequestId, Ct, stale));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM held_requests"));
        Assert.True(await store.ForgetHeldAsync(held.RequestId, Ct, current));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM held_requests"));
    }

    /// <summary>Records <paramref name="held"/>'s command in the durable command queue (owned by node-b) with its request in progress.</summary>
    private async Task QueueAsync(params HeldDeviceRequest[] held)
    {
        var log = await OpenRequestLogAsync();
        await log.WriteAsync(new Core.AccessControl.RequestLogBatch(
            [.. held.Select(h => new Core.AccessControl.LoggedRequest(h.RequestId, ServiceReferenceVariant.Parse("4.1.1"), CommandVariant.SendNonCritical, null, false, h.AcceptedAt))],
            [], [.. held.Select(h => new AcceptedCommand(h.RequestId, h.Sender, h.AcceptedAt, h.RequestXml))], [], "node-b", held[0].AcceptedAt.AddHours(1)), Ct);
    }

    private Task<string?> StateAsync(RequestId id) => ScalarAsync<string>("SELECT state FROM request_log WHERE request_id = @Id", id.ToString());

    private async Task<T?> ScalarAsync<T>(string sql, string id)
    {
        await using var c = await _dataSource!.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(sql, c);
        command.Parameters.AddWithValue("Id", id);
        return await command.ExecuteScalarAsync(Ct) is T value ? value : default;
    }

    [Fact]
    public async Task The_owner_s_own_cancellation_under_a_stale_epoch_cancels_nothing_and_under_the_current_one_cancels()
    {
        var (stale, _, current) = await TakeEsmeOverAsync();
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var held = new HeldDeviceRequest(new RequestId(Supplier, Esme, 20), Supplier, at, at.AddHours(1), Encoding.UTF8.GetBytes("<held/>"));
        await QueueAsync(held);
        Assert.True(await Store.HoldAsync(held with { Fence = current }, Ct));

        // Node a stalled past its lease and wakes with a cancellation it admitted as the owner: refused as a whole.
        Assert.Equal([Esme], (await Assert.ThrowsAsync<DeviceFencedException>(() => Store.CancelHeldAsync(Supplier, Esme, _ => true, Ct, stale))).Devices);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM held_requests"));
        Assert.Equal("InProgress", await StateAsync(held.RequestId));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM device_commands"));

        // Node b, the owner now, cancels it.
        Assert.Equal([held.RequestId], (await Store.CancelHeldAsync(Supplier, Esme, _ => true, Ct, current)).Select(h => h.RequestId));
        Assert.Equal("Failed", await StateAsync(held.RequestId));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM device_commands"));
    }

    [Fact]
    public async Task A_request_still_being_handed_to_its_owner_is_cancelled_from_the_queue_and_the_owner_then_holds_nothing()
    {
        var (_, _, current) = await TakeEsmeOverAsync();
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var handed = new HeldDeviceRequest(new RequestId(Supplier, Esme, 30), Supplier, at, at.AddHours(1), Encoding.UTF8.GetBytes("<future/>"));
        var cancel = handed with { RequestId = new RequestId(Supplier, Esme, 31), RequestXml = Encoding.UTF8.GetBytes("<cancel/>") };
        var other = handed with { RequestId = new RequestId(Supplier, Esme, 32), RequestXml = Encoding.UTF8.GetBytes("<other/>") };
        await QueueAsync(handed, cancel, other);

        // Not held yet: offered as queued (the cancellation itself never), and taken when named; the cancellation ends Succeeded.
        var offered = new List<(RequestId, bool)>();
        var cancelled = await Store.CancelHeldAsync(Supplier, Esme, h =>
        {
            offered.Add((h.RequestId, h.Queued));
            return Encoding.UTF8.GetString(h.RequestXml) == "<future/>";
        }, Ct, cancellation: cancel.RequestId);
        Assert.Equal([(handed.RequestId, true), (other.RequestId, true)], offered.OrderBy(o => o.Item1.Counter));
        Assert.Equal([handed.RequestId], cancelled.Select(h => h.RequestId));
        Assert.Equal(("Failed", "Succeeded", "InProgress"), (await StateAsync(handed.RequestId), await StateAsync(cancel.RequestId), await StateAsync(other.RequestId)));

        // The owner, to which it was being handed, now finds its command gone: it holds nothing, so it never runs.
        Assert.False(await Store.HoldAsync(handed with { Fence = current }, Ct));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM held_requests"));
        Assert.Empty(await Store.CancelHeldAsync(Supplier, Esme, h => Encoding.UTF8.GetString(h.RequestXml) == "<future/>", Ct));
    }

    [Fact]
    public async Task A_cancellation_waits_for_an_owner_holding_the_request_and_then_takes_the_held_row()
    {
        var at = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var handed = new HeldDeviceRequest(new RequestId(Supplier, Esme, 40), Supplier, at, at.AddHours(1), Encoding.UTF8.GetBytes("<future/>"));
        await QueueAsync(handed);

        // The owner's hold has read its command (FOR SHARE) and not committed: the cancellation waits for it, then finds it held.
        await using var owner = await _dataSource!.OpenConnectionAsync(Ct);
        await using var holding = await owner.BeginTransactionAsync(Ct);
        await using (var read = new NpgsqlCommand("SELECT 1 FROM device_commands WHERE request_id = @Id FOR SHARE", owner, holding))
        {
            read.Parameters.AddWithValue("Id", handed.RequestId.ToString());
            await read.ExecuteScalarAsync(Ct);
        }
        var cancelling = Store.CancelHeldAsync(Supplier, Esme, h => !h.Queued, Ct);
        await Task.Delay(500, Ct);
        Assert.False(cancelling.IsCompleted);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO held_requests (request_id, sender, accepted_us, execute_us, request_xml) VALUES (@Id, @Sender, @At, @Execute, @Xml)", owner, holding))
        {
            insert.Parameters.AddWithValue("Id", handed.RequestId.ToString());
            insert.Parameters.AddWithValue("Sender", Supplier.ToString());
            insert.Parameters.AddWithValue("At", (at - DateTimeOffset.UnixEpoch).Ticks / 10);
            insert.Parameters.AddWithValue("Execute", (at.AddHours(1) - DateTimeOffset.UnixEpoch).Ticks / 10);
            insert.Parameters.AddWithValue("Xml", handed.RequestXml);
            await insert.ExecuteNonQueryAsync(Ct);
        }
        await holding.CommitAsync(Ct);

        // Matched as held (not queued), though the cancellation began before the hold committed.
        Assert.Equal([handed.RequestId], (await cancelling).Select(h => h.RequestId));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM held_requests"));
        Assert.Equal("Failed", await StateAsync(handed.RequestId));
    }

    protected override async ValueTask DropAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
