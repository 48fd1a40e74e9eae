using Npgsql;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Schedules;
using OpenDuis.Storage.Smi;
using OpenDuis.Storage.Transactions;

namespace OpenDuis.Storage.Tests.Transactions;

/// <summary>
/// The unit of work across the SMI, schedule and outbox stores of one database (R-WS-2), on SQLite and
/// PostgreSQL: what it writes commits together or not at all, a unit started inside another joins it,
/// in-memory views change only on commit, and a store call that fails inside it (a real constraint of
/// the database) leaves the rest of the work usable.
/// </summary>
public abstract class UnitOfWorkContract : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Eui Owner = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-9A-01");

    private SqlSmiStore _store = null!;
    private IOutboxStore _outbox = null!;
    private SqlScheduleStore _schedules = null!;
    private IUnitOfWork _unitOfWork = null!;

    protected abstract Task<(SqlSmiStore, IOutboxStore, SqlScheduleStore, IUnitOfWork)> OpenAsync();

    protected abstract ValueTask DropAsync();

    public async ValueTask InitializeAsync()
    {
        (_store, _outbox, _schedules, _unitOfWork) = await OpenAsync();
        await _store.SaveDeviceAsync(new Device
        {
            Id = Meter, Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.InstalledNotCommissioned,
        }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _schedules.DisposeAsync();
        await DropAsync();
    }

    private static OutboxEntry Alert(string responseId) => new(responseId, Owner, responseId, OutboxKind.DccAlert, [1, 2, 3]);

    private Task<DspScheduleId> ScheduleAsync() => _schedules.CreateAsync(new ScheduleDefinition(Owner, UserRole.ImportSupplier,
        new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2099, 1, 1), null), ServiceReferenceVariant.Parse("4.6.1"), Meter, "<x/>", null),
        DateTimeOffset.UnixEpoch, Ct);

    [Fact]
    public async Task The_status_change_the_schedule_deletion_and_the_alert_commit_together()
    {
        var schedule = await ScheduleAsync();
        var ran = false;

        await _unitOfWork.RunAsync(async ct =>
        {
            await _store.ChangeStatusAsync(Meter, SmiStatus.Commissioned, DateTimeOffset.UtcNow, ct);
            Assert.True(await _schedules.DeleteAsync(schedule, ct));
            await _outbox.EnqueueAsync([Alert("together-1")], ct);
            UnitOfWorkContext.AfterCommit(() => ran = true);
            Assert.False(ran, "an after-commit action ran before the commit");
            return 0;
        }, Ct);

        Assert.True(ran);
        Assert.Equal(SmiStatus.Commissioned, (await _store.FindDeviceAsync(Meter, Ct))!.Status);
        Assert.Null(await _schedules.GetAsync(schedule, Ct));
        Assert.Equal(1, await _outbox.CountUndeliveredAsync(Ct));
    }

    [Fact]
    public async Task The_delivery_signal_is_raised_after_the_commit_of_the_messages_and_not_for_work_rolled_back()
    {
        var signal = new OutboxSignal();
        var raised = 0;
        signal.Enqueued += () => raised++;
        var outbox = new SignallingOutboxStore(_outbox, signal);

        await outbox.EnqueueAsync([Alert("signal-alone")], Ct);
        Assert.Equal(1, raised); // a write of its own commits at once

        await _unitOfWork.RunAsync(async ct =>
        {
            await outbox.EnqueueAsync([Alert("signal-committed")], ct);
            Assert.Equal(1, raised); // not before the commit: the worker would find nothing
            return 0;
        }, Ct);
        Assert.Equal(2, raised);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _unitOfWork.RunAsync<int>(async ct =>
        {
            await outbox.EnqueueAsync([Alert("signal-rolled-back")], ct);
            throw new InvalidOperationException("refused");
        }, Ct));
        Assert.Equal(2, raised);
        Assert.Equal(2, await _outbox.CountUndeliveredAsync(Ct));
    }

    [Fact]
    public async Task Work_that_throws_leaves_the_status_the_schedule_and_the_outbox_as_they_were_and_runs_no_after_commit_action()
    {
        var schedule = await ScheduleAsync();
        var ran = false;

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _unitOfWork.RunAsync<int>(async ct =>
        {
            await _store.ChangeStatusAsync(Meter, SmiStatus.Commissioned, DateTimeOffset.UtcNow, ct);
            await _schedules.DeleteAsync(schedule, ct);
            await _outbox.EnqueueAsync([Alert("rolled-back-1")], ct);
            UnitOfWorkContext.AfterCommit(() => ran = true);
            throw new InvalidOperationException("the work failed after writing");
        }, Ct));

        Assert.Equal("the work failed after writing", thrown.Message);
        Assert.False(ran);
        Assert.Equal(SmiStatus.InstalledNotCommissioned, (await _store.FindDeviceAsync(Meter, Ct))!.Status);
        Assert.NotNull(await _schedules.GetAsync(schedule, Ct));
        Assert.Equal(0, await _outbox.CountUndeliveredAsync(Ct));
    }

    [Fact]
    public async Task A_unit_of_work_started_inside_another_joins_it_and_rolls_back_with_it()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => _unitOfWork.RunAsync<int>(async ct =>
        {
            await _unitOfWork.RunAsync(async inner =>
            {
                await _outbox.EnqueueAsync([Alert("nested-1")], inner);
                return 0;
            }, ct);
            // The inner unit returned: nothing is committed until the outer one is.
            throw new TimeoutException("outer work failed");
        }, Ct));

        Assert.Equal(0, await _outbox.CountUndeliveredAsync(Ct));
    }

    [Fact]
    public async Task An_outbox_write_the_database_refuses_as_a_duplicate_fails_alone_and_the_rest_of_the_work_commits()
    {
        await _outbox.EnqueueAsync([Alert("dup-1")], Ct);

        await _unitOfWork.RunAsync(async ct =>
        {
            await _outbox.EnqueueAsync([Alert("dup-2")], ct);
            // The unique response_id refuses the second row; on PostgreSQL, without the call's savepoint, the whole transaction would be aborted.
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => _outbox.EnqueueAsync([Alert("dup-3"), Alert("dup-1")], ct));
            await _store.ChangeStatusAsync(Meter, SmiStatus.Commissioned, DateTimeOffset.UtcNow, ct);
            return 0;
        }, Ct);

        Assert.Equal(2, await _outbox.CountUndeliveredAsync(Ct)); // dup-1 and dup-2: not dup-3, written by the refused call
        Assert.Equal(SmiStatus.Commissioned, (await _store.FindDeviceAsync(Meter, Ct))!.Status);
    }

    [Fact]
    public async Task Outside_a_unit_of_work_each_store_call_commits_on_its_own()
    {
        Assert.False(UnitOfWorkContext.IsActive);
        await _outbox.EnqueueAsync([Alert("alone-1")], Ct);
        await _store.ChangeStatusAsync(Meter, SmiStatus.Commissioned, DateTimeOffset.UtcNow, Ct);
        var ran = false;
        UnitOfWorkContext.AfterCommit(() => ran = true);

        Assert.True(ran, "with no unit of work open an after-commit action runs at once");
        Assert.Equal(1, await _outbox.CountUndeliveredAsync(Ct));
        Assert.Equal(SmiStatus.Commissioned, (await _store.FindDeviceAsync(Meter, Ct))!.Status);
    }
}

public sealed class SqliteUnitOfWorkTests : UnitOfWorkContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-uow-").FullName;

    protected override async Task<(SqlSmiStore, IOutboxStore, SqlScheduleStore, IUnitOfWork)> OpenAsync()
    {
        var path = Path.Combine(_dir, "openduis.db");
        return (await SqliteSmiStore.OpenAsync(path, Ct), await SqliteOutboxStore.OpenAsync(path, TimeProvider.System, Ct),
            await SqliteScheduleStore.OpenAsync(path, Ct), new SqliteUnitOfWork(path));
    }

    /// <summary>A unit of work on another file is not joined by these stores: they write on their own.</summary>
    [Fact]
    public async Task Stores_do_not_enlist_in_a_unit_of_work_on_another_database()
    {
        var other = new SqliteUnitOfWork(Path.Combine(_dir, "other.db"));
        await Assert.ThrowsAsync<TimeoutException>(() => other.RunAsync<int>(async ct =>
        {
            await (await SqliteOutboxStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TimeProvider.System, ct)).EnqueueAsync(
                [new OutboxEntry("elsewhere-1", Eui.Parse("90-B3-D5-1F-30-01-00-00"), "k", OutboxKind.DccAlert, [1])], ct);
            throw new TimeoutException("rolled back");
        }, Ct));
        Assert.Equal(1, await (await SqliteOutboxStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TimeProvider.System, Ct)).CountUndeliveredAsync(Ct));
    }

    protected override ValueTask DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresUnitOfWorkTests : UnitOfWorkContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private NpgsqlDataSource? _dataSource;

    protected override async Task<(SqlSmiStore, IOutboxStore, SqlScheduleStore, IUnitOfWork)> OpenAsync()
    {
        var (admin, scoped) = await PostgresTestSchema.CreateAsync(_schema);
        _admin = admin;
        _dataSource = NpgsqlDataSource.Create(scoped);
        return (await PostgresSmiStore.OpenAsync(scoped, Ct), await PostgresOutboxStore.OpenAsync(_dataSource, TimeProvider.System, Ct),
            await PostgresScheduleStore.OpenAsync(scoped, Ct), new PostgresUnitOfWork(_dataSource));
    }

    protected override async ValueTask DropAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
