using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Migrations;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Execution;

/// <summary>
/// The emulated SM WAN's faults and held Future Dated (DSP) requests in the data folder's database
/// (migrations 0010 and 0011), so a restart of the server keeps them. The same SQL on SQLite and PostgreSQL.
/// </summary>
public abstract class SqlSmWanExecutionStore : ISmWanExecutionStore
{
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public async Task SaveFaultAsync(StoredDeviceFault fault, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO device_faults (device_id, mode, parameter, set_us) VALUES (@Device, @Mode, @Parameter, @At) " +
            "ON CONFLICT (device_id) DO UPDATE SET mode = excluded.mode, parameter = excluded.parameter, set_us = excluded.set_us",
            new { Device = fault.Device.ToString(), fault.Mode, fault.Parameter, At = Db.Micros(DateTimeOffset.UtcNow) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<bool> ClearFaultAsync(Eui device, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_faults WHERE device_id = @Device", new { Device = device.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<StoredDeviceFault>> FaultsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<(string Device, string Mode, string? Parameter)>(new CommandDefinition(
            "SELECT device_id, mode, parameter FROM device_faults ORDER BY device_id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredDeviceFault(Eui.Parse(r.Device), r.Mode, r.Parameter))];
    }

    public async Task HoldAsync(HeldDeviceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO held_requests (request_id, sender, accepted_us, execute_us, schedule_id, request_xml) " +
            "VALUES (@Id, @Sender, @Accepted, @Execute, @Schedule, @Xml) " +
            "ON CONFLICT (request_id) DO UPDATE SET sender = excluded.sender, accepted_us = excluded.accepted_us, execute_us = excluded.execute_us, " +
            "schedule_id = excluded.schedule_id, request_xml = excluded.request_xml",
            new
            {
                Id = request.RequestId.ToString(),
                Sender = request.Sender.ToString(),
                Accepted = Db.Micros(request.AcceptedAt),
                Execute = Db.Micros(request.ExecuteAt),
                Schedule = request.Schedule is { } s ? (long)s.Value : (long?)null,
                Xml = request.RequestXml,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<bool> ForgetHeldAsync(RequestId requestId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM held_requests WHERE request_id = @Id", new { Id = requestId.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<HeldDeviceRequest>> HeldAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<HeldRow>(new CommandDefinition(
            "SELECT request_id AS RequestId, sender AS Sender, accepted_us AS AcceptedUs, execute_us AS ExecuteUs, schedule_id AS ScheduleId, request_xml AS RequestXml " +
            // One with its command still queued comes back through the command queue, to its Device's owner (another node
            // sharing the database may hold it now): read here too, it would be released twice.
            "FROM held_requests h WHERE NOT EXISTS (SELECT 1 FROM device_commands c WHERE c.request_id = h.request_id) " +
            "ORDER BY execute_us, request_id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToHeld())];
    }

    public async Task<IReadOnlyList<HeldDeviceRequest>> CancelHeldAsync(Eui sender, Eui device, Func<HeldDeviceRequest, bool> matches,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matches);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Locked, so a concurrent cancellation (or release) waits and then finds them gone.
        var rows = await c.QueryAsync<HeldRow>(new CommandDefinition(
            "SELECT request_id AS RequestId, sender AS Sender, accepted_us AS AcceptedUs, execute_us AS ExecuteUs, schedule_id AS ScheduleId, request_xml AS RequestXml " +
            $"FROM held_requests WHERE sender = @Sender ORDER BY request_id{HeldLock}", new { Sender = sender.ToString() }, tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var cancelled = rows.Select(r => r.ToHeld()).Where(h => h.RequestId.Target == device && matches(h)).ToList();
        if (cancelled.Count > 0)
        {
            var keys = cancelled.Select(h => new { Id = h.RequestId.ToString(), Accepted = Db.Micros(h.AcceptedAt) }).ToList();
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM held_requests WHERE request_id = @Id", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE request_log SET state = '{nameof(Core.AccessControl.RequestState.Failed)}' WHERE request_id = @Id AND state = '{nameof(Core.AccessControl.RequestState.InProgress)}'", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM device_commands WHERE request_id = @Id AND accepted_us = @Accepted", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>What a read of held requests to cancel adds so that nodes sharing the database take them one at a time (PostgreSQL).</summary>
    protected virtual string HeldLock => "";

    private sealed class HeldRow
    {
        public string RequestId { get; set; } = "";
        public string Sender { get; set; } = "";
        public long AcceptedUs { get; set; }
        public long ExecuteUs { get; set; }
        public long? ScheduleId { get; set; }
        public byte[] RequestXml { get; set; } = [];

        public HeldDeviceRequest ToHeld() => new(Protocol.Domain.RequestId.Parse(RequestId), Eui.Parse(Sender), Db.Time(AcceptedUs),
            Db.Time(ExecuteUs), RequestXml, ScheduleId is { } s ? new DspScheduleId((ulong)s) : null);
    }
}

/// <summary>The emulator's durable state in the data folder's SQLite file.</summary>
public sealed class SqliteSmWanExecutionStore : SqlSmWanExecutionStore
{
    private readonly string _connectionString;

    private SqliteSmWanExecutionStore(string path) =>
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>Opens the database file, bringing its schema up to date.</summary>
    public static async Task<SqliteSmWanExecutionStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var store = new SqliteSmWanExecutionStore(path);
        await using var c = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        await Migrator.ApplyAsync(c, "sqlite", lockSql: null, cancellationToken).ConfigureAwait(false);
        return store;
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        return await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The emulator's durable state in the data folder's PostgreSQL database.</summary>
public sealed class PostgresSmWanExecutionStore : SqlSmWanExecutionStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresSmWanExecutionStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Uses <paramref name="dataSource"/> (not disposed here), bringing the schema up to date.</summary>
    public static async Task<PostgresSmWanExecutionStore> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using (var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await Migrator.ApplyAsync(c, "postgres", PostgresSchemaLock.Sql, cancellationToken).ConfigureAwait(false);
        return new PostgresSmWanExecutionStore(dataSource);
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override string HeldLock => " FOR UPDATE";
}
