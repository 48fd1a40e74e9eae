using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using OpenDuis.Core.Inventory;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// How an engine inserts many new Devices inside one transaction (<see cref="SqlInventoryStore.ImportDevicesAsync"/>):
/// SQLite rebinds one prepared statement, PostgreSQL streams binary COPY.
/// </summary>
internal abstract class DeviceBulkLoad
{
    public static DeviceBulkLoad For(SqlConnectionSource connections) =>
        connections is PostgresConnectionSource ? new PostgresDeviceCopy() : new SqliteDeviceInsert();

    /// <summary>Inserts new Devices inside <paramref name="tx"/>; returns how many.</summary>
    public abstract Task<long> InsertAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken);
}

internal sealed class SqliteDeviceInsert : DeviceBulkLoad
{
    public override async Task<long> InsertAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken)
    {
        // One prepared statement, parameters rebound per row: SQLite's fastest insert path.
        await using var insert = (SqliteCommand)connection.CreateCommand();
        insert.Transaction = (SqliteTransaction)tx;
        insert.CommandText = $"INSERT INTO devices ({SqlInventoryStore.DeviceColumns}) VALUES ($id, $type, $gen, $status, $man, $model, $fw, $region, $han, $hub, $mpxn, $uprn, $map, $s1sp, $ncs, $ncno)";
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

internal sealed class PostgresDeviceCopy : DeviceBulkLoad
{
    public override async Task<long> InsertAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken)
    {
        var c = (NpgsqlConnection)connection;
        long count = 0;
        try
        {
            await using var copy = await c.BeginBinaryImportAsync($"COPY devices ({SqlInventoryStore.DeviceColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            await foreach (var d in devices.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                // Synchronous writes into the importer's buffer: the per-field async calls cost more than
                // the copy itself; the buffer is flushed to the server as it fills.
                copy.StartRow();
                copy.Write(Db.Key(d.Id), NpgsqlDbType.Bigint);
                copy.Write(d.Type.ToString(), NpgsqlDbType.Text);
                copy.Write(d.Generation.ToString(), NpgsqlDbType.Text);
                copy.Write(d.Status.ToString(), NpgsqlDbType.Text);
                WriteText(copy, d.Manufacturer);
                WriteText(copy, d.Model);
                WriteText(copy, d.FirmwareVersion);
                WriteText(copy, d.Region?.ToString());
                WriteText(copy, d.HanVariant?.ToString());
                WriteBigint(copy, Db.Key(d.CommsHub));
                WriteText(copy, d.Mpxn?.ToString());
                WriteBigint(copy, d.Uprn?.Value);
                WriteBigint(copy, Db.Key(d.MeterAssetProvider));
                WriteBigint(copy, Db.Key(d.Smets1ServiceProvider));
                WriteText(copy, d.Smets1NotifiedCriticalSupplier?.ToString());
                WriteText(copy, d.Smets1NotifiedCriticalNetworkOperator?.ToString());
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

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, NpgsqlDbType.Text);
    }

    private static void WriteBigint(NpgsqlBinaryImporter copy, long? value)
    {
        if (value is { } v) copy.Write(v, NpgsqlDbType.Bigint);
        else copy.WriteNull();
    }
}

/// <summary>A bulk import named a Device that is already in the inventory (or twice).</summary>
internal sealed class DuplicateDeviceException(OpenDuis.Protocol.Domain.Eui? device, Exception inner)
    : InvalidOperationException(device is { } d
        ? $"Device {d} is already in the Smart Metering Inventory (or appears twice in the import); nothing was imported."
        : "The import names a Device that is already in the Smart Metering Inventory (or appears twice); nothing was imported.", inner)
{
    public OpenDuis.Protocol.Domain.Eui? Device { get; } = device;
}
