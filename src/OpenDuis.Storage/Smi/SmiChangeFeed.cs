using System.Data.Common;
using Dapper;
using Npgsql;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The <c>smi_changes</c> table (migration 0018) as an <see cref="ISmiChangeFeed"/>: triggers on the
/// inventory's tables write it, in the writer's transaction; readers parse its keys back to domain values.
/// </summary>
internal abstract class SmiChangeFeed : ISmiChangeFeed
{
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract Task<string> PositionAsync(CancellationToken cancellationToken = default);

    public abstract Task<SmiChangeBatch> ReadSinceAsync(string position, int limit, CancellationToken cancellationToken = default);

    public abstract Task PruneAsync(TimeSpan age, CancellationToken cancellationToken = default);

    protected static SmiChangeBatch Batch(string since, string position, IEnumerable<(string Concern, string Key)> rows, int limit)
    {
        var changes = new List<SmiChange>();
        var seen = new HashSet<(string, string)>();
        foreach (var row in rows)
        {
            if (!seen.Add(row)) continue;
            if (changes.Count == limit) return new SmiChangeBatch(since, position, [], Overflowed: true);
            changes.Add(Parse(row.Concern, row.Key));
        }
        return new SmiChangeBatch(since, position, changes, Overflowed: false);
    }

    private static SmiChange Parse(string concern, string key) => concern switch
    {
        "device" => new SmiChange.DeviceChanged(Db.Eui(long.Parse(key, System.Globalization.CultureInfo.InvariantCulture))),
        "user" => new SmiChange.UserChanged(Db.Eui(long.Parse(key, System.Globalization.CultureInfo.InvariantCulture))),
        "registration" when key.Split('|') is [var mpxn, var role] =>
            new SmiChange.RegistrationChanged(Mpxn.Parse(mpxn), Db.ParseEnum<RegisteredRole>(role, "smi_changes.key")),
        "product" => new SmiChange.ProductsChanged(),
        "fault" => new SmiChange.FaultChanged(Eui.Parse(key)),
        _ => throw new InvalidDataException($"smi_changes holds '{concern}' '{key}', not a change this OpenDUIS knows."),
    };
}

/// <summary>SQLite has one writer at a time, so the autoincrement sequence is commit order: the position is the last seq read.</summary>
internal sealed class SqliteSmiChangeFeed(string connectionString) : SmiChangeFeed
{
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await SqliteConnections.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);

    public override async Task<string> PositionAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM smi_changes", cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async Task<SmiChangeBatch> ReadSinceAsync(string position, int limit, CancellationToken cancellationToken = default)
    {
        var since = long.Parse(position, System.Globalization.CultureInfo.InvariantCulture);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // One read transaction: the rows and the new position come from the same snapshot.
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await c.QueryAsync<(long Seq, string Concern, string Key)>(new CommandDefinition(
            "SELECT seq, concern, key FROM smi_changes WHERE seq > @Since ORDER BY seq LIMIT @Limit",
            new { Since = since, Limit = (long)limit * 4 + 1 }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        var newest = await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM smi_changes", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? since;
        var to = newest.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (rows.Count > limit * 4) return new SmiChangeBatch(position, to, [], Overflowed: true);
        return Batch(position, to, rows.Select(r => (r.Concern, r.Key)), limit);
    }

    public override async Task PruneAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM smi_changes WHERE changed_us < @Before",
            new { Before = Db.Micros(DateTimeOffset.UtcNow - age) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}

/// <summary>
/// PostgreSQL commits concurrent transactions out of seq order, so the position is a snapshot
/// (<c>pg_current_snapshot()</c>): a change is new when its transaction was not visible in the last one read.
/// </summary>
internal sealed class PostgresSmiChangeFeed(NpgsqlDataSource dataSource) : SmiChangeFeed
{
    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<string> PositionAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<string>(new CommandDefinition("SELECT pg_current_snapshot()::text", cancellationToken: cancellationToken)).ConfigureAwait(false)
               ?? throw new InvalidOperationException("PostgreSQL gave no snapshot.");
    }

    public override async Task<SmiChangeBatch> ReadSinceAsync(string position, int limit, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // Repeatable read: the new position and the rows read are the same snapshot.
        await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var to = await c.ExecuteScalarAsync<string>(new CommandDefinition("SELECT pg_current_snapshot()::text", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
                 ?? throw new InvalidOperationException("PostgreSQL gave no snapshot.");
        var rows = (await c.QueryAsync<(long Seq, string Concern, string Key)>(new CommandDefinition(
            "SELECT seq, concern, key FROM smi_changes WHERE xid >= pg_snapshot_xmin(@Since::pg_snapshot) " +
            "AND NOT pg_visible_in_snapshot(xid, @Since::pg_snapshot) ORDER BY seq LIMIT @Limit",
            new { Since = position, Limit = (long)limit * 4 + 1 }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count > limit * 4) return new SmiChangeBatch(position, to, [], Overflowed: true);
        return Batch(position, to, rows.Select(r => (r.Concern, r.Key)), limit);
    }

    public override async Task PruneAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM smi_changes WHERE changed_at < now() - @Age",
            new { Age = age }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
