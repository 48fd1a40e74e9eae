using System.Data.Common;
using Dapper;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Outbox;

/// <summary>The outbox inspection queries, the same SQL on SQLite and PostgreSQL (times are Unix milliseconds in both).</summary>
internal static class OutboxInspectionSql
{
    public static async Task<IReadOnlyList<OutboxRecipientState>> WaitingByRecipientAsync(DbConnection c, CancellationToken cancellationToken)
    {
        var rows = await c.QueryAsync<(string Recipient, long Waiting, long Oldest)>(new CommandDefinition(
            "SELECT recipient, COUNT(*), MIN(created_at) FROM outbox WHERE delivered_at IS NULL GROUP BY recipient ORDER BY recipient",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new OutboxRecipientState(Eui.Parse(r.Recipient), r.Waiting, DateTimeOffset.FromUnixTimeMilliseconds(r.Oldest))).ToList();
    }

    public static async Task<IReadOnlyList<OutboxFailure>> RecentFailuresAsync(DbConnection c, int max, CancellationToken cancellationToken)
    {
        var rows = await c.QueryAsync<(long Sequence, string ResponseId, string Recipient, string Kind, int Attempts, long Next, string Error)>(new CommandDefinition(
            "SELECT sequence, response_id, recipient, kind, attempts, next_attempt_at, last_error FROM outbox " +
            "WHERE delivered_at IS NULL AND last_error IS NOT NULL ORDER BY sequence DESC LIMIT @max",
            new { max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new OutboxFailure(r.Sequence, r.ResponseId, Eui.Parse(r.Recipient), r.Kind, r.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(r.Next), r.Error)).ToList();
    }

    public static Task<int> RetryNowAsync(DbConnection c, Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET next_attempt_at = @ms WHERE delivered_at IS NULL AND next_attempt_at > @ms" + (recipient is null ? "" : " AND recipient = @recipient"),
            new { ms = now.ToUnixTimeMilliseconds(), recipient = recipient?.ToString() }, cancellationToken: cancellationToken));
}
