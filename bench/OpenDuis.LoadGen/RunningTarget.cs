using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OpenDuis.Core.Outbox;
using OpenDuis.Storage;

/// <summary>
/// OpenDUIS nodes already running on a data folder (<c>--url</c>): the folder's Users get this
/// process's response endpoint, and what the nodes, the balancer and the database spend is read
/// around the measured load: the processes' CPU from /proc, and on PostgreSQL the database's own
/// statistics (pg_stat_database, pg_stat_user_tables of the folder's schema, pg_stat_wal, and
/// pg_stat_statements where the extension is created in the database).
/// </summary>
internal sealed partial class RunningTarget : IAsyncDisposable
{
    /// <summary>
    /// A backend flushes its statistics at most once a second, and an idle one only after ten (PostgreSQL 15):
    /// waited before each snapshot of the database, so the counters hold everything done before it.
    /// </summary>
    public static readonly TimeSpan StatisticsFlush = TimeSpan.FromSeconds(11);

    private readonly DataFolder _data;
    private readonly LoadSettings _settings;
    private readonly IOutboxStore _outbox;
    private readonly IAsyncDisposable _outboxOwner;
    private readonly NpgsqlDataSource? _postgres;
    private bool _statements = true;

    private RunningTarget(DataFolder data, LoadSettings settings, IOutboxStore outbox, IAsyncDisposable outboxOwner, NpgsqlDataSource? postgres)
    {
        (_data, _settings, _outbox, _outboxOwner, _postgres) = (data, settings, outbox, outboxOwner, postgres);
    }

    public static async Task<RunningTarget> OpenAsync(DataFolder data, LoadSettings settings)
    {
        var (outbox, owner) = await data.OpenOutboxAsync();
        var folder = data.ReadSettings();
        var postgres = folder.Store == "postgres" ? NpgsqlDataSource.Create(folder.PostgresConnectionString!) : null;
        return new RunningTarget(data, settings, (IOutboxStore)outbox, owner, postgres);
    }

    public Task<long> CountUndeliveredAsync() => _outbox.CountUndeliveredAsync();

    /// <summary>Every demo User of the folder receives at <paramref name="endpoint"/>; the running nodes hear of it through the change feed.</summary>
    public async Task RegisterEndpointAsync(Uri endpoint)
    {
        await using var stores = await _data.OpenStoresAsync();
        foreach (var user in OpenDuis.Core.Demo.DemoEnvironment.Users)
            if (await stores.Parties.FindUserAsync(user.Id) is { } found)
                await stores.Parties.SaveUserAsync(found with { ResponseEndpoint = endpoint });
        // Each node reads the change within a second (LISTEN/NOTIFY, else its once-a-second check).
        await Task.Delay(TimeSpan.FromSeconds(2));
    }

    public sealed record Snapshot(IReadOnlyDictionary<int, double> NodeCpu, double? BalancerCpu, Database? Database)
    {
        /// <summary>What the targets' processes have allocated since they started (their /metrics), or null where a target does not say.</summary>
        public double? TargetsAllocated { get; init; }
    }

    public sealed record Database(
        IReadOnlyDictionary<string, double> Counters,
        IReadOnlyDictionary<string, (long Inserted, long Updated, long HotUpdated, long Deleted)> Tables,
        IReadOnlyDictionary<int, double> ProcessCpu,
        IReadOnlyDictionary<long, (string Query, long Calls, double Milliseconds, long Rows, long WalBytes)>? Statements);

    /// <summary>The processes' CPU now; with <paramref name="database"/>, the database's counters too (after <see cref="StatisticsFlush"/>).</summary>
    public async Task<Snapshot> SnapshotAsync(bool database)
    {
        Database? db = null;
        if (database && _postgres is not null)
        {
            await Task.Delay(StatisticsFlush);
            db = await ReadDatabaseAsync(_postgres);
        }
        return new Snapshot(_settings.NodePids.ToDictionary(p => p, ProcessCpuSeconds),
            _settings.BalancerPid is { } balancer ? ProcessCpuSeconds(balancer) : null, db)
        {
            TargetsAllocated = await TargetsAllocatedAsync(),
        };
    }

    private static readonly HttpClient Scraper = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// The sum of openduis_process_allocated_bytes over the targets' /metrics (plain HTTP, no metrics token): each
    /// target's own allocation, apart from this process's client. Meaningful when each --url is one node (behind a
    /// balancer each scrape reaches one of them); null when a target does not answer with it.
    /// </summary>
    private async Task<double?> TargetsAllocatedAsync()
    {
        double sum = 0;
        foreach (var url in _settings.Urls)
        {
            if (url.Scheme != "http") return null;
            string text;
            try { text = await Scraper.GetStringAsync(new Uri(url, "/metrics")); }
            catch (HttpRequestException) { return null; }
            const string Name = "openduis_process_allocated_bytes ";
            var at = text.IndexOf("\n" + Name, StringComparison.Ordinal);
            if (at < 0) return null;
            var value = text.AsSpan(at + 1 + Name.Length);
            var end = value.IndexOf('\n');
            sum += double.Parse(end < 0 ? value : value[..end], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>User plus system CPU seconds of a process (0 once it is gone), from /proc/PID/stat.</summary>
    private static double ProcessCpuSeconds(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"); }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
        // After the command name (in parentheses, which may hold spaces): state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double ClockTicks = 100; // USER_HZ on Linux
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicks;
    }

    private async Task<Database> ReadDatabaseAsync(NpgsqlDataSource postgres)
    {
        await using var connection = await postgres.OpenConnectionAsync();
        var counters = new Dictionary<string, double>();
        await using (var command = new NpgsqlCommand("""
            SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched, blks_read, blks_hit,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal_lsn_bytes
            FROM pg_stat_database WHERE datname = current_database()
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            for (var i = 0; i < reader.FieldCount; i++) counters[reader.GetName(i)] = Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        }
        await using (var command = new NpgsqlCommand("SELECT wal_records, wal_fpi, wal_bytes::float8, wal_write, wal_sync FROM pg_stat_wal", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            for (var i = 0; i < reader.FieldCount; i++) counters[reader.GetName(i)] = Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        }
        var tables = new Dictionary<string, (long, long, long, long)>();
        await using (var command = new NpgsqlCommand(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = current_schema()", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        var pids = new List<int>();
        // Every server process: the nodes' backends and the background ones (WAL writer, checkpointer, autovacuum).
        await using (var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
        Dictionary<long, (string, long, double, long, long)>? statements = null;
        if (_statements)
        {
            try
            {
                statements = [];
                // This snapshot's own statements left out.
                await using var command = new NpgsqlCommand("""
                    SELECT queryid, query, calls, total_exec_time, rows, wal_bytes::int8 FROM pg_stat_statements
                    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL AND query NOT LIKE '%pg_stat%'
                    """, connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    statements[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5));
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.ObjectNotInPrerequisiteState)
            {
                // No pg_stat_statements in this database (or not preloaded): the counters above still say what was done.
                _statements = false;
                statements = null;
            }
        }
        return new Database(counters, tables, pids.Distinct().ToDictionary(p => p, ProcessCpuSeconds), statements);
    }

    /// <summary>
    /// Per request: the nodes' CPU (at the load's end, and with the outbox drained), the balancer's,
    /// the database's processes' and what the database wrote.
    /// </summary>
    public IEnumerable<string> Describe(Snapshot before, Snapshot atEnd, Snapshot drained, int requests, TimeSpan elapsed, TimeSpan loadGeneratorCpu)
    {
        string Micro(double seconds) => (seconds * 1e6 / requests).ToString("F0", CultureInfo.InvariantCulture);
        string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);
        if (before.NodeCpu.Count > 0)
        {
            var nodes = atEnd.NodeCpu.Sum(n => n.Value - before.NodeCpu[n.Key]);
            var withDrain = drained.NodeCpu.Sum(n => n.Value - before.NodeCpu[n.Key]);
            yield return $"Nodes ({before.NodeCpu.Count} processes) CPU {F(nodes, "F1")} s over {F(elapsed.TotalSeconds, "F1")} s ({F(nodes / elapsed.TotalSeconds)} cores): " +
                $"{Micro(nodes)} µs per request ({string.Join(" + ", before.NodeCpu.Keys.Select(p => Micro(atEnd.NodeCpu[p] - before.NodeCpu[p])))}); {Micro(withDrain)} µs with the outbox drained";
        }
        if (before.TargetsAllocated is { } a0 && atEnd.TargetsAllocated is { } a1)
            yield return $"Targets allocated {F((a1 - a0) / 1024 / requests, "F1")} KB per request (their /metrics; the load generator's own client is the GC line above)";
        if (before.BalancerCpu is { } b0 && atEnd.BalancerCpu is { } b1)
            yield return $"Balancer CPU {Micro(b1 - b0)} µs per request; load generator (signing done before) {Micro(loadGeneratorCpu.TotalSeconds)} µs per request";
        if (before.Database is not { } d0 || drained.Database is not { } d1) yield break;
        double Delta(string name) => d1.Counters[name] - d0.Counters[name];
        string Per(double v) => F(v / requests, v / requests >= 100 ? "F0" : "F2");
        // Processes present at both ends; one started between (a new backend) counts from zero.
        var databaseCpu = d1.ProcessCpu.Sum(p => p.Value - d0.ProcessCpu.GetValueOrDefault(p.Key));
        yield return $"Database processes CPU {F(databaseCpu, "F1")} s: {Micro(databaseCpu)} µs per request (load and drain; {d1.ProcessCpu.Count} server processes)";
        yield return $"Database per request: {Per(Delta("xact_commit"))} commits, {Per(Delta("xact_rollback"))} rollbacks; rows {Per(Delta("tup_inserted"))} inserted, " +
            $"{Per(Delta("tup_updated"))} updated, {Per(Delta("tup_deleted"))} deleted, {Per(Delta("tup_fetched"))} fetched; " +
            $"WAL {Per(Delta("wal_lsn_bytes"))} bytes ({Per(Delta("wal_records"))} records, {Per(Delta("wal_fpi"))} full-page images; {Per(Delta("wal_sync"))} WAL syncs); " +
            $"blocks {Per(Delta("blks_hit"))} hit, {Per(Delta("blks_read"))} read";
        var tables = d1.Tables.Select(t =>
            {
                var was = d0.Tables.GetValueOrDefault(t.Key);
                return (Name: t.Key, Ins: t.Value.Inserted - was.Inserted, Upd: t.Value.Updated - was.Updated, Hot: t.Value.HotUpdated - was.HotUpdated, Del: t.Value.Deleted - was.Deleted);
            })
            .Where(t => t.Ins + t.Upd + t.Del > 0).OrderByDescending(t => t.Ins + t.Upd + t.Del);
        yield return "  by table (inserted/updated (HOT)/deleted per request): " +
            string.Join("; ", tables.Select(t => $"{t.Name} {Per(t.Ins)}/{Per(t.Upd)} ({Per(t.Hot)})/{Per(t.Del)}"));
        if (d0.Statements is null || d1.Statements is null)
        {
            yield return "  (no pg_stat_statements in this database: start PostgreSQL with shared_preload_libraries=pg_stat_statements and CREATE EXTENSION pg_stat_statements for the statements)";
            yield break;
        }
        var statements = d1.Statements.Select(s =>
            {
                var was = d0.Statements.GetValueOrDefault(s.Key);
                return (s.Value.Query, Calls: s.Value.Calls - was.Calls, Ms: s.Value.Milliseconds - was.Milliseconds, Rows: s.Value.Rows - was.Rows, Wal: s.Value.WalBytes - was.WalBytes);
            })
            .Where(s => s.Calls > 0).OrderByDescending(s => s.Ms).ToList();
        yield return $"  statements (pg_stat_statements): {F(statements.Sum(s => s.Ms) * 1000 / requests, "F0")} µs of execution per request; the costliest:";
        foreach (var s in statements.Take(12))
            yield return $"    {Per(s.Calls)} calls/request, {F(s.Ms * 1000 / s.Calls, "F0")} µs each, {F((double)s.Rows / s.Calls, "F1")} rows, {F((double)s.Wal / s.Calls, "F0")} WAL bytes: {Shorten(s.Query)}";
    }

    private static string Shorten(string query)
    {
        var oneLine = Whitespace().Replace(query, " ").Trim();
        return oneLine.Length <= 150 ? oneLine : oneLine[..150] + " …";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public async ValueTask DisposeAsync()
    {
        await _outboxOwner.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
