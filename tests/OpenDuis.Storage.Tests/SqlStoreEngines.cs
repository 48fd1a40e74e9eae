using OpenDuis.Storage.Smi;

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
        var (admin, scoped) = await PostgresSmiStoreTests.CreateSchemaAsync(_schema);
        _admin = admin;
        Scoped = scoped;
        return await PostgresSmiStore.OpenAsync(scoped, TestContext.Current.CancellationToken);
    }

    public async ValueTask DropAsync()
    {
        if (_admin is not null) await PostgresSmiStoreTests.DropSchemaAsync(_admin, _schema);
    }
}
