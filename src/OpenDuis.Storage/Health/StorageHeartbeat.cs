using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenDuis.Core.Transactions;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Health;

/// <summary>The storage probe's write: this node's row in <c>storage_heartbeat</c> (migration 0024), upserted.</summary>
public abstract class SqlStorageHeartbeat : IStorageHeartbeat
{
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public async Task BeatAsync(string node, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO storage_heartbeat (node, beat_us) VALUES (@Node, @At) ON CONFLICT (node) DO UPDATE SET beat_us = excluded.beat_us",
            new { Node = node, At = Db.Micros(at) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}

/// <summary>The heartbeat in the data folder's SQLite database (its schema made by the stores opened before it).</summary>
public sealed class SqliteStorageHeartbeat(string databasePath) : SqlStorageHeartbeat
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true, DefaultTimeout = 30 }.ToString();

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
}

/// <summary>The heartbeat in PostgreSQL: each node sharing the database beats in its own row.</summary>
public sealed class PostgresStorageHeartbeat(NpgsqlDataSource dataSource) : SqlStorageHeartbeat
{
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
}
