using System.Data.Common;
using System.Text;
using Dapper;
using Npgsql;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Schedules;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Schedules;
using OpenDuis.Storage.Smi;
using OpenDuis.Storage.Transactions;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// R-WS-2 on both databases: an inventory request's SMI change, the DCC Alerts it raises (N2) and the
/// DCC Schedules it ends with their removal alerts (N4) commit in one transaction. The outbox is made
/// to fail for real, by a trigger in the test database, and everything the request wrote is rolled
/// back; with the trigger gone the same request commits whole.
/// </summary>
public abstract class InventoryAtomicityContract : IAsyncLifetime
{
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What a decommission of a demo-MPAN meter with one schedule writes: N2 to each of the Network Operator's Users, N4 to the schedule's owner.</summary>
    private const string Decommissioned = "N2,N2,N4";

    private SqlSmiStore _store = null!;
    private IOutboxStore _outbox = null!;
    private SqlScheduleStore _schedules = null!;
    private IUnitOfWork _unitOfWork = null!;
    private SmiCache _cache = null!;
    private InventoryServices _services = null!;

    protected abstract Task<(SqlSmiStore Store, IOutboxStore Outbox, SqlScheduleStore Schedules, IUnitOfWork UnitOfWork)> OpenAsync();

    /// <summary>A plain connection to the test database, outside any unit of work.</summary>
    protected abstract Task<DbConnection> ConnectAsync();

    /// <summary>Makes the outbox refuse every row that <paramref name="condition"/> (SQL over NEW) selects.</summary>
    protected abstract string RefuseSql(string condition);

    protected abstract string DropRefusalSql { get; }

    protected abstract ValueTask DropAsync();

    public async ValueTask InitializeAsync()
    {
        (_store, _outbox, _schedules, _unitOfWork) = await OpenAsync();
        await DemoEnvironment.SeedAsync(_store, cancellationToken: Ct);
        _cache = await SmiCache.LoadAsync(_store, Ct);
        var dsp = OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!;
        var sink = new OutboxDccAlertSink(_outbox, dsp, TimeProvider.System, new PartyStoreDuisVersions(_store));
        var listeners = new SmiStatusChangeListeners([
            new DeviceStatusAlertListener(new DeviceStatusAlerts(_store, sink, _unitOfWork)),
            new ScheduleRemovalOnStatusChange(_schedules, new OutboxScheduleNotices(_outbox, dsp, _ => DuisSchemaVersion.V5_4), _unitOfWork),
        ]);
        _services = new InventoryServices(_cache, TimeProvider.System, listeners, _unitOfWork);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _schedules.DisposeAsync();
        await DropAsync();
    }

    /// <summary>A commissioned meter of the demo MPAN (Supplier and Network Operator registered) with one DCC Schedule.</summary>
    private async Task<(Eui Meter, DspScheduleId Schedule)> MeterWithScheduleAsync(string id)
    {
        var meter = Eui.Parse(id);
        await _cache.SaveDeviceAsync(new Device
        {
            Id = meter, Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
            Manufacturer = "ESME", Model = "ESME", FirmwareVersion = "1.0", Mpxn = DemoEnvironment.ElectricityMpan,
        }, Ct);
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), null);
        var schedule = await _schedules.CreateAsync(new ScheduleDefinition(Supplier, UserRole.ImportSupplier, timing,
            ServiceReferenceVariant.Parse("4.6.1"), meter, "<x/>", null), DateTimeOffset.UtcNow, Ct);
        return (meter, schedule);
    }

    /// <summary>The meter's status history rows, the codes of the DCC Alerts about it in the outbox, and all outbox rows.</summary>
    private async Task<(long History, string Alerts, long Outbox)> RowsAsync(Eui meter)
    {
        await using var c = await ConnectAsync();
        var history = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM device_status_history WHERE device_id = @Id", new { Id = unchecked((long)meter.Value) });
        var bodies = (await c.QueryAsync<byte[]>("SELECT body FROM outbox WHERE kind = 'DccAlert'")).Select(b => Encoding.UTF8.GetString(b)).ToList();
        var outbox = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox");
        var codes = bodies.Where(b => b.Contains(meter.ToString(), StringComparison.OrdinalIgnoreCase))
            .Select(b => System.Text.RegularExpressions.Regex.Match(b, ">(N[0-9]+)<").Groups[1].Value).Order(StringComparer.Ordinal);
        return (history, string.Join(",", codes), outbox);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = await ConnectAsync();
        await c.ExecuteAsync(sql);
    }

    [Fact]
    public async Task A_decommission_whose_schedule_removal_alert_cannot_be_written_changes_nothing_and_fails_with_the_reason()
    {
        var (meter, schedule) = await MeterWithScheduleAsync("00-DB-12-34-56-79-A0-01");
        var before = await RowsAsync(meter);
        // N2 to the Network Operator is written first and succeeds; the N4 to the schedule's owner is refused.
        await ExecuteAsync(RefuseSql("NEW.ordering_key LIKE 'schedule-%'"));

        var failed = await Assert.ThrowsAsync<InventoryChangeFailedException>(() => _services.ApplyAsync(Supplier, new DecommissionDevice(meter), Ct));

        Assert.Contains("outbox refuses", failed.Message);
        Assert.Contains(meter.ToString(), failed.Message);
        Assert.Equal(SmiStatus.Commissioned, (await _store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.True(_cache.TryGetDevice(meter, out var cached) && cached.Status == SmiStatus.Commissioned, "the cache access control reads changed with a rolled-back change");
        Assert.NotNull(await _schedules.GetAsync(schedule, Ct));
        Assert.Equal(before, await RowsAsync(meter));

        await ExecuteAsync(DropRefusalSql);
        var outcome = await _services.ApplyAsync(Supplier, new DecommissionDevice(meter), Ct);

        Assert.Equal(ResponseCode.I99, outcome.Code);
        Assert.Equal(SmiStatus.Decommissioned, (await _store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.True(_cache.TryGetDevice(meter, out cached) && cached.Status == SmiStatus.Decommissioned);
        Assert.Null(await _schedules.GetAsync(schedule, Ct));
        var after = await RowsAsync(meter);
        Assert.Equal(before.History + 1, after.History);
        Assert.Equal("", before.Alerts);
        Assert.Equal(Decommissioned, after.Alerts);
    }

    [Fact]
    public async Task An_update_to_Suspended_whose_N8_cannot_be_written_keeps_the_device_and_its_schedule()
    {
        var (meter, schedule) = await MeterWithScheduleAsync("00-DB-12-34-56-79-A0-02");
        var before = await RowsAsync(meter);
        await ExecuteAsync(RefuseSql("NEW.kind = 'DccAlert'"));

        await Assert.ThrowsAsync<InventoryChangeFailedException>(() => _services.ApplyAsync(Supplier,
            new UpdateInventory(meter, new UpdateDeviceStatus(SmiStatus.Suspended, ForCommsHub: false)), Ct));

        Assert.Equal(SmiStatus.Commissioned, (await _store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.NotNull(await _schedules.GetAsync(schedule, Ct));
        Assert.Equal(before, await RowsAsync(meter));
        await ExecuteAsync(DropRefusalSql);
    }

    /// <summary>
    /// Twenty decommissions, the outbox refusing about one row in five at random (a decommission writes
    /// three, so about half of them fail): every meter either changed with its history row, its N2s and
    /// its N4, or did not change at all.
    /// </summary>
    [Fact]
    public async Task Under_random_outbox_failures_a_committed_change_always_has_its_alerts_and_a_failed_one_leaves_nothing()
    {
        var meters = new List<(Eui Meter, DspScheduleId Schedule)>();
        for (var i = 0; i < 20; i++) meters.Add(await MeterWithScheduleAsync($"00-DB-12-34-56-79-B0-{i:X2}"));
        await ExecuteAsync(RefuseSql(RandomFifth));
        int committed = 0, failed = 0;
        foreach (var (meter, _) in meters)
        {
            try
            {
                Assert.Equal(ResponseCode.I99, (await _services.ApplyAsync(Supplier, new DecommissionDevice(meter), Ct)).Code);
                committed++;
            }
            catch (InventoryChangeFailedException)
            {
                failed++;
            }
        }
        await ExecuteAsync(DropRefusalSql);

        Assert.True(committed > 0 && failed > 0, $"{committed} committed, {failed} failed: the random refusal should give both");
        foreach (var (meter, schedule) in meters)
        {
            var rows = await RowsAsync(meter);
            var status = (await _store.FindDeviceAsync(meter, Ct))!.Status;
            if (status == SmiStatus.Decommissioned)
            {
                Assert.Equal((1L, Decommissioned), (rows.History, rows.Alerts));
                Assert.Null(await _schedules.GetAsync(schedule, Ct));
            }
            else
            {
                Assert.Equal(SmiStatus.Commissioned, status);
                Assert.Equal((0L, ""), (rows.History, rows.Alerts));
                Assert.NotNull(await _schedules.GetAsync(schedule, Ct));
            }
        }
    }

    /// <summary>SQL over NEW true for about one row in five.</summary>
    protected abstract string RandomFifth { get; }
}

public sealed class SqliteInventoryAtomicityTests : InventoryAtomicityContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-atomic-").FullName;
    private string Database => Path.Combine(_dir, "openduis.db");

    protected override async Task<(SqlSmiStore, IOutboxStore, SqlScheduleStore, IUnitOfWork)> OpenAsync() =>
        (await SqliteSmiStore.OpenAsync(Database, Ct), await SqliteOutboxStore.OpenAsync(Database, TimeProvider.System, Ct),
            await SqliteScheduleStore.OpenAsync(Database, Ct), new SqliteUnitOfWork(Database));

    protected override async Task<DbConnection> ConnectAsync()
    {
        var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database}");
        await c.OpenAsync(Ct);
        return c;
    }

    protected override string RefuseSql(string condition) =>
        $"CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox WHEN {condition} BEGIN SELECT RAISE(ABORT, 'outbox refuses this row (test trigger)'); END";

    protected override string DropRefusalSql => "DROP TRIGGER refuse_outbox";

    protected override string RandomFifth => "abs(random()) % 5 = 0";

    protected override ValueTask DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresInventoryAtomicityTests : InventoryAtomicityContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private string? _scoped;
    private NpgsqlDataSource? _dataSource;

    protected override async Task<(SqlSmiStore, IOutboxStore, SqlScheduleStore, IUnitOfWork)> OpenAsync()
    {
        _admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        if (string.IsNullOrWhiteSpace(_admin))
            throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG to its Npgsql connection string");
        await using (var c = new NpgsqlConnection(_admin))
        {
            await c.OpenAsync(Ct);
            await c.ExecuteAsync($"CREATE SCHEMA {_schema}");
        }
        _scoped = new NpgsqlConnectionStringBuilder(_admin) { SearchPath = _schema }.ToString();
        _dataSource = NpgsqlDataSource.Create(_scoped);
        var store = await PostgresSmiStore.OpenAsync(_scoped, Ct);
        return (store, await PostgresOutboxStore.OpenAsync(_dataSource, TimeProvider.System, Ct), await PostgresScheduleStore.OpenAsync(_scoped, Ct),
            new PostgresUnitOfWork(_dataSource));
    }

    protected override async Task<DbConnection> ConnectAsync() => await _dataSource!.OpenConnectionAsync(Ct);

    protected override string RefuseSql(string condition) =>
        "CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox refuses this row (test trigger)'; END $$; " +
        $"CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION refuse_outbox()";

    protected override string DropRefusalSql => "DROP TRIGGER refuse_outbox ON outbox; DROP FUNCTION refuse_outbox()";

    protected override string RandomFifth => "random() < 0.2";

    protected override async ValueTask DropAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_admin is null) return;
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await c.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }
}

/// <summary>
/// R-WS-2 over HTTP on a server of its own (SQLite): an 8.3 whose DCC Alert the database refuses is
/// answered HTTP 503 with the reason, the meter is unchanged for the next request, and the same
/// request sent again once the outbox accepts commits with its alert.
/// </summary>
public sealed class InventoryAtomicityOverHttpTests : IAsyncLifetime
{
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 800_000_000;
    private OpenDuisInstance _instance = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _instance = await OpenDuisInstance.StartAsync();

    public async ValueTask DisposeAsync() => await _instance.DisposeAsync();

    [Fact]
    public async Task A_decommission_whose_alert_cannot_be_written_is_answered_503_with_the_reason_and_the_meter_stays_commissioned()
    {
        var meter = DemoEnvironment.EsmeWithApc;
        await ExecuteAsync("CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox WHEN NEW.kind = 'DccAlert' " +
            "BEGIN SELECT RAISE(ABORT, 'outbox refuses this row (test trigger)'); END");
        var outboxBefore = await _instance.Outbox.CountUndeliveredAsync(Ct);

        var (status, body) = await PostAsync(Decommission(meter));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("was not applied", body);
        Assert.Contains("outbox refuses this row", body);
        Assert.Contains("Nothing was changed", body);
        Assert.Equal(SmiStatus.Commissioned, (await _instance.Store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.True(_instance.Cache.TryGetDevice(meter, out var cached) && cached.Status == SmiStatus.Commissioned);
        Assert.Equal(outboxBefore, await _instance.Outbox.CountUndeliveredAsync(Ct));

        await ExecuteAsync("DROP TRIGGER refuse_outbox");
        var (again, answer) = await PostAsync(Decommission(meter));

        Assert.Equal(System.Net.HttpStatusCode.OK, again);
        Assert.Contains(">I99<", answer);
        Assert.Equal(SmiStatus.Decommissioned, (await _instance.Store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.True(await _instance.Outbox.CountUndeliveredAsync(Ct) > outboxBefore, "the N2 the decommission raises is in the outbox");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_instance.DatabasePath}");
        await c.OpenAsync(Ct);
        await c.ExecuteAsync(sql);
    }

    private static Protocol.Messages.DuisRequest Decommission(Eui meter)
    {
        var doc = new System.Xml.XmlDocument();
        doc.LoadXml($"<sr:DecommissionDevice xmlns:sr=\"{Protocol.Messages.DuisNamespaces.ServiceUserGateway}\"><sr:DeviceID>{meter}</sr:DeviceID></sr:DecommissionDevice>");
        var v = ServiceReferenceVariant.Parse("8.3");
        return new Protocol.Messages.DuisRequest(DuisSchemaVersion.V5_4,
            new RequestId(DemoEnvironment.Supplier, DemoEnvironment.AccessControlBroker, (ulong)Interlocked.Increment(ref _counter)),
            CommandVariant.NonDevice, v.Reference, v, doc.DocumentElement!);
    }

    private async Task<(System.Net.HttpStatusCode Status, string Body)> PostAsync(Protocol.Messages.DuisRequest request)
    {
        var signed = ServedRequests.SignWithTool(request.ToXmlDocument().OuterXml);
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await _instance.Http.PostAsync(_instance.Server.ServiceUri(request.CommandVariant.WebService()), content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}
