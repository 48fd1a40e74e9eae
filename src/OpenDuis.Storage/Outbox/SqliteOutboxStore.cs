using OpenDuis.Protocol.Domain;
using Dapper;
using Microsoft.Data.Sqlite;
using OpenDuis.Core.Outbox;

namespace OpenDuis.Storage.Outbox;

/// <summary>The outbox in the embedded SQLite database (WAL journal, so delivery and request handling do not block each other).</summary>
public sealed class SqliteOutboxStore : IOutboxStore, IOutboxAdmin, IOutboxInspection
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            sequence        INTEGER PRIMARY KEY AUTOINCREMENT,
            response_id     TEXT    NOT NULL UNIQUE,
            recipient       TEXT    NOT NULL,
            ordering_key    TEXT    NOT NULL,
            kind            TEXT    NOT NULL,
            body            BLOB    NOT NULL,
            created_at      INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            lease_until     INTEGER NOT NULL DEFAULT 0,
            delivered_at    INTEGER NULL,
            last_error      TEXT    NULL);
        CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox (ordering_key, sequence) WHERE delivered_at IS NULL;
        CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sequence) WHERE delivered_at IS NULL;
        DROP INDEX IF EXISTS outbox_due;
        """;

    private readonly string _connectionString;
    private readonly TimeProvider _clock;

    public SqliteOutboxStore(string connectionString, TimeProvider clock)
    {
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = true, DefaultTimeout = 30 }.ToString();
        _clock = clock;
        _database = Transactions.DatabaseKey.SqliteFromConnectionString(_connectionString);
    }

    private readonly string _database;

    /// <summary>Opens a store on a database file, creating the outbox table when missing.</summary>
    public static async Task<SqliteOutboxStore> OpenAsync(string databasePath, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        var store = new SqliteOutboxStore(new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString(), clock);
        await using var c = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL;" + Schema, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return store;
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        return await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the entries in one transaction: the open unit of work's on this database (R-WS-2), else its own.</summary>
    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var s = await Transactions.StoreConnection.OpenAsync(_database, async ct => await OpenConnectionAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await using var tx = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        List<OutboxEntry>? written = null;
        await OutboxSql.EnqueueAsync(s.Connection, tx.Transaction, entries, _clock.GetUtcNow(), cancellationToken,
            inserted: e => (written ??= new List<OutboxEntry>(entries.Count)).Add(e)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        // Kept for this process's delivery once durable: at once for a transaction of its own, at the unit of work's commit when it joined one.
        if (written is not null) Core.Transactions.UnitOfWorkContext.AfterCommit(() => _bodies.Remember(written));
    }

    // What this process wrote, delivered from memory rather than read back from the database it was just written to.
    private readonly RecentOutboxBodies _bodies = new();

    public async Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default)
    {
        var ms = now.ToUnixTimeMilliseconds();
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // BEGIN IMMEDIATE takes the write lock first, so two workers cannot lease the same row; one statement then
        // chooses the batch, leases it and returns it, rather than a query and an update per message.
        await using var tx = c.BeginTransaction(deferred: false);
        var rows = (await c.QueryAsync<OutboxSql.Row>(new CommandDefinition(
            "UPDATE outbox SET lease_until = @until WHERE sequence IN (" +
            // In sequence order over the undelivered rows only, so the scan stops at the batch's last row
            // (by next_attempt_at it read every due row and sorted them, once per round, whatever the backlog;
            // that index, outbox_due, served nothing else and is dropped so inserts and retries do not maintain it).
            "SELECT o.sequence FROM outbox o INDEXED BY outbox_pending " +
            "WHERE o.delivered_at IS NULL AND o.next_attempt_at <= @ms AND o.lease_until <= @ms " +
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.delivered_at IS NULL AND p.sequence < o.sequence) " +
            $"ORDER BY o.sequence LIMIT @max) RETURNING {OutboxSql.LeaseColumns}",
            new { ms, max, until = ms + (long)lease.TotalMilliseconds }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        // A body this process wrote is taken from memory; the others (another process's, one evicted, one tried before) are read.
        List<long>? stored = null;
        foreach (var row in rows)
            if (_bodies.TryTake(row.ResponseId) is { } body) row.Body = body;
            else (stored ??= []).Add(row.Sequence);
        if (stored is not null)
        {
            var bodies = (await c.QueryAsync<(long Sequence, byte[] Body)>(new CommandDefinition(
                "SELECT sequence, body FROM outbox WHERE sequence IN @stored", new { stored }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
                .ToDictionary(b => b.Sequence, b => b.Body);
            foreach (var row in rows)
                if (bodies.TryGetValue(row.Sequence, out var body)) row.Body = body;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        // RETURNING gives no order: the round goes out oldest first.
        rows.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return rows.ConvertAll(r => r.ToDelivery());
    }

    public async Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET delivered_at = @at, attempts = attempts + 1, lease_until = 0 WHERE sequence = @sequence",
            new { at = deliveredAt.ToUnixTimeMilliseconds(), sequence }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @next, lease_until = 0, last_error = @error WHERE sequence = @sequence",
            new { next = nextAttemptAt.ToUnixTimeMilliseconds(), error, sequence }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>One write transaction for the whole round, each statement prepared once and bound per message.</summary>
    public async Task RecordAttemptsAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        if (outcomes.Count == 0) return;
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = c.BeginTransaction(deferred: false);
        await using var delivered = c.CreateCommand();
        delivered.Transaction = tx;
        delivered.CommandText = "UPDATE outbox SET delivered_at = $at, attempts = attempts + 1, lease_until = 0 WHERE sequence = $sequence";
        var deliveredAt = delivered.Parameters.Add("$at", SqliteType.Integer);
        var deliveredSequence = delivered.Parameters.Add("$sequence", SqliteType.Integer);
        await using var retry = c.CreateCommand();
        retry.Transaction = tx;
        retry.CommandText = "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $next, lease_until = 0, last_error = $error WHERE sequence = $sequence";
        var retryNext = retry.Parameters.Add("$next", SqliteType.Integer);
        var retryError = retry.Parameters.Add("$error", SqliteType.Text);
        var retrySequence = retry.Parameters.Add("$sequence", SqliteType.Integer);
        foreach (var o in outcomes)
        {
            if (o.Delivered)
            {
                deliveredAt.Value = o.At.ToUnixTimeMilliseconds();
                deliveredSequence.Value = o.Sequence;
                await delivered.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                retryNext.Value = o.NextAttemptAt!.Value.ToUnixTimeMilliseconds();
                retryError.Value = o.Error ?? "";
                retrySequence.Value = o.Sequence;
                await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<UndeliveredMessage>> ListUndeliveredAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxSql.ListUndeliveredAsync(c, max, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReleaseParkedAsync(Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxSql.ReleaseParkedAsync(c, recipient, now, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxRecipientState>> WaitingByRecipientAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.WaitingByRecipientAsync(c, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxFailure>> RecentFailuresAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.RecentFailuresAsync(c, max, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RetryNowAsync(Protocol.Domain.Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxInspectionSql.RetryNowAsync(c, recipient, now, cancellationToken).ConfigureAwait(false);
    }
}
