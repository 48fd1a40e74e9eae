using System.Data.Common;
using Microsoft.Data.Sqlite;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Schedules;

/// <summary>DCC Schedules in the embedded SQLite file (the data folder's database), WAL mode.</summary>
public sealed class SqliteScheduleStore : SqlScheduleStore
{
    private readonly string _connectionString;

    private SqliteScheduleStore(string path) =>
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>Opens (creating if need be) the database file and brings its schema up to date.</summary>
    public static async Task<SqliteScheduleStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var store = new SqliteScheduleStore(Path.GetFullPath(path));
        await using var c = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await Migrator.ApplyAsync(c, "sqlite", lockSql: null, cancellationToken).ConfigureAwait(false);
        return store;
    }

    // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the claiming writer holds the database lock, so no row lock is needed.
    protected override string IdInIds => "id IN @ids";

    protected override string ClaimLock => "";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = c.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=NORMAL";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return c;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        return ValueTask.CompletedTask;
    }
}
