using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Inventory;

/// <summary>What the inventory search was asked: a Device ID, an MPxN or UPRN, and an SMI Status.</summary>
public sealed record InventoryQuery(string? Text, SmiStatus? Status)
{
    public const int PageSize = 50;
}

/// <summary>
/// The inventory search: a Device ID is a hash look-up in the in-memory SMI that access control reads;
/// an MPxN, a UPRN or a status is a look-up in the store's indexes (SQLite or PostgreSQL alike), which
/// also sees what another node wrote. docs/benchmarks.md gives its time at 1,000,000 Devices.
/// </summary>
internal static class InventorySearch
{
    public static async Task<(IReadOnlyList<Device> Devices, string? Problem)> FindAsync(SmiCache cache, InventoryQuery query,
        int limit = InventoryQuery.PageSize, CancellationToken cancellationToken = default)
    {
        var text = query.Text?.Trim();
        if (string.IsNullOrEmpty(text))
            return query.Status is { } only
                ? (await cache.Store.SearchDevicesAsync(new DeviceSearch(null, null, only), limit, cancellationToken).ConfigureAwait(false), null)
                : (cache.Devices.Take(limit).ToList(), null);
        if (Eui.TryParse(text, out var id))
            return (cache.TryGetDevice(id, out var device) && (query.Status is null || device.Status == query.Status) ? [device] : [], null);
        // A number of 6 to 10 digits may be an MPRN or a UPRN: either matches.
        Mpxn? mpxn = Mpxn.TryParse(text, out var m) ? m : null;
        Uprn? uprn = Uprn.TryParse(text, out var u) ? u : null;
        if (mpxn is null && uprn is null)
            return ([], $"'{text}' is neither a Device ID (EUI-64, e.g. 00-DB-12-34-56-78-90-A0), an MPxN (MPAN of 13 digits, MPRN of 6 to 10) nor a UPRN (up to 12 digits).");
        return (await cache.Store.SearchDevicesAsync(new DeviceSearch(mpxn, uprn, query.Status), limit, cancellationToken).ConfigureAwait(false), null);
    }
}
