using System.Data.Common;
using Npgsql;
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

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
