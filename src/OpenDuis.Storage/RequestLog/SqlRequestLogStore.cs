using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Migrations;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.RequestLog;

/// <summary>
/// The request log's table in the data folder's database, on SQLite or PostgreSQL. Like the outbox it
/// creates its own tables when missing. Request IDs are kept as text; times as Unix microseconds; EUIs
/// and counters as the 64-bit pattern of their unsigned values.
/// </summary>
public abstract class SqlRequestLogStore : IRequestLogStore
{
    private const string Columns = "request_id, variant, command_variant, preceding, first_in_sequence, received_us, state, ends_sequence";

    private const string SelectEntries =
        "SELECT request_id AS RequestId, variant AS Variant, command_variant AS CommandVariant, preceding AS Preceding, " +
        "first_in_sequence AS FirstInSequence, received_us AS ReceivedUs, state AS State, ends_sequence AS EndsSequence FROM request_log ";

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    protected static string Schema(string bigint) => $"""
        CREATE TABLE IF NOT EXISTS request_log (
            request_id        TEXT    PRIMARY KEY,
            variant           TEXT    NOT NULL,
            command_variant   INTEGER NOT NULL,
            preceding         TEXT    NULL,
            first_in_sequence INTEGER NOT NULL,
            received_us       {bigint} NOT NULL,
            state             TEXT    NOT NULL,
            ends_sequence     INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS request_log_received ON request_log (received_us);
        CREATE INDEX IF NOT EXISTS request_log_preceding ON request_log (preceding) WHERE preceding IS NOT NULL;
        CREATE TABLE IF NOT EXISTS smets1_counters (
            originator {bigint} NOT NULL,
            target     {bigint} NOT NULL,
            counter    {bigint} NOT NULL,
            PRIMARY KEY (originator, target));
        """;

    /// <summary>
    /// InMemoryRequestLog's link test in SQL: in a sequence (First In Sequence, a Preceding Request ID,
    /// Last In Sequence, or named as another's preceding), or a variant that returns a Command for Local Delivery.
    /// </summary>
    private static readonly string Linked =
        "(first_in_sequence = 1 OR preceding IS NOT NULL OR ends_sequence = 1 " +
        $"OR command_variant IN ({string.Join(", ", CommandVariants.All.Where(v => v.ReturnsLocalCommand()).Select(v => (int)v))}) " +
        "OR EXISTS (SELECT 1 FROM request_log s WHERE s.preceding = request_log.request_id))";

    // Small enough that a batch holds SQLite's write lock for milliseconds, not the outbox's inserts for a stall.
    private const int PruneBatch = 2_000;

    public async Task<RequestLogState> LoadAsync(DateTimeOffset since, DateTimeOffset? unlinkedSince = null, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            SelectEntries + "WHERE received_us >= @Since" +
            (unlinkedSince is null ? "" : $" AND (received_us >= @UnlinkedSince OR state = '{nameof(RequestState.InProgress)}' OR {Linked})"),
            new { Since = Db.Micros(since), UnlinkedSince = unlinkedSince is { } u ? Db.Micros(u) : 0 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var counters = await c.QueryAsync<(long Originator, long Target, long Counter)>(new CommandDefinition(
            "SELECT originator, target, counter FROM smets1_counters", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new RequestLogState(
            rows.Select(r => r.ToEntry()).ToList(),
            counters.Select(k => new Smets1Counter(Db.Eui(k.Originator), Db.Eui(k.Target), unchecked((ulong)k.Counter))).ToList());
    }

    public async Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset? unlinkedBefore = null, CancellationToken cancellationToken = default)
    {
        // In batches, so other writers to the database (the outbox above all) wait for one batch at most.
        var unlinked = unlinkedBefore is { } u && u > before ? u : before;
        var sql = "DELETE FROM request_log WHERE request_id IN (SELECT request_id FROM request_log WHERE received_us < @Unlinked AND " +
                  $"(received_us < @Before OR (state <> '{nameof(RequestState.InProgress)}' AND NOT {Linked})) LIMIT {PruneBatch})";
        var total = 0;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var deleted = await c.ExecuteAsync(new CommandDefinition(sql, new { Before = Db.Micros(before), Unlinked = Db.Micros(unlinked) },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            total += deleted;
            if (deleted < PruneBatch) break;
        }
        if (IsShared)
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM dcc_schedule_occurrences WHERE queued_us < @Before", new { Before = Db.Micros(before) },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        return total;
    }

    public async Task<IReadOnlyList<ClaimRefusal>> WriteAsync(RequestLogBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A request that ended before this batch's claims were made is ended first: a request sent again with the same ID
        // once its answer has arrived is then claimed against the ended row, not refused E55 against the row the ending
        // would have closed a moment later in the same batch.
        // The batch is written in two passes over its entries, not copied into the two parts.
        var claimed = batch.Claims.Count == 0 ? null : batch.Claims.Select(k => (k.Entry.Id, k.Entry.Received)).ToHashSet();
        bool IsEnding(LoggedRequest r) => r.State != RequestState.InProgress && claimed?.Contains((r.Id, r.Received)) != true;
        await WriteEntriesAsync(c, tx, batch.Owner, batch.Requests, ending: true, IsEnding, cancellationToken).ConfigureAwait(false);
        if (IsShared && batch.EndedElsewhere.Count > 0)
            // Ended by the node that executed the command (handed to it, or taken over), whose memory never held the entry.
            await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE request_log SET state = @State WHERE request_id = @RequestId AND owner = @Owner AND state = '{nameof(RequestState.InProgress)}' AND received_us <= @AcceptedUs",
                batch.EndedElsewhere.Select(e => new { State = e.State.ToString(), RequestId = e.Command.RequestId.ToString(), batch.Owner, AcceptedUs = Db.Micros(e.Command.AcceptedAt) }),
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var refused = await ClaimAsync(c, tx, batch, PrecedingLock, cancellationToken).ConfigureAwait(false);
        await WriteEntriesAsync(c, tx, batch.Owner, batch.Requests, ending: false, IsEnding, cancellationToken).ConfigureAwait(false);
        // Counters compare as unsigned in memory, which hands over only ever-rising values: the last write wins.
        if (batch.Counters.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO smets1_counters (originator, target, counter) VALUES (@Originator, @Target, @Counter) " +
                "ON CONFLICT (originator, target) DO UPDATE SET counter = excluded.counter",
                batch.Counters.Select(k => new { Originator = Db.Key(k.Originator), Target = Db.Key(k.Target), Counter = unchecked((long)k.Counter) }),
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var kept = batch.Commands.Where(k => refused.All(r => r.Id != k.RequestId)).ToList();
        if (IsShared && batch.QueuedBefore is { } queuedBefore && kept.Exists(k => k.Schedule is not null))
            kept = await FirstRunsAsync(c, tx, kept, queuedBefore, batch.Now, cancellationToken).ConfigureAwait(false);
        if (kept.Count > 0) await InsertCommandsAsync(c, tx, batch, kept, cancellationToken).ConfigureAwait(false);
        if (IsShared && batch.DeviceOwners is { } owners && kept.Count > 0)
            foreach (var (device, owner) in await ClaimDevicesAsync(c, tx, batch.Owner, kept.Select(k => k.RequestId.Target), batch.Now, batch.LeaseUntil, cancellationToken).ConfigureAwait(false))
                owners[device] = owner;
        if (IsShared && batch.HandOvers.Count > 0)
            await HandOverAsync(c, tx, batch.Owner, batch.HandOvers.Select(h => (h.Command, h.To)).ToList(), batch.LeaseUntil, cancellationToken).ConfigureAwait(false);
        // On a shared store only the command's owner drops it: a node that stalled past its lease must not drop a command
        // another node took over and still executes.
        if (batch.FinishedCommands.Count > 0)
            await DeleteFinishedAsync(c, tx, batch.FinishedCommands, IsShared ? batch.Owner : null, cancellationToken).ConfigureAwait(false);
        if (IsShared && batch.SteppedDown.Count > 0)
        {
            // Fenced off: the command, if still this node's, is left with an expired lease to whichever node owns its Device now.
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE device_commands SET lease_until_us = 0, handed = FALSE WHERE request_id = @RequestId AND accepted_us = @AcceptedUs AND owner = @Owner",
                batch.SteppedDown.Select(k => new { RequestId = k.RequestId.ToString(), AcceptedUs = Db.Micros(k.AcceptedAt), batch.Owner }),
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await NotifyAsync(c, tx, Notifications.PostgresNotifications.ReleaseChannel, cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return refused;
    }

    /// <summary>
    /// Each Device's owner (a shared store): a Device no live node owns (no lease, or its lease ran out) becomes
    /// <paramref name="owner"/>'s until <paramref name="until"/>, and one it owns already has its lease renewed. Rows are
    /// taken in Device order, as every writer of device_leases takes them, so two nodes' transactions cannot deadlock.
    /// </summary>
    /// <para>
    /// A new owner gives the lease a new epoch (a fresh row takes one by default, a changed owner the one its proposed row
    /// took); renewing one's own lease keeps it, so this node's commands in flight stay under the epoch they were taken in.
    /// </para>
    private static async Task<Dictionary<Eui, DeviceFence>> ClaimDevicesAsync(DbConnection c, DbTransaction tx, string owner, IEnumerable<Eui> devices,
        DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var ids = devices.Select(d => d.ToString()).Distinct().ToArray();
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO device_leases (device_id, owner, lease_until_us) SELECT d, @Owner, @Until FROM unnest(@Devices) AS d ORDER BY d " +
            "ON CONFLICT (device_id) DO UPDATE SET owner = excluded.owner, lease_until_us = excluded.lease_until_us, " +
            "epoch = CASE WHEN device_leases.owner = excluded.owner THEN device_leases.epoch ELSE excluded.epoch END " +
            "WHERE device_leases.owner = excluded.owner OR device_leases.lease_until_us < @Now",
            new { Owner = owner, Until = Db.Micros(until), Now = Db.Micros(now), Devices = ids }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await c.QueryAsync<(string Device, string Owner, long Epoch)>(new CommandDefinition(
            "SELECT device_id, owner, epoch FROM device_leases WHERE device_id = ANY(@Devices)", new { Devices = ids }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => Eui.Parse(r.Device), r => new DeviceFence(Eui.Parse(r.Device), r.Owner, r.Epoch));
    }

    /// <summary>
    /// The commands to queue, but for DCC Schedule occurrences an earlier run queued already (added to
    /// <paramref name="queuedBefore"/>): each occurrence is claimed once in dcc_schedule_occurrences, a concurrent run's
    /// claim waiting on the key and then finding it taken.
    /// </summary>
    private static async Task<List<AcceptedCommand>> FirstRunsAsync(DbConnection c, DbTransaction tx, List<AcceptedCommand> commands, HashSet<RequestId> queuedBefore,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var first = new List<AcceptedCommand>(commands.Count);
        foreach (var k in commands)
        {
            if (k.Schedule is { } schedule && await c.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO dcc_schedule_occurrences (schedule_id, request_id, queued_us) VALUES (@Schedule, @RequestId, @Now) ON CONFLICT DO NOTHING",
                    new { Schedule = (long)schedule.Value, RequestId = k.RequestId.ToString(), Now = Db.Micros(now) }, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
                queuedBefore.Add(k.RequestId);
            else first.Add(k);
        }
        return first;
    }

    private static Task NotifyAsync(DbConnection c, DbTransaction tx, string channel, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition($"SELECT pg_notify('{channel}', current_schema())", transaction: tx, cancellationToken: cancellationToken));

    /// <summary>
    /// Gives queued commands to the nodes that own their Devices (a shared store), with their requests' rows (the
    /// owner ends them), leased as long as the owner's Device lease, so a command given to a node that died is
    /// taken over with its Devices; the owners are woken by NOTIFY at commit.
    /// </summary>
    private static async Task HandOverAsync(DbConnection c, DbTransaction tx, string from, IReadOnlyList<(CommandKey Command, string To)> handOvers,
        DateTimeOffset until, CancellationToken cancellationToken)
    {
        var rows = handOvers.Select(h => new
        {
            RequestId = h.Command.RequestId.ToString(), AcceptedUs = Db.Micros(h.Command.AcceptedAt), Device = h.Command.RequestId.Target.ToString(),
            h.To, From = from, Until = Db.Micros(until),
        }).ToList();
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE device_commands SET owner = @To, handed = TRUE, lease_until_us = COALESCE((SELECT lease_until_us FROM device_leases WHERE device_id = @Device AND owner = @To), @Until) " +
            "WHERE request_id = @RequestId AND accepted_us = @AcceptedUs AND owner = @From", rows, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            $"UPDATE request_log SET owner = @To WHERE request_id = @RequestId AND owner = @From AND state = '{nameof(RequestState.InProgress)}'",
            rows, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await NotifyAsync(c, tx, Notifications.PostgresNotifications.CommandChannel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The claims of a batch, in Request ID order (so two nodes' batches lock rows in the same order and
    /// cannot deadlock), each under a savepoint: its entry replaces a stored one only when that is no
    /// longer in progress, or its hold passed (E55, DUIS 3.5.10 Table 1); a SMETS1 request's counter
    /// only rises (E63). A concurrent claim of the same Request ID waits on the row and then sees it in
    /// progress, so exactly one of them wins.
    /// </summary>
    /// <remarks>
    /// E41 (DUIS 3.4.3): a sequenced request's claim is refused when another request already names its Preceding Request
    /// ID. Two nodes admitting successors of the same request at once would each find none, so every claim naming a
    /// preceding request first takes a transaction lock on that ID (<paramref name="precedingLock"/>, all of the batch's in
    /// order, before any claim, so two batches cannot deadlock on them): the second waits for the first's commit and then
    /// sees its successor.
    /// </remarks>
    private static async Task<List<ClaimRefusal>> ClaimAsync(DbConnection c, DbTransaction tx, RequestLogBatch batch, string? precedingLock,
        CancellationToken cancellationToken)
    {
        var refused = new List<ClaimRefusal>();
        if (precedingLock is not null)
            foreach (var preceding in batch.Claims.Where(k => k.Entry.Preceding is not null).Select(k => k.Entry.Preceding!.Value.ToString()).Distinct().Order(StringComparer.Ordinal))
                await c.ExecuteAsync(new CommandDefinition(precedingLock, new { Preceding = preceding }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var claim in batch.Claims.OrderBy(k => k.Entry.Id.ToString(), StringComparer.Ordinal))
        {
            var id = claim.Entry.Id;
            await tx.SaveAsync("claim", cancellationToken).ConfigureAwait(false);
            var row = Row.From(claim.Entry, batch.Owner);
            if (precedingLock is not null && row.Preceding is not null && await c.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
                    "SELECT request_id FROM request_log WHERE preceding = @Preceding AND request_id <> @RequestId LIMIT 1", new { row.Preceding, row.RequestId }, tx,
                    cancellationToken: cancellationToken)).ConfigureAwait(false) is { } successor)
            {
                refused.Add(new ClaimRefusal(id, ResponseCode.E41, $"{row.Preceding} is already the Preceding Request ID of {successor}, admitted by another node."));
                await tx.RollbackAsync("claim", cancellationToken).ConfigureAwait(false);
                continue;
            }
            // The claim makes this node the row's owner: only it ends the request (WriteAsync).
            var entryKept = await c.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
                $"INSERT INTO request_log ({Columns}, owner) VALUES (@RequestId, @Variant, @CommandVariant, @Preceding, @FirstInSequence, @ReceivedUs, @State, @EndsSequence, @Owner) " +
                "ON CONFLICT (request_id) DO UPDATE SET variant = excluded.variant, command_variant = excluded.command_variant, preceding = excluded.preceding, " +
                "first_in_sequence = excluded.first_in_sequence, received_us = excluded.received_us, state = excluded.state, ends_sequence = excluded.ends_sequence, owner = excluded.owner " +
                $"WHERE request_log.state <> '{nameof(RequestState.InProgress)}' OR request_log.received_us < @HeldSinceUs RETURNING request_id",
                new { row.RequestId, row.Variant, row.CommandVariant, row.Preceding, row.FirstInSequence, row.ReceivedUs, row.State, row.EndsSequence, row.Owner,
                    HeldSinceUs = Db.Micros(batch.HeldSince) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (entryKept is null)
            {
                refused.Add(new ClaimRefusal(id, ResponseCode.E55, $"Request ID {id} duplicates a request still being processed by another node."));
                await tx.RollbackAsync("claim", cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (claim.Smets1Target)
            {
                // Counters are unsigned kept as their 64-bit pattern: signed order holds only between values of the same sign.
                var counterKept = await c.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(
                    "INSERT INTO smets1_counters (originator, target, counter) VALUES (@Originator, @Target, @Counter) " +
                    "ON CONFLICT (originator, target) DO UPDATE SET counter = excluded.counter WHERE " +
                    "((smets1_counters.counter < 0) = (excluded.counter < 0) AND smets1_counters.counter < excluded.counter) " +
                    "OR (smets1_counters.counter >= 0 AND excluded.counter < 0) RETURNING counter",
                    new { Originator = Db.Key(id.Originator), Target = Db.Key(id.Target), Counter = unchecked((long)id.Counter) },
                    tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (counterKept is null)
                {
                    refused.Add(new ClaimRefusal(id, ResponseCode.E63,
                        $"Replay rejected: counter {id.Counter} from {id.Originator} to SMETS1 Device {id.Target} is not above the last counter admitted by another node."));
                    await tx.RollbackAsync("claim", cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            await tx.ReleaseAsync("claim", cancellationToken).ConfigureAwait(false);
        }
        return refused;
    }

    // An entry written behind may reach the store after a newer request with the same ID was recorded: it must not replace it.
    // On a shared store it must not replace another node's either (a claim this node failed to make, then ended Failed,
    // must leave alone the row another node claimed meanwhile): a node ends only the rows it owns.
    // One command for the batch, its parameters made once (named with their prefix, so SQLite binds them without
    // searching) and only their values set per row: the write-behind's rows cost no objects beyond the values.
    private async Task WriteEntriesAsync(DbConnection c, DbTransaction tx, string owner, IReadOnlyList<LoggedRequest> batch, bool ending,
        Func<LoggedRequest, bool> isEnding, CancellationToken cancellationToken)
    {
        if (!batch.Any(r => isEnding(r) == ending)) return;
        var sql = _upsertEntries ??=
            $"INSERT INTO request_log ({Columns}{OwnerColumn}) VALUES (@RequestId, @Variant, @CommandVariant, @Preceding, @FirstInSequence, @ReceivedUs, @State, @EndsSequence{OwnerValue}) " +
            "ON CONFLICT (request_id) DO UPDATE SET variant = excluded.variant, command_variant = excluded.command_variant, preceding = excluded.preceding, " +
            "first_in_sequence = excluded.first_in_sequence, received_us = excluded.received_us, state = excluded.state, ends_sequence = excluded.ends_sequence " +
            "WHERE excluded.received_us >= request_log.received_us" +
            (IsShared ? " AND (request_log.owner IS NULL OR request_log.owner = excluded.owner)" : "");
        if (c is SqliteConnection { Handle: { } sqlite })
        {
            SqliteEntryWriter.Write(sqlite, sql, IsShared ? owner : null, batch, ending, isEnding);
            return;
        }
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        DbParameter Add(string name)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
            return parameter;
        }
        var (requestId, variant, commandVariant, preceding, first, received, state, ends) =
            (Add("@RequestId"), Add("@Variant"), Add("@CommandVariant"), Add("@Preceding"), Add("@FirstInSequence"), Add("@ReceivedUs"), Add("@State"), Add("@EndsSequence"));
        if (IsShared) Add("@Owner").Value = owner;
        foreach (var e in batch)
        {
            if (isEnding(e) != ending) continue;
            requestId.Value = e.Id.ToString();
            variant.Value = e.Variant.ToString();
            commandVariant.Value = (long)e.CommandVariant;
            preceding.Value = e.Preceding?.ToString() ?? (object)DBNull.Value;
            first.Value = e.FirstInSequence ? 1L : 0L;
            received.Value = Db.Micros(e.Received);
            state.Value = StateName(e.State);
            ends.Value = e.EndsSequence ? 1L : 0L;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private string? _upsertEntries;

    // A device request's command and, once answered, its removal: one command per batch as for the entries above
    // (Dapper made each row's parameters anew, and SQLite searched three prefixes for each of their names).
    private static async Task InsertCommandsAsync(DbConnection c, DbTransaction tx, RequestLogBatch batch, IReadOnlyList<AcceptedCommand> kept, CancellationToken cancellationToken)
    {
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "INSERT INTO device_commands (request_id, accepted_us, sender, schedule_id, request_xml, owner, lease_until_us) " +
                              "VALUES (@RequestId, @AcceptedUs, @Sender, @ScheduleId, @RequestXml, @Owner, @LeaseUntilUs) ON CONFLICT (request_id, accepted_us) DO NOTHING";
        var (requestId, accepted, sender, schedule, xml) = (Add(command, "@RequestId", DbType.String), Add(command, "@AcceptedUs", DbType.Int64),
            Add(command, "@Sender", DbType.String), Add(command, "@ScheduleId", DbType.Int64), Add(command, "@RequestXml", DbType.Binary));
        Add(command, "@Owner", DbType.String).Value = batch.Owner;
        Add(command, "@LeaseUntilUs", DbType.Int64).Value = Db.Micros(batch.LeaseUntil);
        foreach (var k in kept)
        {
            requestId.Value = k.RequestId.ToString();
            accepted.Value = Db.Micros(k.AcceptedAt);
            sender.Value = k.Sender.ToString();
            schedule.Value = k.Schedule is { } s ? (long)s.Value : DBNull.Value;
            xml.Value = k.RequestXml;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task DeleteFinishedAsync(DbConnection c, DbTransaction tx, IReadOnlyList<CommandKey> finished, string? owner, CancellationToken cancellationToken)
    {
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "DELETE FROM device_commands WHERE request_id = @RequestId AND accepted_us = @AcceptedUs" + (owner is null ? "" : " AND owner = @Owner");
        var (requestId, accepted) = (Add(command, "@RequestId", DbType.String), Add(command, "@AcceptedUs", DbType.Int64));
        if (owner is not null) Add(command, "@Owner", DbType.String).Value = owner;
        foreach (var k in finished)
        {
            requestId.Value = k.RequestId.ToString();
            accepted.Value = Db.Micros(k.AcceptedAt);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static DbParameter Add(DbCommand command, string name, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        command.Parameters.Add(parameter);
        return parameter;
    }

    // The state's name as stored, without boxing the enum to format it per row.
    internal static string StateName(RequestState state) => state switch
    {
        RequestState.InProgress => nameof(RequestState.InProgress),
        RequestState.Succeeded => nameof(RequestState.Succeeded),
        RequestState.Failed => nameof(RequestState.Failed),
        RequestState.NoDeviceResponse => nameof(RequestState.NoDeviceResponse),
        _ => state.ToString(),
    };

    /// <summary>Whether several nodes may share the store, so that admissions are claimed in it (<see cref="IRequestLogStore.IsShared"/>).</summary>
    public virtual bool IsShared => false;

    // A shared store's rows name the node that claimed them (its owner column); one node's store needs no owner.
    private string OwnerColumn => IsShared ? ", owner" : "";
    private string OwnerValue => IsShared ? ", @Owner" : "";

    /// <summary>The statement that locks a Preceding Request ID (<c>@Preceding</c>) until the transaction ends, so E41 is claimed atomically (PostgreSQL); null for one node's store.</summary>
    protected virtual string? PrecedingLock => null;

    /// <summary>What a claim adds to its choice of rows so that nodes sharing the database skip each other's (PostgreSQL).</summary>
    protected virtual string ClaimLock => "";

    public async Task<IReadOnlyList<AcceptedCommand>> ClaimCommandsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        CancellationToken cancellationToken = default, bool ownToo = true)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await c.QueryAsync<CommandRow>(new CommandDefinition(
            $"UPDATE device_commands SET owner = @Owner, lease_until_us = @Until{(IsShared ? ", handed = FALSE" : "")} WHERE (request_id, accepted_us) IN (" +
            $"SELECT request_id, accepted_us FROM device_commands WHERE {(ownToo ? "owner = @Owner OR " : "")}lease_until_us < @Now " +
            $"ORDER BY accepted_us LIMIT @Limit{ClaimLock}) " +
            "RETURNING request_id AS RequestId, accepted_us AS AcceptedUs, sender AS Sender, schedule_id AS ScheduleId, request_xml AS RequestXml",
            new { Owner = owner, Until = Db.Micros(leaseUntil), Now = Db.Micros(now), Limit = (long)limit }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        IReadOnlyList<AcceptedCommand> taken;
        if (IsShared)
        {
            taken = await WithDevicesAsync(c, tx, owner, rows, now, leaseUntil, cancellationToken).ConfigureAwait(false);
            // A dead node's Devices with nothing queued move too, so the lease table says who holds each Device; one whose
            // command is still leased to a live node stays (its Device lease alone ran out, a renewal that failed).
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE device_leases SET owner = @Owner, lease_until_us = @Until, epoch = nextval('device_lease_epochs') WHERE device_id IN (" +
                "SELECT l.device_id FROM device_leases l WHERE l.lease_until_us < @Now " +
                "AND NOT EXISTS (SELECT 1 FROM device_commands q WHERE q.device_id = l.device_id AND q.lease_until_us >= @Now) " +
                "ORDER BY l.device_id LIMIT 1000 FOR UPDATE SKIP LOCKED)",
                new { Owner = owner, Until = Db.Micros(leaseUntil), Now = Db.Micros(now) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else taken = [.. rows.Select(r => r.ToCommand())];
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. taken.OrderBy(k => k.AcceptedAt).ThenBy(k => k.RequestId.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>
    /// Commands a node has just taken (a shared store) go with their Devices: it takes their requests' rows (it ends
    /// them now) and their Devices' leases, and executes each under its Device's epoch; a Device another live node
    /// owns gets its commands handed to that node instead.
    /// </summary>
    private static async Task<IReadOnlyList<AcceptedCommand>> WithDevicesAsync(DbConnection c, DbTransaction tx, string owner, List<CommandRow> rows,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        await c.ExecuteAsync(new CommandDefinition(
            $"UPDATE request_log SET owner = @Owner WHERE request_id = @RequestId AND state = '{nameof(RequestState.InProgress)}'",
            rows.Select(r => new { Owner = owner, r.RequestId }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var leases = await ClaimDevicesAsync(c, tx, owner, rows.Select(r => r.Target), now, leaseUntil, cancellationToken).ConfigureAwait(false);
        var elsewhere = rows.Where(r => leases.TryGetValue(r.Target, out var l) && l.Owner != owner).ToList();
        if (elsewhere.Count > 0)
            await HandOverAsync(c, tx, owner, [.. elsewhere.Select(r => (new CommandKey(r.ToCommand().RequestId, Db.Time(r.AcceptedUs)), leases[r.Target].Owner))],
                leaseUntil, cancellationToken).ConfigureAwait(false);
        return [.. rows.Except(elsewhere).Select(r => r.ToCommand() with { Fence = leases.TryGetValue(r.Target, out var l) ? l : null })];
    }

    public async Task<LoggedRequest?> FindAsync(RequestId id, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            SelectEntries + "WHERE request_id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToEntry();
    }

    public async Task<RequestId?> FindSuccessorAsync(RequestId preceding, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await c.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT request_id FROM request_log WHERE preceding = @Preceding LIMIT 1", new { Preceding = preceding.ToString() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return id is null ? null : RequestId.Parse(id);
    }

    public async Task RenewCommandsAsync(string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("UPDATE device_commands SET lease_until_us = @Until WHERE owner = @Owner",
            new { Owner = owner, Until = Db.Micros(leaseUntil) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (IsShared)
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE device_leases SET lease_until_us = @Until WHERE device_id IN (SELECT device_id FROM device_leases WHERE owner = @Owner ORDER BY device_id FOR UPDATE)",
                new { Owner = owner, Until = Db.Micros(leaseUntil) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AcceptedCommand>> ClaimHandedCommandsAsync(string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default,
        DateTimeOffset? now = null)
    {
        if (!IsShared) return [];
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await c.QueryAsync<CommandRow>(new CommandDefinition(
            "UPDATE device_commands SET handed = FALSE, lease_until_us = @Until WHERE owner = @Owner AND handed " +
            "RETURNING request_id AS RequestId, accepted_us AS AcceptedUs, sender AS Sender, schedule_id AS ScheduleId, request_xml AS RequestXml",
            new { Owner = owner, Until = Db.Micros(leaseUntil) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        // Under their Devices' epochs; a Device that moved on since it was handed here gets its commands handed on.
        var taken = await WithDevicesAsync(c, tx, owner, rows, now ?? DateTimeOffset.UtcNow, leaseUntil, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. taken.OrderBy(k => k.AcceptedAt).ThenBy(k => k.RequestId.ToString(), StringComparer.Ordinal)];
    }

    public async Task<int> ReleaseAsync(string owner, CancellationToken cancellationToken = default)
    {
        if (!IsShared) return 0;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The commands keep their owner until taken (only the taker takes their rows), with a lease that has run out.
        var left = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE device_commands SET lease_until_us = 0, handed = FALSE WHERE owner = @Owner", new { Owner = owner }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // The leases go: the next node to queue a command for an idle Device takes it (with a new epoch from the sequence),
        // so the Devices spread over the nodes that serve them instead of all going to the first taker.
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_leases WHERE device_id IN (SELECT device_id FROM device_leases WHERE owner = @Owner ORDER BY device_id FOR UPDATE)",
            new { Owner = owner }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // No longer a live node for the others' fair share.
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM storage_heartbeat WHERE node = @Owner", new { Owner = owner }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await NotifyAsync(c, tx, Notifications.PostgresNotifications.ReleaseChannel, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return left;
    }

    public async Task<int> RebalanceAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken = default)
    {
        if (!IsShared) return 0;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var nowUs = Db.Micros(now);
        var counts = (await c.QueryAsync<(string Owner, long Devices)>(new CommandDefinition(
            "SELECT owner, count(*) FROM device_leases WHERE lease_until_us >= @Now GROUP BY owner", new { Now = nowUs },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Owner, r => r.Devices);
        // Live nodes: those holding leases, those whose storage probe wrote within the lease (a node that owns nothing yet), and this one.
        var live = (await c.QueryAsync<string>(new CommandDefinition(
            "SELECT node FROM storage_heartbeat WHERE beat_us >= @Since", new { Since = nowUs - (Db.Micros(leaseUntil) - nowUs) },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).Concat(counts.Keys).Append(owner).Distinct().Count();
        // The fair share, rounded up: a node below it takes from the node that owns the most, when that one owns at least two
        // more, and at most half the difference, so that no Device moves back and forth between two nodes.
        var share = (counts.Values.Sum() + live - 1) / live;
        var mine = counts.GetValueOrDefault(owner);
        if (mine >= share || counts.Count == 0) return 0;
        var (from, theirs) = counts.MaxBy(k => k.Value);
        var moves = (int)Math.Min(Math.Min(share - mine, (theirs - mine) / 2), limit);
        if (from == owner || moves <= 0) return 0;
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Idle Devices only: none with a command queued, handed or in flight. A command being recorded for one at this moment
        // waits on the row's lock and then finds it owned here, so it is handed over like any other (ClaimDevicesAsync).
        var moved = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE device_leases SET owner = @Owner, lease_until_us = @Until, epoch = nextval('device_lease_epochs') WHERE device_id IN (" +
            "SELECT l.device_id FROM device_leases l WHERE l.owner = @From AND l.lease_until_us >= @Now " +
            "AND NOT EXISTS (SELECT 1 FROM device_commands q WHERE q.device_id = l.device_id) " +
            "ORDER BY l.device_id LIMIT @Moves FOR UPDATE SKIP LOCKED)",
            new { Owner = owner, From = from, Until = Db.Micros(leaseUntil), Now = nowUs, Moves = (long)moves }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return moved;
    }

    private sealed class CommandRow
    {
        public string RequestId { get; set; } = "";
        public long AcceptedUs { get; set; }
        public string Sender { get; set; } = "";
        public long? ScheduleId { get; set; }
        public byte[] RequestXml { get; set; } = [];

        public Eui Target => Protocol.Domain.RequestId.Parse(RequestId).Target;

        public AcceptedCommand ToCommand() => new(Protocol.Domain.RequestId.Parse(RequestId), Eui.Parse(Sender), Db.Time(AcceptedUs), RequestXml,
            ScheduleId is { } s ? new Core.Schedules.DspScheduleId((ulong)s) : null);
    }

    private sealed class Row
    {
        public string RequestId { get; set; } = "";
        public string Variant { get; set; } = "";
        public long CommandVariant { get; set; }
        public string? Preceding { get; set; }
        public long FirstInSequence { get; set; }
        public long ReceivedUs { get; set; }
        public string State { get; set; } = "";
        public long EndsSequence { get; set; }
        public string Owner { get; set; } = "";

        public static Row From(LoggedRequest e, string owner) => new()
        {
            Owner = owner,
            RequestId = e.Id.ToString(),
            Variant = e.Variant.ToString(),
            CommandVariant = (long)e.CommandVariant,
            Preceding = e.Preceding?.ToString(),
            FirstInSequence = e.FirstInSequence ? 1 : 0,
            ReceivedUs = Db.Micros(e.Received),
            State = e.State.ToString(),
            EndsSequence = e.EndsSequence ? 1 : 0,
        };

        public LoggedRequest ToEntry() => new(
            Protocol.Domain.RequestId.Parse(RequestId),
            ServiceReferenceVariant.Parse(Variant),
            (CommandVariant)CommandVariant,
            Preceding is null ? null : Protocol.Domain.RequestId.Parse(Preceding),
            FirstInSequence != 0,
            Db.Time(ReceivedUs),
            Db.ParseEnum<RequestState>(State, "state"),
            EndsSequence != 0);
    }
}

/// <summary>The request log in the embedded SQLite database.</summary>
public sealed class SqliteRequestLogStore : SqlRequestLogStore
{
    private readonly string _connectionString;

    private SqliteRequestLogStore(string databasePath) =>
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true, DefaultTimeout = 30 }.ToString();

    public static async Task<SqliteRequestLogStore> OpenAsync(string databasePath, CancellationToken cancellationToken = default)
    {
        var store = new SqliteRequestLogStore(databasePath);
        await using var c = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Schema("INTEGER"), cancellationToken: cancellationToken)).ConfigureAwait(false);
        await Migrator.ApplyAsync(c, "sqlite", lockSql: null, cancellationToken).ConfigureAwait(false);
        return store;
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        return await SqliteConnections.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The request log in PostgreSQL (several nodes may share it; each loads it when it starts).</summary>
public sealed class PostgresRequestLogStore : SqlRequestLogStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresRequestLogStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<PostgresRequestLogStore> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        var store = new PostgresRequestLogStore(dataSource);
        await using var c = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The owner column came with several nodes: a database made before it gets it here.
        await PostgresSchemaLock.ExecuteAsync(c, Schema("BIGINT") + "ALTER TABLE request_log ADD COLUMN IF NOT EXISTS owner TEXT NULL;", cancellationToken).ConfigureAwait(false);
        await Migrator.ApplyAsync(c, "postgres", PostgresSchemaLock.Sql, cancellationToken).ConfigureAwait(false);
        return store;
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override string ClaimLock => " FOR UPDATE SKIP LOCKED";

    // Keyed by the schema too: nodes of other schemas in the database do not wait on each other.
    protected override string PrecedingLock => "SELECT pg_advisory_xact_lock(4242261, hashtext(current_schema() || ':' || @Preceding))";

    /// <summary>Several nodes share the database: E55 and E63 are claimed in it.</summary>
    public override bool IsShared => true;
}
