using Dapper;
using OpenDuis.Core.Inventory;

namespace OpenDuis.Storage.Smi;

public abstract partial class SqlSmiStore
{
    /// <summary>
    /// Devices by MPxN or UPRN and SMI Status, in Device ID order, from the indexes devices_mpxn,
    /// devices_uprn and devices_status (migration 0019): a look-up, not a walk of the inventory.
    /// </summary>
    public async Task<IReadOnlyList<Device>> SearchDevicesAsync(DeviceSearch search, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var where = new List<string>(2);
        var keys = new List<string>(2);
        if (search.Mpxn is not null) keys.Add("mpxn = @Mpxn");
        if (search.Uprn is not null) keys.Add("uprn = @Uprn");
        if (keys.Count > 0) where.Add("(" + string.Join(" OR ", keys) + ")");
        if (search.Status is not null) where.Add("smi_status = @Status");
        var sql = DeviceSelect + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY id LIMIT @Limit";
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var rows = await s.Connection.QueryAsync<DeviceRow>(new CommandDefinition(sql,
            new { Mpxn = search.Mpxn?.ToString(), Uprn = search.Uprn?.Value, Status = search.Status?.ToString(), Limit = limit },
            s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToDevice()).ToList();
    }
}
