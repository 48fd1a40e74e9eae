using System.Data.Common;
using System.Globalization;
using Dapper;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Schedules;

/// <summary>
/// DCC Schedules in SQL (migration 0007): one row per schedule holding its definition and its next
/// occurrence. Claiming leases rows; completing moves a row to the occurrence after the one it ran.
/// </summary>
public abstract class SqlScheduleStore : IScheduleStore
{
    /// <summary>The columns of <see cref="Row"/>.</summary>
    protected const string Columns =
        "id AS Id, owner AS Owner, owner_role AS OwnerRole, device_id AS DeviceId, scheduled_variant AS ScheduledVariant, " +
        "frequency AS Frequency, start_date AS StartDate, end_date AS EndDate, execution_ticks AS ExecutionTicks, " +
        "body_xml AS BodyXml, ka_credential AS KaCredential, next_due_us AS NextDueUs";

    /// <summary>The columns of <see cref="Row"/> taken from the table aliased <c>s</c> (PostgreSQL's RETURNING after a join).</summary>
    protected const string ClaimedColumns =
        "s.id AS Id, s.owner AS Owner, s.owner_role AS OwnerRole, s.device_id AS DeviceId, s.scheduled_variant AS ScheduledVariant, " +
        "s.frequency AS Frequency, s.start_date AS StartDate, s.end_date AS EndDate, s.execution_ticks AS ExecutionTicks, " +
        "s.body_xml AS BodyXml, s.ka_credential AS KaCredential, s.next_due_us AS NextDueUs";

    /// <summary>Appended to a query to lock the rows it reads (PostgreSQL: FOR UPDATE).</summary>
    protected abstract string RowLock { get; }

    /// <summary>
    /// One statement that leases up to <c>@max</c> due, unleased rows (<c>next_due_us &lt;= @us AND
    /// lease_until_us &lt;= @us</c>), earliest first by (next_due_us, id), until <c>@until</c>, and
    /// returns them as <see cref="Row"/>s: the rows chosen and leased in one round trip.
    /// </summary>
    protected abstract string ClaimSql { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The database as <see cref="Transactions.DatabaseKey"/> names it.</summary>
    protected abstract string Database { get; }

    /// <summary>
    /// The open unit of work's connection on this database, else one of the store's own: finding and
    /// deleting a device's schedules enlist, so an inventory change ends them in its own transaction.
    /// </summary>
    private ValueTask<Transactions.StoreConnection> ConnectAsync(CancellationToken cancellationToken) =>
        Transactions.StoreConnection.OpenAsync(Database, OpenAsync, cancellationToken);

    public abstract ValueTask DisposeAsync();

    public async Task<DspScheduleId> CreateAsync(ScheduleDefinition definition, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var t = definition.Timing;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO dcc_schedules (owner, owner_role, device_id, scheduled_variant, frequency, start_date, end_date, execution_ticks, body_xml, ka_credential, created_us, next_due_us) " +
            "VALUES (@Owner, @OwnerRole, @DeviceId, @Variant, @Frequency, @StartDate, @EndDate, @ExecutionTicks, @BodyXml, @Ka, @CreatedUs, @NextDueUs) RETURNING id",
            new
            {
                Owner = definition.Owner.ToString(),
                OwnerRole = definition.OwnerRole.Code(),
                DeviceId = definition.DeviceId.ToString(),
                Variant = definition.ScheduledVariant.ToString(),
                Frequency = t.Frequency.ToXsd(),
                StartDate = Date(t.StartDate),
                EndDate = t.EndDate is { } e ? Date(e) : null,
                ExecutionTicks = t.ExecutionStartTime.Ticks,
                BodyXml = definition.ScheduledBodyXml,
                Ka = definition.KaPublicSecurityCredential,
                CreatedUs = Microseconds(createdAt),
                NextDueUs = ScheduleOccurrences.At(t, 0) is { } first ? Microseconds(first) : (long?)null,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new DspScheduleId((ulong)id);
    }

    public virtual async Task<IReadOnlyList<DspScheduleId>> CreateManyAsync(IReadOnlyList<ScheduleDefinition> definitions, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var ids = new List<DspScheduleId>(definitions.Count);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = c.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText =
            "INSERT INTO dcc_schedules (owner, owner_role, device_id, scheduled_variant, frequency, start_date, end_date, execution_ticks, body_xml, ka_credential, created_us, next_due_us) " +
            "VALUES (@owner, @role, @device, @variant, @frequency, @start, @end, @ticks, @body, @ka, @created, @next) RETURNING id";
        var p = new[] { "owner", "role", "device", "variant", "frequency", "start", "end", "ticks", "body", "ka", "created", "next" }.Select(name =>
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = name;
            insert.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        var created = Microseconds(createdAt);
        foreach (var d in definitions)
        {
            var t = d.Timing;
            p[0].Value = d.Owner.ToString();
            p[1].Value = d.OwnerRole.Code();
            p[2].Value = d.DeviceId.ToString();
            p[3].Value = d.ScheduledVariant.ToString();
            p[4].Value = t.Frequency.ToXsd();
            p[5].Value = Date(t.StartDate);
            p[6].Value = t.EndDate is { } e ? Date(e) : DBNull.Value;
            p[7].Value = t.ExecutionStartTime.Ticks;
            p[8].Value = d.ScheduledBodyXml;
            p[9].Value = (object?)d.KaPublicSecurityCredential ?? DBNull.Value;
            p[10].Value = created;
            p[11].Value = ScheduleOccurrences.At(t, 0) is { } first ? Microseconds(first) : DBNull.Value;
            ids.Add(new DspScheduleId((ulong)(long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!));
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    public async Task<StoredSchedule?> GetAsync(DspScheduleId id, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dcc_schedules WHERE id = @id", new { id = (long)id.Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    public async Task<IReadOnlyList<StoredSchedule>> OnDeviceAsync(Eui deviceId, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var rows = await s.Connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dcc_schedules WHERE device_id = @device ORDER BY id", new { device = deviceId.ToString() },
            s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToStored()).ToList();
    }

    /// <remarks>No index on owner: a change to Users is rare, and one more index would cost every firing's completion.</remarks>
    public async Task<IReadOnlyList<StoredSchedule>> OwnedByAsync(Eui owner, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var rows = await s.Connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dcc_schedules WHERE owner = @owner ORDER BY id", new { owner = owner.ToString() },
            s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToStored()).ToList();
    }

    public async Task<IReadOnlyList<StoredSchedule>> NextDueAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        // Walks dcc_schedules_due (next_due_us, id): the first rows are the answer.
        var rows = await s.Connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dcc_schedules WHERE next_due_us IS NOT NULL ORDER BY next_due_us, id LIMIT @max", new { max },
            s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToStored()).ToList();
    }

    public async Task<bool> DeleteAsync(DspScheduleId id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await s.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM dcc_schedules WHERE id = @id", new { id = (long)id.Value }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<DueOccurrence>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var us = Microseconds(now);
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(
            ClaimSql, new { us, max, until = us + (long)(lease.Ticks / TimeSpan.TicksPerMicrosecond) },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        // RETURNING gives no order: earliest first, as claimed.
        rows.Sort(static (a, b) => a.NextDueUs == b.NextDueUs ? a.Id.CompareTo(b.Id) : a.NextDueUs!.Value.CompareTo(b.NextDueUs!.Value));
        return rows.ConvertAll(r => new DueOccurrence(new DspScheduleId((ulong)r.Id), r.ToDefinition(), FromMicroseconds(r.NextDueUs!.Value)));
    }

    public async Task<bool> CompleteAsync(DspScheduleId id, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dcc_schedules WHERE id = @id AND next_due_us = @due{RowLock}",
            new { id = (long)id.Value, due = Microseconds(dueAt) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is null) return false;
        var next = ScheduleOccurrences.Next(row.ToDefinition().Timing, dueAt);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE dcc_schedules SET next_due_us = @next, lease_until_us = 0 WHERE id = @id",
            new { id = row.Id, next = next is { } n ? Microseconds(n) : (long?)null }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public virtual async Task<IReadOnlySet<DspScheduleId>> CompleteAsync(IReadOnlyList<DueOccurrence> occurrences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        var moved = new HashSet<DspScheduleId>();
        if (occurrences.Count == 0) return moved;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var o in occurrences)
        {
            // The row moves only from the occurrence that ran: a late or repeated completion matches nothing.
            var n = await c.ExecuteAsync(new CommandDefinition(
                "UPDATE dcc_schedules SET next_due_us = @next, lease_until_us = 0 WHERE id = @id AND next_due_us = @due",
                new { id = (long)o.Id.Value, due = Microseconds(o.DueAt), next = NextMicroseconds(o) }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (n == 1) moved.Add(o.Id);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return moved;
    }

    /// <summary>The occurrence after the one that ran, in microseconds; null when the schedule has ended.</summary>
    protected static long? NextMicroseconds(DueOccurrence occurrence) =>
        ScheduleOccurrences.Next(occurrence.Definition.Timing, occurrence.DueAt) is { } n ? Microseconds(n) : null;

    protected static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    protected static long Microseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static DateTimeOffset FromMicroseconds(long us) => DateTimeOffset.UnixEpoch.AddTicks(us * TimeSpan.TicksPerMicrosecond);

    private sealed class Row
    {
        public long Id { get; init; }
        public string Owner { get; init; } = "";
        public string OwnerRole { get; init; } = "";
        public string DeviceId { get; init; } = "";
        public string ScheduledVariant { get; init; } = "";
        public string Frequency { get; init; } = "";
        public string StartDate { get; init; } = "";
        public string? EndDate { get; init; }
        public long ExecutionTicks { get; init; }
        public string BodyXml { get; init; } = "";
        public byte[]? KaCredential { get; init; }
        public long? NextDueUs { get; init; }

        public ScheduleDefinition ToDefinition()
        {
            if (!ScheduleFrequencies.TryParse(Frequency, out var frequency))
                throw new InvalidDataException($"DCC Schedule {Id} has frequency '{Frequency}', not an XSD ScheduleFrequency.");
            var timing = new ScheduleTiming(frequency, ParseDate(StartDate), EndDate is null ? null : ParseDate(EndDate), new TimeOnly(ExecutionTicks));
            return new ScheduleDefinition(Eui.Parse(Owner), UserRoles.ParseCode(OwnerRole), timing,
                ServiceReferenceVariant.Parse(ScheduledVariant), Eui.Parse(DeviceId), BodyXml, KaCredential);
        }

        public StoredSchedule ToStored() =>
            new(new DspScheduleId((ulong)Id), ToDefinition(), NextDueUs is { } us ? FromMicroseconds(us) : null);

        private static DateOnly ParseDate(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
