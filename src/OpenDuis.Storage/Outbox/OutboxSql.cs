using System.Data;
using System.Data.Common;
using Dapper;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Outbox;

/// <summary>
/// The outbox table, shared by the SQLite and PostgreSQL stores. Times are Unix milliseconds so both
/// engines compare them the same way. <see cref="EnqueueAsync"/> takes the caller's connection and
/// transaction: a store that changes state writes the messages that change produces in the same
/// transaction (R-WS-2).
/// </summary>
internal static class OutboxSql
{
    internal const string Columns = LeaseColumns + ", body AS Body";

    /// <summary>A leased message's columns but its body, for a store that has the body in memory (<see cref="RecentOutboxBodies"/>).</summary>
    internal const string LeaseColumns =
        "sequence AS Sequence, response_id AS ResponseId, recipient AS Recipient, ordering_key AS OrderingKey, " +
        "kind AS Kind, attempts AS Attempts, created_at AS CreatedAt";

    /// <param name="inserted">Told of each entry written (not of one skipped because its Response ID was stored already).</param>
    public static async Task EnqueueAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<OutboxEntry> entries, DateTimeOffset now,
        CancellationToken cancellationToken = default, Action<OutboxEntry>? inserted = null)
    {
        if (entries.Count == 0) return;
        // Fencing (issue 22): entries written as a Device's owner land only while its lease holds (DeviceLeaseFence).
        await Fencing.DeviceLeaseFence.CheckAsync(connection, transaction, entries.Where(e => e.Fence is not null).Select(e => e.Fence!.Value), cancellationToken).ConfigureAwait(false);
        // One command bound per row: the statement is parsed once for the whole batch (twice where it mixes kinds of entry).
        const string Insert = "INSERT INTO outbox (response_id, recipient, ordering_key, kind, body, created_at, next_attempt_at) " +
                              "VALUES (@ResponseId, @Recipient, @OrderingKey, @Kind, @Body, @Now, @Now)";
        const string InsertNew = Insert + " ON CONFLICT (response_id) DO NOTHING";
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        DbParameter Parameter(string name, DbType type)
        {
            var p = insert.CreateParameter();
            p.ParameterName = name;
            p.DbType = type;
            insert.Parameters.Add(p);
            return p;
        }
        var responseId = Parameter("@ResponseId", DbType.String);
        var recipient = Parameter("@Recipient", DbType.String);
        var orderingKey = Parameter("@OrderingKey", DbType.String);
        var kind = Parameter("@Kind", DbType.String);
        var body = Parameter("@Body", DbType.Binary);
        Parameter("@Now", DbType.Int64).Value = now.ToUnixTimeMilliseconds();
        foreach (var e in entries)
        {
            responseId.Value = e.ResponseId;
            recipient.Value = e.Recipient.ToString();
            orderingKey.Value = e.OrderingKey;
            kind.Value = e.Kind.ToString();
            body.Value = e.Body;
            var text = e.SkipIfStored ? InsertNew : Insert;
            if (!ReferenceEquals(insert.CommandText, text)) insert.CommandText = text;
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0) inserted?.Invoke(e);
        }
    }

    /// <summary>The oldest undelivered messages first (<see cref="IOutboxAdmin"/>).</summary>
    public static async Task<IReadOnlyList<UndeliveredMessage>> ListUndeliveredAsync(DbConnection connection, int max, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Sequence, string ResponseId, string Recipient, string Kind, int Attempts, long CreatedAt, long NextAttemptAt, string? LastError)>(
            new CommandDefinition(
                "SELECT sequence, response_id, recipient, kind, attempts, created_at, next_attempt_at, last_error FROM outbox " +
                "WHERE delivered_at IS NULL ORDER BY sequence LIMIT @max", new { max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var parked = OutboxParking.Until.ToUnixTimeMilliseconds();
        return [.. rows.Select(r => new UndeliveredMessage(r.Sequence, r.ResponseId, Eui.Parse(r.Recipient), Enum.Parse<OutboxKind>(r.Kind), r.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(r.NextAttemptAt), r.LastError, r.NextAttemptAt >= parked))];
    }

    public static Task<int> ReleaseParkedAsync(DbConnection connection, Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET next_attempt_at = @now WHERE delivered_at IS NULL AND next_attempt_at >= @parked AND (@recipient IS NULL OR recipient = @recipient)",
            new { now = now.ToUnixTimeMilliseconds(), parked = OutboxParking.Until.ToUnixTimeMilliseconds(), recipient = recipient?.ToString() },
            cancellationToken: cancellationToken));

    internal sealed class Row
    {
        public long Sequence { get; set; }
        public string ResponseId { get; set; } = "";
        public string Recipient { get; set; } = "";
        public string OrderingKey { get; set; } = "";
        public string Kind { get; set; } = "";
        public byte[] Body { get; set; } = [];
        public int Attempts { get; set; }
        public long CreatedAt { get; set; }

        public PendingDelivery ToDelivery() => new(
            Sequence, ResponseId, Eui.Parse(Recipient), OrderingKey, Enum.Parse<OutboxKind>(Kind), Body, Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt));
    }
}
