using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The Smart Metering Inventory over SQL, shared by SQLite and PostgreSQL: Devices, their Device Logs
/// and SMI Status history, and the Central Products List. The engines differ only in row locking and
/// the bulk-load path (<see cref="DeviceBulkLoad"/>).
/// </summary>
public sealed partial class SqlInventoryStore(SqlConnectionSource connections) : IInventoryStore
{
    private readonly DeviceBulkLoad _bulkLoad = DeviceBulkLoad.For(connections);

    /// <summary>Appended to a SELECT that reads a row about to be changed (PostgreSQL: FOR UPDATE).</summary>
    private string LockRow => connections.LockRow;

    internal const string DeviceColumns =
        "id, device_type, generation, smi_status, manufacturer, model, firmware_version, csp_region, han_variant, " +
        "comms_hub, mpxn, uprn, meter_asset_provider, smets1_service_provider, notified_critical_supplier, notified_critical_network_operator";

    private const string DeviceSelect =
        "SELECT id AS Id, device_type AS DeviceType, generation AS Generation, smi_status AS SmiStatus, manufacturer AS Manufacturer, " +
        "model AS Model, firmware_version AS FirmwareVersion, csp_region AS CspRegion, han_variant AS HanVariant, comms_hub AS CommsHub, " +
        "mpxn AS Mpxn, uprn AS Uprn, meter_asset_provider AS MeterAssetProvider, smets1_service_provider AS Smets1ServiceProvider, " +
        "notified_critical_supplier AS NotifiedCriticalSupplier, notified_critical_network_operator AS NotifiedCriticalNetworkOperator FROM devices";

    public async Task<Device?> FindDeviceAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<DeviceRow>(new CommandDefinition(
            DeviceSelect + " WHERE id = @Id", new { Id = Db.Key(id) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToDevice();
    }

    public async Task SaveDeviceAsync(Device device, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO devices ({DeviceColumns}) VALUES (@Id, @DeviceType, @Generation, @SmiStatus, @Manufacturer, @Model, @FirmwareVersion, " +
            "@CspRegion, @HanVariant, @CommsHub, @Mpxn, @Uprn, @MeterAssetProvider, @Smets1ServiceProvider, @NotifiedCriticalSupplier, @NotifiedCriticalNetworkOperator) " +
            "ON CONFLICT (id) DO UPDATE SET device_type = excluded.device_type, generation = excluded.generation, smi_status = excluded.smi_status, " +
            "manufacturer = excluded.manufacturer, model = excluded.model, firmware_version = excluded.firmware_version, csp_region = excluded.csp_region, " +
            "han_variant = excluded.han_variant, comms_hub = excluded.comms_hub, mpxn = excluded.mpxn, uprn = excluded.uprn, " +
            "meter_asset_provider = excluded.meter_asset_provider, smets1_service_provider = excluded.smets1_service_provider, " +
            "notified_critical_supplier = excluded.notified_critical_supplier, notified_critical_network_operator = excluded.notified_critical_network_operator",
            DeviceRow.From(device), s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<Device> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        var row = await c.QuerySingleOrDefaultAsync<DeviceRow>(new CommandDefinition(
            DeviceSelect + " WHERE id = @Id" + LockRow, new { Id = Db.Key(id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Device {id} is not in the Smart Metering Inventory.");
        var changed = row.ToDevice().WithStatus(to);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE devices SET smi_status = @To WHERE id = @Id; " +
            "INSERT INTO device_status_history (device_id, from_status, to_status, changed_us) VALUES (@Id, @From, @To, @At)",
            new { Id = Db.Key(id), From = row.SmiStatus, To = to.ToString(), At = Db.Micros(at) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }

    public async Task<bool> DeleteDeviceAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        var key = new { Id = Db.Key(id) };
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_log WHERE hub_id = @Id OR device_id = @Id",
            key, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await c.ExecuteAsync(new CommandDefinition("DELETE FROM devices WHERE id = @Id", key, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // Its emulated state and events go with it (issue 22): nothing else would ever remove them, and a Device added
        // again under the EUI starts from the inventory, as a new Device does.
        var state = new { Id = id.ToString() };
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM device_events WHERE device_id = @Id", state, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM device_states WHERE device_id = @Id", state, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows > 0;
    }

    public async Task<long> ImportDevicesAsync(IAsyncEnumerable<Device> devices, CancellationToken cancellationToken = default)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var count = await _bulkLoad.InsertAsync(c, tx, devices, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Streams every Device, read straight from the data reader (this loads the look-up cache: millions
    /// of rows). Manufacturer, model and firmware repeat across Devices, so each distinct value is one
    /// shared string.
    /// </summary>
    public async IAsyncEnumerable<Device> ReadDevicesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = c.CreateCommand();
        command.CommandText = $"SELECT {DeviceColumns} FROM devices ORDER BY id";
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Shared(int i)
        {
            if (r.IsDBNull(i)) return null;
            var s = r.GetString(i);
            return shared.TryGetValue(s, out var one) ? one : shared[s] = s;
        }
        long? Int64(int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new Device
            {
                Id = Db.Eui(r.GetInt64(0)),
                Type = Db.ParseEnum<DeviceType>(r.GetString(1), "device_type"),
                Generation = Db.ParseEnum<DeviceGeneration>(r.GetString(2), "generation"),
                Status = Db.ParseEnum<SmiStatus>(r.GetString(3), "smi_status"),
                Manufacturer = Shared(4),
                Model = Shared(5),
                FirmwareVersion = Shared(6),
                Region = r.IsDBNull(7) ? null : Db.ParseEnum<CspRegion>(r.GetString(7), "csp_region"),
                HanVariant = r.IsDBNull(8) ? null : Db.ParseEnum<HanVariant>(r.GetString(8), "han_variant"),
                CommsHub = Db.Eui(Int64(9)),
                Mpxn = r.IsDBNull(10) ? null : Mpxn.Parse(r.GetString(10)),
                Uprn = Int64(11) is { } u ? new Uprn(u) : null,
                MeterAssetProvider = Db.Eui(Int64(12)),
                Smets1ServiceProvider = Db.Eui(Int64(13)),
                Smets1NotifiedCriticalSupplier = r.IsDBNull(14) ? null : PartyId.Parse(r.GetString(14)),
                Smets1NotifiedCriticalNetworkOperator = r.IsDBNull(15) ? null : PartyId.Parse(r.GetString(15)),
            };
        }
    }

    public async Task AddToDeviceLogAsync(DeviceLogEntry entry, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO device_log (hub_id, device_id, added_us) VALUES (@Hub, @Device, @At) ON CONFLICT (hub_id, device_id) DO NOTHING",
            new { Hub = Db.Key(entry.Hub), Device = Db.Key(entry.Device), At = Db.Micros(entry.Added) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task RemoveFromDeviceLogAsync(Eui hub, Eui device, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_log WHERE hub_id = @Hub AND device_id = @Device",
            new { Hub = Db.Key(hub), Device = Db.Key(device) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeviceLogEntry>> DeviceLogAsync(Eui hub, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<(long Hub, long Device, long Added)>(new CommandDefinition(
            "SELECT hub_id, device_id, added_us FROM device_log WHERE hub_id = @Hub ORDER BY device_id",
            new { Hub = Db.Key(hub) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new DeviceLogEntry(Db.Eui(r.Hub), Db.Eui(r.Device), Db.Time(r.Added)))];
    }

    // ---- Central Products List -------------------------------------------------------------------

    private const string CplSelect =
        "SELECT manufacturer AS Manufacturer, model AS Model, firmware_version AS FirmwareVersion, device_type AS DeviceType, " +
        "gbcs_version AS GbcsVersion, smets_chts_version AS SmetsChtsVersion, status AS Status FROM cpl";

    public async Task SaveProductAsync(CplEntry product, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO cpl (manufacturer, model, firmware_version, device_type, gbcs_version, smets_chts_version, status) " +
            "VALUES (@Manufacturer, @Model, @FirmwareVersion, @DeviceType, @GbcsVersion, @SmetsChtsVersion, @Status) " +
            "ON CONFLICT (manufacturer, model, firmware_version) DO UPDATE SET device_type = excluded.device_type, " +
            "gbcs_version = excluded.gbcs_version, smets_chts_version = excluded.smets_chts_version, status = excluded.status",
            CplRow.From(product), s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<CplEntry?> FindProductAsync(string manufacturer, string model, string firmwareVersion, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<CplRow>(new CommandDefinition(
            CplSelect + " WHERE manufacturer = @manufacturer AND model = @model AND firmware_version = @firmwareVersion",
            new { manufacturer, model, firmwareVersion }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToEntry();
    }

    public async Task<IReadOnlyList<CplEntry>> ProductsAsync(CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<CplRow>(new CommandDefinition(
            CplSelect + " ORDER BY manufacturer, model, firmware_version", transaction: s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

}
