using System.Data.Common;
using Dapper;
using OpenDuis.Core.Requests;

namespace OpenDuis.Storage.Fencing;

/// <summary>
/// Fencing (issue 22): a write as a Device's owner lands only while each Device's lease still names the writer and the
/// epoch it took the command under. Checked in the write's own transaction: the lease rows are locked FOR SHARE until it
/// commits, so a takeover waits for it (and then finds it written) or comes first (and the write is refused with
/// <see cref="DeviceFencedException"/>). Only a database several nodes share (PostgreSQL) gives writes a fence.
/// </summary>
internal static class DeviceLeaseFence
{
    public static async Task CheckAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<DeviceFence> fences, CancellationToken cancellationToken)
    {
        var wanted = fences as IReadOnlyCollection<DeviceFence> ?? [.. fences];
        if (wanted.Count == 0) return;
        var devices = wanted.Select(f => f.Device.ToString()).Distinct().Order(StringComparer.Ordinal).ToArray();
        var held = (await connection.QueryAsync<(string Device, string Owner, long Epoch)>(new CommandDefinition(
            "SELECT device_id, owner, epoch FROM device_leases WHERE device_id = ANY(@Devices) ORDER BY device_id FOR SHARE",
            new { Devices = devices }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Device);
        var lost = wanted.Where(f => !held.TryGetValue(f.Device.ToString(), out var l) || l.Owner != f.Owner || l.Epoch != f.Epoch)
            .Select(f => f.Device).Distinct().ToList();
        if (lost.Count > 0) throw new DeviceFencedException(lost);
    }
}
