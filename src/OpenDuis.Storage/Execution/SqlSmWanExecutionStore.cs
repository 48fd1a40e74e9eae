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
/// The emulated SM WAN's faults, held Future Dated (DSP) requests and Devices' states in the data folder's database
/// (migrations 0010, 0011 and 0027), so a restart of the server, or another node taking a Device over, keeps them.
/// The same SQL on SQLite and PostgreSQL, but for the batched writes of Devices' states.
/// </summary>
public abstract class SqlSmWanExecutionStore : ISmWanExecutionStore, IDeviceStateStore
{
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The database as <see cref="Transactions.DatabaseKey"/> names it, so a write enlists in a unit of work on it.</summary>
    private protected abstract string Database { get; }

    public async Task<StoredDeviceState?> FindDeviceStateAsync(Eui device, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = device.ToString();
        var state = await c.QueryFirstOrDefaultAsync<StateRow>(new CommandDefinition(
            "SELECT version AS Version, state AS State FROM device_states WHERE device_id = @Id", new { Id = id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (state is null) return null;
        var events = await c.QueryAsync<(long Seq, long AtUs, string Variant, string RequestId)>(new CommandDefinition(
            "SELECT seq, at_us, variant, request_id FROM device_events WHERE device_id = @Id ORDER BY seq", new { Id = id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new StoredDeviceState(device, state.Version, state.State, [.. events.Select(e => new StoredDeviceEvent(e.Seq, Db.Time(e.AtUs), e.Variant, e.RequestId))]);
    }

    public async Task SaveDeviceStatesAsync(IReadOnlyList<StoredDeviceState> states, int eventsKept, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsKept);
        if (states.Count == 0) return;
        await using var s = await Transactions.StoreConnection.OpenAsync(Database, async ct => await OpenAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        // In a unit of work no savepoint: a conflict must roll back the whole of it (the responses that report the states).
        var own = s.IsEnlisted ? null : await s.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tx = s.Transaction ?? own!;
            await Fencing.DeviceLeaseFence.CheckAsync(s.Connection, tx, states.Where(x => x.Fence is not null).Select(x => x.Fence!.Value), cancellationToken).ConfigureAwait(false);
            var written = await WriteStatesAsync(s.Connection, tx, states, cancellationToken).ConfigureAwait(false);
            if (written.Count < states.Count)
                throw new DeviceStateConflictException([.. states.Select(x => x.Device).Where(d => !written.Contains(d.ToString()))]);
            await WriteEventsAsync(s.Connection, tx, states, eventsKept, cancellationToken).ConfigureAwait(false);
            if (own is not null) await own.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync().ConfigureAwait(false);
        }
    }

    // A kept state is replaced only by the version after it: a stale copy's write changes nothing and is reported.
    private protected const string UpsertState =
        "ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, state = excluded.state WHERE device_states.version = excluded.version - 1";

    private protected const string UpsertEvent =
        "ON CONFLICT (device_id, slot) DO UPDATE SET seq = excluded.seq, at_us = excluded.at_us, variant = excluded.variant, request_id = excluded.request_id";

    /// <summary>
    /// Writes the states; returns the Devices (as stored) whose state was written. One command for the batch, its
    /// parameters made once and only their values set per row, as the request log's write-behind does.
    /// </summary>
    private protected virtual async Task<HashSet<string>> WriteStatesAsync(DbConnection c, DbTransaction tx, IReadOnlyList<StoredDeviceState> states, CancellationToken cancellationToken)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        await using var command = Command(c, tx, "INSERT INTO device_states (device_id, version, state) VALUES (@Id, @Version, @State) " + UpsertState,
            out var p, "@Id", "@Version", "@State");
        foreach (var state in states)
        {
            var id = state.Device.ToString();
            (p[0].Value, p[1].Value, p[2].Value) = (id, state.Version, state.State);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0) written.Add(id);
        }
        return written;
    }

    private protected virtual async Task WriteEventsAsync(DbConnection c, DbTransaction tx, IReadOnlyList<StoredDeviceState> states, int eventsKept, CancellationToken cancellationToken)
    {
        await using var command = Command(c, tx, "INSERT INTO device_events (device_id, slot, seq, at_us, variant, request_id) " +
            "VALUES (@Id, @Slot, @Seq, @At, @Variant, @Request) " + UpsertEvent, out var p, "@Id", "@Slot", "@Seq", "@At", "@Variant", "@Request");
        foreach (var (device, slot, e) in NewEvents(states, eventsKept))
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value, p[5].Value) = (device, slot, e.Sequence, Db.Micros(e.At), e.Variant, e.RequestId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static DbCommand Command(DbConnection c, DbTransaction tx, string sql, out DbParameter[] parameters, params string[] names)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        parameters = new DbParameter[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = names[i];
            command.Parameters.Add(parameters[i]);
        }
        return command;
    }

    /// <summary>Each Device's new events, no more than the ring holds (so no slot is written twice in one statement), with their slots.</summary>
    private protected static IEnumerable<(string Device, int Slot, StoredDeviceEvent Event)> NewEvents(IReadOnlyList<StoredDeviceState> states, int eventsKept)
    {
        foreach (var state in states)
        {
            var id = state.Device.ToString();
            for (var i = Math.Max(0, state.Events.Count - eventsKept); i < state.Events.Count; i++)
                yield return (id, (int)(state.Events[i].Sequence % eventsKept), state.Events[i]);
        }
    }

    private sealed class StateRow
    {
        public long Version { get; set; }
        public string State { get; set; } = "";
    }

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

    public async Task<bool> HoldAsync(HeldDeviceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new
        {
            Id = request.RequestId.ToString(),
            Sender = request.Sender.ToString(),
            Accepted = Db.Micros(request.AcceptedAt),
            Execute = Db.Micros(request.ExecuteAt),
            Schedule = request.Schedule is { } s ? (long)s.Value : (long?)null,
            Xml = request.RequestXml,
        };
        if (request.Fence is { } fence)
        {
            await Fencing.DeviceLeaseFence.CheckAsync(c, tx, [fence], cancellationToken).ConfigureAwait(false);
            // Held by the Device's owner only while its queued command is there: a cancellation that took it in its hand-over
            // (CancelHeldAsync) deleted it, and locks it first, so the two wait for each other and one finds the other's work.
            if (await c.ExecuteScalarAsync<int?>(new CommandDefinition(
                    $"SELECT 1 FROM device_commands WHERE request_id = @Id AND accepted_us = @Accepted{QueuedShareLock}", parameters, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false) is null)
                return false;
        }
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO held_requests (request_id, sender, accepted_us, execute_us, schedule_id, request_xml) " +
            "VALUES (@Id, @Sender, @Accepted, @Execute, @Schedule, @Xml) " +
            "ON CONFLICT (request_id) DO UPDATE SET sender = excluded.sender, accepted_us = excluded.accepted_us, execute_us = excluded.execute_us, " +
            "schedule_id = excluded.schedule_id, request_xml = excluded.request_xml",
            parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> ForgetHeldAsync(RequestId requestId, CancellationToken cancellationToken = default, DeviceFence? fence = null)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (fence is { } f) await Fencing.DeviceLeaseFence.CheckAsync(c, tx, [f], cancellationToken).ConfigureAwait(false);
        var forgotten = await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM held_requests WHERE request_id = @Id", new { Id = requestId.ToString() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return forgotten;
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
        CancellationToken cancellationToken = default, DeviceFence? fence = null, RequestId? cancellation = null)
    {
        ArgumentNullException.ThrowIfNull(matches);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The Device's owner cancels as such: once another node took the Device (this one stalled past its lease) it
        // cancels nothing, and answers as a node that does not own the Device would.
        if (fence is { } f) await Fencing.DeviceLeaseFence.CheckAsync(c, tx, [f], cancellationToken).ConfigureAwait(false);
        var queued = new List<HeldDeviceRequest>();
        if (IsShared)
        {
            // The sender's queued commands to the Device first, locked: one not held yet is being handed to the Device's owner,
            // which holds it only while its command is here (HoldAsync), so a cancellation finds it wherever it is.
            var commands = await c.QueryAsync<HeldRow>(new CommandDefinition(
                "SELECT request_id AS RequestId, sender AS Sender, accepted_us AS AcceptedUs, schedule_id AS ScheduleId, request_xml AS RequestXml " +
                "FROM device_commands WHERE device_id = @Device AND sender = @Sender ORDER BY request_id, accepted_us FOR UPDATE",
                new { Device = device.ToString(), Sender = sender.ToString() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            queued.AddRange(commands.Where(r => r.RequestId != cancellation?.ToString()).Select(r => r.ToHeld() with { Queued = true }));
        }
        // Locked, so a concurrent cancellation (or release) waits and then finds them gone.
        var rows = await c.QueryAsync<HeldRow>(new CommandDefinition(
            "SELECT request_id AS RequestId, sender AS Sender, accepted_us AS AcceptedUs, execute_us AS ExecuteUs, schedule_id AS ScheduleId, request_xml AS RequestXml " +
            $"FROM held_requests WHERE sender = @Sender ORDER BY request_id{HeldLock}", new { Sender = sender.ToString() }, tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var held = rows.Select(r => r.ToHeld()).Where(h => h.RequestId.Target == device).ToList();
        var cancelled = held.Concat(queued.Where(q => held.All(h => h.RequestId != q.RequestId))).Where(matches).ToList();
        if (cancelled.Count > 0)
        {
            var keys = cancelled.Select(h => new { Id = h.RequestId.ToString(), Accepted = Db.Micros(h.AcceptedAt) }).ToList();
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM held_requests WHERE request_id = @Id", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE request_log SET state = '{nameof(Core.AccessControl.RequestState.Failed)}' WHERE request_id = @Id AND state = '{nameof(Core.AccessControl.RequestState.InProgress)}'", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM device_commands WHERE request_id = @Id AND accepted_us = @Accepted", keys, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            // The cancellation succeeded here, whichever node ends its request later (the owner it is handed to, or its taker).
            if (cancellation is { } id)
                await c.ExecuteAsync(new CommandDefinition(
                    $"UPDATE request_log SET state = '{nameof(Core.AccessControl.RequestState.Succeeded)}' WHERE request_id = @Id AND state = '{nameof(Core.AccessControl.RequestState.InProgress)}'",
                    new { Id = id.ToString() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>Whether several nodes may share the database (PostgreSQL): a held request may then be in its hand-over to its Device's owner.</summary>
    private protected virtual bool IsShared => false;

    /// <summary>What the owner's read of a queued command it is about to hold adds, so a cancellation taking it waits (PostgreSQL).</summary>
    private protected virtual string QueuedShareLock => "";

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

    private SqliteSmWanExecutionStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), Pooling = true, DefaultTimeout = 30 }.ToString();
        Database = Transactions.DatabaseKey.Sqlite(path);
    }

    private protected override string Database { get; }

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

    private PostgresSmWanExecutionStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        Database = Transactions.DatabaseKey.Postgres(dataSource.ConnectionString);
    }

    private protected override string Database { get; }

    /// <summary>One statement for the batch (arrays unnested), not a round trip per Device.</summary>
    private protected override async Task<HashSet<string>> WriteStatesAsync(DbConnection c, DbTransaction tx, IReadOnlyList<StoredDeviceState> states, CancellationToken cancellationToken)
    {
        var written = await c.QueryAsync<string>(new CommandDefinition(
            "INSERT INTO device_states (device_id, version, state) SELECT * FROM unnest(@Ids::text[], @Versions::bigint[], @States::text[]) " + UpsertState + " RETURNING device_id",
            new { Ids = states.Select(s => s.Device.ToString()).ToArray(), Versions = states.Select(s => s.Version).ToArray(), States = states.Select(s => s.State).ToArray() },
            tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new HashSet<string>(written, StringComparer.Ordinal);
    }

    private protected override async Task WriteEventsAsync(DbConnection c, DbTransaction tx, IReadOnlyList<StoredDeviceState> states, int eventsKept, CancellationToken cancellationToken)
    {
        var rows = NewEvents(states, eventsKept).ToList();
        if (rows.Count == 0) return;
        await c.ExecuteAsync(new CommandDefinition("INSERT INTO device_events (device_id, slot, seq, at_us, variant, request_id) " +
            "SELECT * FROM unnest(@Ids::text[], @Slots::int[], @Seqs::bigint[], @Ats::bigint[], @Variants::text[], @Requests::text[]) " + UpsertEvent,
            new
            {
                Ids = rows.Select(r => r.Device).ToArray(), Slots = rows.Select(r => r.Slot).ToArray(), Seqs = rows.Select(r => r.Event.Sequence).ToArray(),
                Ats = rows.Select(r => Db.Micros(r.Event.At)).ToArray(), Variants = rows.Select(r => r.Event.Variant).ToArray(), Requests = rows.Select(r => r.Event.RequestId).ToArray(),
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

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

    private protected override bool IsShared => true;

    private protected override string QueuedShareLock => " FOR SHARE";
}
