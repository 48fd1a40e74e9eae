using Dapper;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>Reads of the SMI Status history every status change appends to.</summary>
public abstract partial class SqlSmiStore
{
    public async Task<SmiStatus?> StatusBeforeSuspensionAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var from = await s.Connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT from_status FROM device_status_history WHERE device_id = @Id AND to_status = @Suspended ORDER BY changed_us DESC LIMIT 1",
            new { Id = Db.Key(id), Suspended = nameof(SmiStatus.Suspended) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return from is null ? null : Db.ParseEnum<SmiStatus>(from, "from_status");
    }
}
