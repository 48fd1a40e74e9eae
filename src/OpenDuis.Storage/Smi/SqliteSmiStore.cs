using OpenDuis.Core.Inventory;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The embedded SMI store: one SQLite file in write-ahead-log mode (readers never wait for the
/// writer), foreign keys on, <c>synchronous=NORMAL</c> (durable at each checkpoint; WAL keeps the
/// file consistent after a crash).
/// </summary>
public sealed class SqliteSmiStore : SqlSmiStore
{
    private readonly SqliteConnectionSource _connections;

    private SqliteSmiStore(SqliteConnectionSource connections) : base(connections) => _connections = connections;

    public override ISmiChangeFeed Changes => new SqliteSmiChangeFeed(_connections.ConnectionString);

    /// <summary>Opens (creating if need be) the database file and brings its schema up to date.</summary>
    public static async Task<SqliteSmiStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var store = new SqliteSmiStore(new SqliteConnectionSource(path));
        await using var c = await store.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await Migrator.ApplyAsync(c, "sqlite", lockSql: null, cancellationToken).ConfigureAwait(false);
        return store;
    }
}
