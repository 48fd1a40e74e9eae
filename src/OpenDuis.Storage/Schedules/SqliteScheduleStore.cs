using System.Data.Common;
using Microsoft.Data.Sqlite;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Schedules;

/// <summary>DCC Schedules in the embedded SQLite file (the data folder's database), WAL mode.</summary>
public sealed class SqliteScheduleStore : SqlScheduleStore
{
    private readonly string _connectionString;

    private SqliteScheduleStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        Database = Transactions.DatabaseKey.Sqlite(path);
    }

    protected override string Database { get; }

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

    // One writer at a time holds the database lock (a statement, or a transaction Microsoft.Data.Sqlite begins IMMEDIATE), so no row lock is needed.
    protected override string RowLock => "";

    protected override string ClaimSql =>
        "UPDATE dcc_schedules SET lease_until_us = @until WHERE id IN (SELECT id FROM dcc_schedules " +
        "WHERE next_due_us <= @us AND lease_until_us <= @us ORDER BY next_due_us, id LIMIT @max) " +
        $"RETURNING {Columns}";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        return await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        return ValueTask.CompletedTask;
    }
}
