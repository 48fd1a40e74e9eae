using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OpenDuis.Core.Schedules;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Schedules;

/// <summary>
/// DCC Schedules on PostgreSQL, shared by several server nodes: claiming takes rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so nodes claim different occurrences without waiting on each other.
/// </summary>
public sealed class PostgresScheduleStore : SqlScheduleStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresScheduleStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects and brings the schema up to date (concurrent migrators wait on the migrations' advisory lock).</summary>
    public static async Task<PostgresScheduleStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var store = new PostgresScheduleStore(NpgsqlDataSource.Create(connectionString));
        try
        {
            await using var c = await store._dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await Migrator.ApplyAsync(c, "postgres", "SELECT pg_advisory_xact_lock(4242260)", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return store;
    }

    protected override string IdInIds => "id = ANY(@ids)";

    protected override string ClaimLock => " FOR UPDATE SKIP LOCKED";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

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
