using Dapper;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>Reads of the SMI Status history every status change appends to.</summary>
public sealed partial class SqlInventoryStore
{
    public async Task<SmiStatus?> StatusBeforeSuspensionAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var from = await s.Connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT from_status FROM device_status_history WHERE device_id = @Id AND to_status = @Suspended ORDER BY changed_us DESC LIMIT 1",
            new { Id = Db.Key(id), Suspended = nameof(SmiStatus.Suspended) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return from is null ? null : Db.ParseEnum<SmiStatus>(from, "from_status");
    }

    /// <summary>A Device's SMI Status changes, newest first (at most <paramref name="limit"/>): the console's Device page.</summary>
    public async Task<IReadOnlyList<SmiStatusRecord>> StatusHistoryAsync(Eui id, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var s = await connections.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var rows = await s.Connection.QueryAsync<(string From, string To, long ChangedUs)>(new CommandDefinition(
            "SELECT from_status, to_status, changed_us FROM device_status_history WHERE device_id = @Id ORDER BY changed_us DESC LIMIT @Limit",
            new { Id = Db.Key(id), Limit = limit }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new SmiStatusRecord(Db.ParseEnum<SmiStatus>(r.From, "from_status"), Db.ParseEnum<SmiStatus>(r.To, "to_status"), Db.Time(r.ChangedUs))).ToList();
    }
}

/// <summary>One SMI Status change of a Device, as its history records it.</summary>
public sealed record SmiStatusRecord(SmiStatus From, SmiStatus To, DateTimeOffset At);
