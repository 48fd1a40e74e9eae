using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OpenDuis.Storage;

/// <summary>
/// The connections every store of one database shares (SQLite's file or PostgreSQL's data source):
/// each store by concern (<see cref="DataStores"/>) opens its connections here, and enlists in a
/// unit of work on the same <see cref="Database"/>.
/// </summary>
public abstract class SqlConnectionSource : IAsyncDisposable
{
    /// <summary>The database for people: "SQLite /path" or "PostgreSQL host:port/db (schema s)".</summary>
    public abstract string Description { get; }

    /// <summary>The database as <see cref="Transactions.DatabaseKey"/> names it.</summary>
    internal abstract string Database { get; }

    /// <summary>Appended to a SELECT that reads a row about to be changed (PostgreSQL: FOR UPDATE).</summary>
    internal abstract string LockRow { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The open unit of work's connection on this database, else one of the source's own.</summary>
    internal ValueTask<Transactions.StoreConnection> ConnectAsync(CancellationToken cancellationToken) =>
        Transactions.StoreConnection.OpenAsync(Database, OpenAsync, cancellationToken);

    public abstract ValueTask DisposeAsync();

    public override string ToString() => Description;
}

/// <summary>
/// One SQLite file in write-ahead-log mode (readers never wait for the writer), foreign keys on,
/// pooled connections.
/// </summary>
internal sealed class SqliteConnectionSource : SqlConnectionSource
{
    private readonly string _path;

    public SqliteConnectionSource(string path)
    {
        _path = Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    internal string ConnectionString { get; }

    public override string Description => $"SQLite {_path}";

    internal override string Database => Transactions.DatabaseKey.Sqlite(_path);

    internal override string LockRow => ""; // SQLite transactions begin IMMEDIATE: the writer already holds the lock.

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await SqliteConnections.OpenAsync(ConnectionString, cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A PostgreSQL data source, for scale and for several server nodes sharing one state.</summary>
internal sealed class PostgresConnectionSource : SqlConnectionSource
{
    public PostgresConnectionSource(NpgsqlDataSource dataSource)
    {
        DataSource = dataSource;
        Database = Transactions.DatabaseKey.Postgres(dataSource.ConnectionString);
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Description = $"PostgreSQL {b.Host}:{b.Port}/{b.Database}" + (b.SearchPath is { Length: > 0 } s ? $" (schema {s})" : "");
    }

    internal NpgsqlDataSource DataSource { get; }

    public override string Description { get; }

    internal override string Database { get; }

    internal override string LockRow => " FOR UPDATE";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
