using Npgsql;
using OpenDuis.Storage.Smi;
using OpenDuis.TestSupport;

namespace OpenDuis.Storage.Tests;

/// <summary>A fresh SQLite inventory database in a folder of its own, for a contract run that needs the SQL store.</summary>
internal sealed class SqliteStoreFolder(string folderPrefix)
{
    private readonly string _dir = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    public async Task<SqlSmiStore> OpenAsync() =>
        await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TestContext.Current.CancellationToken);

    public ValueTask DropAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh PostgreSQL schema (OPENDUIS_TEST_PG) for a contract run that needs the SQL store; dropped afterwards.</summary>
internal sealed class PostgresStoreSchema
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;

    /// <summary>The connection string scoped to the schema, once opened.</summary>
    public string Scoped { get; private set; } = "";

    public async Task<SqlSmiStore> OpenAsync()
    {
        var (admin, scoped) = await PostgresTestSchema.CreateAsync(_schema);
        _admin = admin;
        Scoped = scoped;
        return await PostgresSmiStore.OpenAsync(scoped, TestContext.Current.CancellationToken);
    }

    public async ValueTask DropAsync()
    {
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}

/// <summary>PostgreSQL schemas for the contract runs: one per test, on the server in OPENDUIS_TEST_PG.</summary>
internal static class PostgresTestSchema
{
    /// <summary>Each test gets its own schema of the server in OPENDUIS_TEST_PG, dropped afterwards.</summary>
    public static async Task<(string Admin, string Scoped)> CreateAsync(string schema)
    {
        var admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        if (string.IsNullOrWhiteSpace(admin))
            throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG to its Npgsql connection string");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await cmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        return (admin, new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString());
    }

    public static async Task DropAsync(string admin, string schema)
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
