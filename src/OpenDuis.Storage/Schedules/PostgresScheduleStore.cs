using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Schedules;

/// <summary>
/// DCC Schedules on PostgreSQL, shared by several server nodes: claiming takes rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so nodes claim different occurrences without waiting on each other.
/// </summary>
public sealed class PostgresScheduleStore : SqlScheduleStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresScheduleStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        Database = Transactions.DatabaseKey.Postgres(dataSource.ConnectionString);
    }

    protected override string Database { get; }

    /// <summary>Connects and brings the schema up to date (concurrent migrators wait on the migrations' advisory lock).</summary>
    public static async Task<PostgresScheduleStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var store = new PostgresScheduleStore(NpgsqlDataSource.Create(connectionString));
        try
        {
            await using var c = await store._dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await Migrator.ApplyAsync(c, "postgres", PostgresSchemaLock.Sql, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return store;
    }

    protected override string RowLock => " FOR UPDATE";

    /// <remarks>
    /// The rows are chosen with FOR UPDATE SKIP LOCKED in a MATERIALIZED CTE, so the choice is made
    /// once (never re-run by the join, which could pick other rows) and concurrent claimers skip each
    /// other's rows instead of waiting; the index (next_due_us, id) of migration 0013 gives them in order.
    /// </remarks>
    protected override string ClaimSql =>
        "WITH c AS MATERIALIZED (SELECT id FROM dcc_schedules WHERE next_due_us <= @us AND lease_until_us <= @us " +
        "ORDER BY next_due_us, id LIMIT @max FOR UPDATE SKIP LOCKED) " +
        $"UPDATE dcc_schedules AS s SET lease_until_us = @until FROM c WHERE s.id = c.id RETURNING {ClaimedColumns}";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Identifiers drawn from the table's identity sequence first (so none is ever given twice), then
    /// the rows written by binary COPY in one transaction.
    /// </summary>
    public override async Task<IReadOnlyList<DspScheduleId>> CreateManyAsync(IReadOnlyList<ScheduleDefinition> definitions, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var ids = new List<DspScheduleId>(definitions.Count);
        if (definitions.Count == 0) return ids;
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var reserve = new NpgsqlCommand(
            "SELECT nextval(pg_get_serial_sequence('dcc_schedules', 'id')) FROM generate_series(1, @n)", c, tx))
        {
            reserve.Parameters.Add(new NpgsqlParameter<int>("n", definitions.Count));
            await using var reader = await reserve.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                ids.Add(new DspScheduleId((ulong)reader.GetInt64(0)));
        }
        var created = Microseconds(createdAt);
        await using (var copy = await c.BeginBinaryImportAsync(
            "COPY dcc_schedules (id, owner, owner_role, device_id, scheduled_variant, frequency, start_date, end_date, execution_ticks, body_xml, ka_credential, created_us, next_due_us) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < definitions.Count; i++)
            {
                var d = definitions[i];
                var t = d.Timing;
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync((long)ids[i].Value, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.Owner.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.OwnerRole.Code(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.DeviceId.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.ScheduledVariant.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(t.Frequency.ToXsd(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Date(t.StartDate), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                if (t.EndDate is { } e) await copy.WriteAsync(Date(e), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                else await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(t.ExecutionStartTime.Ticks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.ScheduledBodyXml, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                if (d.KaPublicSecurityCredential is { } ka) await copy.WriteAsync(ka, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                else await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(created, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                if (ScheduleOccurrences.At(t, 0) is { } first) await copy.WriteAsync(Microseconds(first), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                else await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    /// <summary>One statement for the batch: the rows join an unnested array of (id, due, next) triples.</summary>
    public override async Task<IReadOnlySet<DspScheduleId>> CompleteAsync(IReadOnlyList<DueOccurrence> occurrences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        var moved = new HashSet<DspScheduleId>();
        if (occurrences.Count == 0) return moved;
        var ids = new long[occurrences.Count];
        var dues = new long[occurrences.Count];
        var nexts = new long?[occurrences.Count];
        for (var i = 0; i < occurrences.Count; i++)
        {
            ids[i] = (long)occurrences[i].Id.Value;
            dues[i] = Microseconds(occurrences[i].DueAt);
            nexts[i] = NextMicroseconds(occurrences[i]);
        }
        await using var c = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "UPDATE dcc_schedules AS s SET next_due_us = v.next, lease_until_us = 0 " +
            "FROM unnest(@ids, @dues, @nexts) AS v(id, due, next) WHERE s.id = v.id AND s.next_due_us = v.due RETURNING s.id", c);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter<long[]>("dues", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = dues });
        command.Parameters.Add(new NpgsqlParameter<long?[]>("nexts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = nexts });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            moved.Add(new DspScheduleId((ulong)reader.GetInt64(0)));
        return moved;
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
