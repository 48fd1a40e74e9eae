using OpenDuis.Core.Inventory;
using OpenDuis.Storage.Migrations;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Smi;

public sealed class SqliteSmiStoreTests : SmiStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-smi-").FullName;

    protected override async Task<ISmiStore> OpenStoreAsync() =>
        await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TestContext.Current.CancellationToken);

    protected override async Task<Core.Requests.IDeviceStateStore> OpenDeviceStatesAsync() =>
        await Storage.Execution.SqliteSmWanExecutionStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TestContext.Current.CancellationToken);

    protected override ValueTask DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice_and_keeps_the_data_in_one_WAL_file()
    {
        var path = Path.Combine(_dir, "openduis.db");
        await using (var again = await SqliteSmiStore.OpenAsync(path, TestContext.Current.CancellationToken)) { }

        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await c.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) || ':' || MAX(version) FROM schema_version";
        Assert.Equal($"{Migrator.For("sqlite").Count}:{Migrator.For("sqlite")[^1].Version}", await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_migration_numbered_below_the_newest_applied_one_is_still_applied_once()
    {
        // A database migrated by a build that had 0013 but not yet 0010 (developed side by side).
        var path = Path.Combine(_dir, "openduis.db");
        var ct = TestContext.Current.CancellationToken;
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await c.OpenAsync(ct);
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "DROP TABLE device_faults; DELETE FROM schema_version WHERE version = 10";
            await cmd.ExecuteNonQueryAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await using (var again = await SqliteSmiStore.OpenAsync(path, ct)) { }

        await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await check.OpenAsync(ct);
        await using var query = check.CreateCommand();
        query.CommandText = "SELECT (SELECT COUNT(*) FROM schema_version WHERE version = 10) || ':' || " +
                            "(SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'device_faults')";
        Assert.Equal("1:1", await query.ExecuteScalarAsync(ct));
    }
}

public sealed class PostgresSmiStoreTests : SmiStoreContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin, _scoped;
    private Npgsql.NpgsqlDataSource? _states;

    protected override async Task<ISmiStore> OpenStoreAsync()
    {
        var (admin, scoped) = await PostgresTestSchema.CreateAsync(_schema);
        (_admin, _scoped) = (admin, scoped);
        return await PostgresSmiStore.OpenAsync(scoped, TestContext.Current.CancellationToken);
    }

    protected override async Task<Core.Requests.IDeviceStateStore> OpenDeviceStatesAsync() =>
        await Storage.Execution.PostgresSmWanExecutionStore.OpenAsync(_states = Npgsql.NpgsqlDataSource.Create(_scoped!), TestContext.Current.CancellationToken);

    protected override async ValueTask DropAsync()
    {
        if (_states is not null) await _states.DisposeAsync();
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
