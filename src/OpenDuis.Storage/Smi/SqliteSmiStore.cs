using System.Data.Common;
using Microsoft.Data.Sqlite;
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

    protected override async Task<long> BulkInsertDevicesAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken)
    {
        // One prepared statement, parameters rebound per row: SQLite's fastest insert path.
        await using var insert = (SqliteCommand)connection.CreateCommand();
        insert.Transaction = (SqliteTransaction)tx;
        insert.CommandText = $"INSERT INTO devices ({DeviceColumns}) VALUES ($id, $type, $gen, $status, $man, $model, $fw, $region, $han, $hub, $mpxn, $uprn, $map, $s1sp, $ncs, $ncno)";
        var p = new SqliteParameter[16];
        string[] names = ["$id", "$type", "$gen", "$status", "$man", "$model", "$fw", "$region", "$han", "$hub", "$mpxn", "$uprn", "$map", "$s1sp", "$ncs", "$ncno"];
        for (var i = 0; i < names.Length; i++) p[i] = insert.Parameters.Add(new SqliteParameter { ParameterName = names[i] });
        insert.Prepare();
        long count = 0;
        await foreach (var d in devices.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            p[0].Value = Db.Key(d.Id);
            p[1].Value = d.Type.ToString();
            p[2].Value = d.Generation.ToString();
            p[3].Value = d.Status.ToString();
            p[4].Value = (object?)d.Manufacturer ?? DBNull.Value;
            p[5].Value = (object?)d.Model ?? DBNull.Value;
            p[6].Value = (object?)d.FirmwareVersion ?? DBNull.Value;
            p[7].Value = (object?)d.Region?.ToString() ?? DBNull.Value;
            p[8].Value = (object?)d.HanVariant?.ToString() ?? DBNull.Value;
            p[9].Value = (object?)Db.Key(d.CommsHub) ?? DBNull.Value;
            p[10].Value = (object?)d.Mpxn?.ToString() ?? DBNull.Value;
            p[11].Value = (object?)d.Uprn?.Value ?? DBNull.Value;
            p[12].Value = (object?)Db.Key(d.MeterAssetProvider) ?? DBNull.Value;
            p[13].Value = (object?)Db.Key(d.Smets1ServiceProvider) ?? DBNull.Value;
            p[14].Value = (object?)d.Smets1NotifiedCriticalSupplier?.ToString() ?? DBNull.Value;
            p[15].Value = (object?)d.Smets1NotifiedCriticalNetworkOperator?.ToString() ?? DBNull.Value;
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
            {
                throw new DuplicateDeviceException(d.Id, e);
            }
            count++;
        }
        return count;
    }
}

/// <summary>A bulk import named a Device that is already in the inventory (or twice).</summary>
public sealed class DuplicateDeviceException(OpenDuis.Protocol.Domain.Eui? device, Exception inner)
    : InvalidOperationException(device is { } d
        ? $"Device {d} is already in the Smart Metering Inventory (or appears twice in the import); nothing was imported."
        : "The import names a Device that is already in the Smart Metering Inventory (or appears twice); nothing was imported.", inner)
{
    public OpenDuis.Protocol.Domain.Eui? Device { get; } = device;
}
