using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenDuis.Core.Transactions;

namespace OpenDuis.Storage.Transactions;

/// <summary>
/// Names a database the way every store on it does, so a store enlists only in a unit of work on its
/// own database: a SQLite file by its full path, a PostgreSQL database by host, port, database and
/// schema (search path).
/// </summary>
internal static class DatabaseKey
{
    public static string Sqlite(string path) => "sqlite:" + Path.GetFullPath(path);

    public static string SqliteFromConnectionString(string connectionString) =>
        Sqlite(new SqliteConnectionStringBuilder(connectionString).DataSource);

    public static string Postgres(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres:{b.Host?.ToLowerInvariant()}:{b.Port}/{b.Database}/{b.SearchPath}";
    }
}

/// <summary>
/// The connection and transaction of the unit of work open in this async flow. Stores reach it only
/// through <see cref="StoreConnection"/>.
/// </summary>
internal sealed class AmbientTransaction(string database, DbConnection connection, DbTransaction transaction)
{
    private static readonly AsyncLocal<AmbientTransaction?> Current = new();
    private int _savepoints;

    public string Database { get; } = database;
    public DbConnection Connection { get; } = connection;
    public DbTransaction Transaction { get; } = transaction;

    /// <summary>Cleared when the unit of work ends: a task started inside it that outlives it uses its own connections.</summary>
    public bool IsOpen { get; set; } = true;

    /// <summary>Store calls run one after another in a unit of work; this catches a task that shares it concurrently.</summary>
    public SemaphoreSlim InUse { get; } = new(1, 1);

    public static AmbientTransaction? For(string database) =>
        Current.Value is { IsOpen: true } t && t.Database == database ? t : null;

    public static AmbientTransaction? Open => Current.Value is { IsOpen: true } t ? t : null;

    public static void Enter(AmbientTransaction transaction) => Current.Value = transaction;

    public string NextSavepoint() => "openduis_" + Interlocked.Increment(ref _savepoints);
}

/// <summary>
/// A store's connection for one call: the open unit of work's, when there is one on the store's
/// database (disposing it then leaves it open), else a connection of the store's own.
/// </summary>
internal readonly struct StoreConnection : IAsyncDisposable
{
    private readonly AmbientTransaction? _ambient;

    private StoreConnection(DbConnection connection, AmbientTransaction? ambient)
    {
        Connection = connection;
        _ambient = ambient;
    }

    public DbConnection Connection { get; }

    /// <summary>The unit of work's transaction, to pass to every command (SQLite requires it), or null.</summary>
    public DbTransaction? Transaction => _ambient?.Transaction;

    public bool IsEnlisted => _ambient is not null;

    public static async ValueTask<StoreConnection> OpenAsync(string database, Func<CancellationToken, ValueTask<DbConnection>> open, CancellationToken cancellationToken)
    {
        if (AmbientTransaction.For(database) is { } ambient)
        {
            if (!await ambient.InUse.WaitAsync(0, cancellationToken).ConfigureAwait(false))
                throw new InvalidOperationException("A store was called concurrently inside one unit of work; its calls must run one after another.");
            return new StoreConnection(ambient.Connection, ambient);
        }
        return new StoreConnection(await open(cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>
    /// A transaction for a call that writes several statements: its own, or a savepoint in the unit of
    /// work's, so that a failed call leaves the unit of work as it was before the call (on PostgreSQL
    /// a failed statement would otherwise poison the whole transaction).
    /// </summary>
    public async ValueTask<StoreTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        if (_ambient is null)
            return new StoreTransaction(await Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false), null);
        var savepoint = _ambient.NextSavepoint();
        await _ambient.Transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
        return new StoreTransaction(_ambient.Transaction, savepoint);
    }

    public ValueTask DisposeAsync()
    {
        if (_ambient is null) return Connection.DisposeAsync();
        _ambient.InUse.Release();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A store call's transaction: its own, or a savepoint in the unit of work's (released on commit, rolled back to otherwise).</summary>
internal sealed class StoreTransaction(DbTransaction transaction, string? savepoint) : IAsyncDisposable
{
    private bool _done;

    public DbTransaction Transaction { get; } = transaction;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (savepoint is null) await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        else await Transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
        _done = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (savepoint is null)
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (_done) return;
        try
        {
            await Transaction.RollbackAsync(savepoint).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The connection itself failed: the unit of work rolls back as a whole.
        }
    }
}

/// <summary>
/// <see cref="IUnitOfWork"/> over one SQL database: one connection and one transaction that the SMI,
/// schedule and outbox stores on that database enlist in for the work's duration.
/// </summary>
public abstract class SqlUnitOfWork : IUnitOfWork
{
    protected SqlUnitOfWork(string database) => Database = database;

    /// <summary>The database, as <see cref="DatabaseKey"/> names it.</summary>
    public string Database { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    protected abstract ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (AmbientTransaction.For(Database) is not null) return await work(cancellationToken).ConfigureAwait(false);
        if (AmbientTransaction.Open is { } other)
            throw new InvalidOperationException($"A unit of work on {other.Database} is open: one on {Database} cannot join it.");

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        var ambient = new AmbientTransaction(Database, connection, transaction);
        using var frame = UnitOfWorkContext.Open();
        AmbientTransaction.Enter(ambient);
        try
        {
            var result = await work(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            ambient.IsOpen = false;
            frame.Committed();
            return result;
        }
        finally
        {
            // Rolled back by disposing the transaction when not committed.
            ambient.IsOpen = false;
        }
    }
}

/// <summary>
/// A unit of work on the data folder's SQLite file: BEGIN IMMEDIATE takes the write lock at the
/// start, so the work never fails half-way on a lock another writer holds (writers wait up to the
/// busy timeout; readers are not blocked in WAL mode).
/// </summary>
public sealed class SqliteUnitOfWork(string path) : SqlUnitOfWork(DatabaseKey.Sqlite(path))
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(path),
        ForeignKeys = true,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        return await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
    }

    protected override ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}

/// <summary>A unit of work on the data folder's PostgreSQL database: one connection, one READ COMMITTED transaction.</summary>
public sealed class PostgresUnitOfWork(NpgsqlDataSource dataSource) : SqlUnitOfWork(DatabaseKey.Postgres(dataSource.ConnectionString))
{
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
}
