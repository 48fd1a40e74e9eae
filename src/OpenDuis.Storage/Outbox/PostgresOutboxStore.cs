using OpenDuis.Protocol.Domain;
using Dapper;
using Npgsql;
using OpenDuis.Core.Outbox;

namespace OpenDuis.Storage.Outbox;

/// <summary>
/// The outbox in PostgreSQL, for several server nodes sharing one state: leasing uses
/// <c>FOR UPDATE SKIP LOCKED</c> so nodes take different messages without waiting on each other.
/// </summary>
public sealed class PostgresOutboxStore(NpgsqlDataSource dataSource, TimeProvider clock) : IOutboxStore, IOutboxAdmin, IOutboxInspection
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            sequence        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            response_id     TEXT   NOT NULL UNIQUE,
            recipient       TEXT   NOT NULL,
            ordering_key    TEXT   NOT NULL,
            kind            TEXT   NOT NULL,
            body            BYTEA  NOT NULL,
            created_at      BIGINT NOT NULL,
            attempts        INT    NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL,
            lease_until     BIGINT NOT NULL DEFAULT 0,
            delivered_at    BIGINT NULL,
            last_error      TEXT   NULL);
        CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox (ordering_key, sequence) WHERE delivered_at IS NULL;
        CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
        """;

    public static async Task<PostgresOutboxStore> OpenAsync(NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await Migrations.PostgresSchemaLock.ExecuteAsync(c, Schema, cancellationToken).ConfigureAwait(false);
        return new PostgresOutboxStore(dataSource, clock);
    }

    private readonly string _database = Transactions.DatabaseKey.Postgres(dataSource.ConnectionString);

    /// <summary>Writes the entries in one transaction: the open unit of work's on this database (R-WS-2), else its own.</summary>
    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var s = await Transactions.StoreConnection.OpenAsync(_database, async ct => await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await using var tx = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        await OutboxSql.EnqueueAsync(s.Connection, tx.Transaction, entries, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default)
    {
        var ms = now.ToUnixTimeMilliseconds();
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await c.QueryAsync<OutboxSql.Row>(new CommandDefinition(
            $"SELECT {OutboxSql.Columns} FROM outbox o " +
            "WHERE o.delivered_at IS NULL AND o.next_attempt_at <= @ms AND o.lease_until <= @ms " +
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.delivered_at IS NULL AND p.sequence < o.sequence) " +
            "ORDER BY o.sequence LIMIT @max FOR UPDATE OF o SKIP LOCKED",
            new { ms, max }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count > 0)
        {
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox SET lease_until = @until WHERE sequence = ANY(@sequences)",
                new { until = ms + (long)lease.TotalMilliseconds, sequences = rows.Select(r => r.Sequence).ToArray() }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.ConvertAll(r => r.ToDelivery());
    }

    public async Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET delivered_at = @at, attempts = attempts + 1, lease_until = 0 WHERE sequence = @sequence",
            new { at = deliveredAt.ToUnixTimeMilliseconds(), sequence }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @next, lease_until = 0, last_error = @error WHERE sequence = @sequence",
            new { next = nextAttemptAt.ToUnixTimeMilliseconds(), error, sequence }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>One transaction for the whole round: the delivered in one statement, the retries in another.</summary>
    public async Task RecordAttemptsAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        if (outcomes.Count == 0) return;
        var delivered = outcomes.Where(o => o.Delivered).ToList();
        var retries = outcomes.Where(o => !o.Delivered).ToList();
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (delivered.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox o SET delivered_at = d.at, attempts = o.attempts + 1, lease_until = 0 " +
                "FROM unnest(@sequences, @ats) AS d(sequence, at) WHERE o.sequence = d.sequence",
                new { sequences = delivered.Select(o => o.Sequence).ToArray(), ats = delivered.Select(o => o.At.ToUnixTimeMilliseconds()).ToArray() },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (retries.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = r.next, lease_until = 0, last_error = r.error " +
                "FROM unnest(@sequences, @nexts, @errors) AS r(sequence, next, error) WHERE o.sequence = r.sequence",
                new
                {
                    sequences = retries.Select(o => o.Sequence).ToArray(),
                    nexts = retries.Select(o => o.NextAttemptAt!.Value.ToUnixTimeMilliseconds()).ToArray(),
                    errors = retries.Select(o => o.Error ?? "").ToArray(),
                },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<UndeliveredMessage>> ListUndeliveredAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxSql.ListUndeliveredAsync(c, max, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReleaseParkedAsync(Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxSql.ReleaseParkedAsync(c, recipient, now, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxRecipientState>> WaitingByRecipientAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.WaitingByRecipientAsync(c, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxFailure>> RecentFailuresAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.RecentFailuresAsync(c, max, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RetryNowAsync(Protocol.Domain.Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.RetryNowAsync(c, recipient, now, cancellationToken).ConfigureAwait(false);
    }
}
