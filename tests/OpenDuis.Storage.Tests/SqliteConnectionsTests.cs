using Microsoft.Data.Sqlite;

namespace OpenDuis.Storage.Tests;

/// <summary>Every SQLite store opens through <see cref="SqliteConnections"/>: each pooled connection is configured once, and stays so.</summary>
public sealed class SqliteConnectionsTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _folder = Directory.CreateTempSubdirectory("openduis-sqlite-connections-").FullName;

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "openduis.db"), Pooling = true }.ToString();

    private static async Task<long> PragmaAsync(SqliteConnection c, string name)
    {
        await using var command = c.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_connection_waits_for_the_write_lock_syncs_normally_and_maps_the_file_and_a_pooled_one_keeps_it()
    {
        for (var open = 0; open < 2; open++) // the second comes back from the pool, already configured
        {
            await using var c = await SqliteConnections.OpenAsync(ConnectionString, Ct);
            Assert.Equal(30_000, await PragmaAsync(c, "busy_timeout"));
            Assert.Equal(1, await PragmaAsync(c, "synchronous")); // NORMAL
            Assert.Equal(268_435_456, await PragmaAsync(c, "mmap_size"));
            Assert.Equal(-8_192, await PragmaAsync(c, "cache_size"));
        }
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_is_reported_and_no_connection_is_left_open()
    {
        var missing = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "no-such-folder", "openduis.db"), Mode = SqliteOpenMode.ReadWrite }.ToString();
        await Assert.ThrowsAsync<SqliteException>(() => SqliteConnections.OpenAsync(missing, Ct));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
