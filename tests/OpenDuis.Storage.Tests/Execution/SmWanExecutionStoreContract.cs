using System.Text;
using Npgsql;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Execution;

namespace OpenDuis.Storage.Tests.Execution;

/// <summary>
/// The emulated SM WAN's kept state (migrations 0010, 0011) on both databases: faults set, replaced,
/// listed and cleared; held Future Dated (DSP) requests kept byte for byte, listed earliest first, forgotten once.
/// </summary>
public abstract class SmWanExecutionStoreContract : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    private ISmWanExecutionStore _store = null!;

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

    protected override async ValueTask DropAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
