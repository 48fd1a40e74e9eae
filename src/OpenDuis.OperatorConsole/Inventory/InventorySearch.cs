using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Inventory;

/// <summary>What the inventory search was asked: a Device ID, an MPxN or UPRN, and an SMI Status.</summary>
public sealed record InventoryQuery(string? Text, SmiStatus? Status)
{
    public const int PageSize = 50;
}

/// <summary>
/// The inventory search, over the in-memory SMI that access control reads (the same Devices, so no
/// database round trip): a Device ID is a hash lookup; an MPxN, a UPRN or a status alone walks the
/// Devices once, stopping at a page. docs/benchmarks.md gives its time at 1,000,000 Devices.
/// </summary>
public static class InventorySearch
{
    public static (IReadOnlyList<Device> Devices, string? Problem) Find(SmiCache cache, InventoryQuery query, int limit = InventoryQuery.PageSize)
    {
        var text = query.Text?.Trim();
        if (string.IsNullOrEmpty(text))
            return (query.Status is { } only ? cache.Devices.Where(d => d.Status == only).Take(limit).ToList() : cache.Devices.Take(limit).ToList(), null);
        if (Eui.TryParse(text, out var id))
            return (cache.TryGetDevice(id, out var device) && (query.Status is null || device.Status == query.Status) ? [device] : [], null);
        var isMpxn = Mpxn.TryParse(text, out var mpxn);
        var isUprn = Uprn.TryParse(text, out var uprn);
        if (!isMpxn && !isUprn)
            return ([], $"'{text}' is neither a Device ID (EUI-64, e.g. 00-DB-12-34-56-78-90-A0), an MPxN (MPAN of 13 digits, MPRN of 6 to 10) nor a UPRN (up to 12 digits).");
        var status = query.Status;
        return (cache.Devices.Where(d => (status is null || d.Status == status) && ((isMpxn && d.Mpxn == mpxn) || (isUprn && d.Uprn == uprn))).Take(limit).ToList(), null);
    }
}
