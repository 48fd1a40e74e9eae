using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OpenDuis.Core.Inventory;
using OpenDuis.Storage.Migrations;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The SMI store on PostgreSQL, for scale and for several server nodes sharing one state. Bulk
/// Device import streams through binary COPY inside the import's transaction.
/// </summary>
public sealed class PostgresSmiStore : SqlSmiStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _description;

    private PostgresSmiStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        _description = $"PostgreSQL {b.Host}:{b.Port}/{b.Database}" + (b.SearchPath is { Length: > 0 } s ? $" (schema {s})" : "");
    }

    public override string Description => _description;

    /// <summary>Connects and brings the schema up to date (concurrent migrators wait on an advisory lock).</summary>
    public static async Task<PostgresSmiStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var store = new PostgresSmiStore(NpgsqlDataSource.Create(connectionString));
        try
        {
            await using var c = await store._dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await Migrator.ApplyAsync(c, "postgres", "SELECT pg_advisory_xact_lock(4242260)", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return store;
    }

    protected override string LockRow => " FOR UPDATE";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async Task<long> BulkInsertDevicesAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken)
    {
        var c = (NpgsqlConnection)connection;
        long count = 0;
        try
        {
            await using var copy = await c.BeginBinaryImportAsync($"COPY devices ({DeviceColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            await foreach (var d in devices.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(Db.Key(d.Id), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.Type.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.Generation.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(d.Status.ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.Manufacturer, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.Model, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.FirmwareVersion, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.Region?.ToString(), cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.HanVariant?.ToString(), cancellationToken).ConfigureAwait(false);
                await WriteBigintAsync(copy, Db.Key(d.CommsHub), cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(copy, d.Mpxn?.ToString(), cancellationToken).ConfigureAwait(false);
                await WriteBigintAsync(copy, d.Uprn?.Value, cancellationToken).ConfigureAwait(false);
                await WriteBigintAsync(copy, Db.Key(d.MeterAssetProvider), cancellationToken).ConfigureAwait(false);
                await WriteBigintAsync(copy, Db.Key(d.Smets1ServiceProvider), cancellationToken).ConfigureAwait(false);
                count++;
            }
            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateDeviceException(null, e);
        }
        return count;
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static Task WriteBigintAsync(NpgsqlBinaryImporter copy, long? value, CancellationToken cancellationToken) =>
        value is { } v ? copy.WriteAsync(v, NpgsqlDbType.Bigint, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
