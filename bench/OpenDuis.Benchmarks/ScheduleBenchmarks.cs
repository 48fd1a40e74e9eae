using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Npgsql;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Schedules;

namespace OpenDuis.Benchmarks;

/// <summary>Where the schedule benchmarks keep their schedules: a SQLite file, or the PostgreSQL of OPENDUIS_BENCH_PG (else OPENDUIS_TEST_PG).</summary>
internal static class ScheduleBench
{
    public const string Body =
        "<sr:DSPRetrieveImportDailyReadLog xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">" +
        "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime>" +
        "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>";

    public static readonly DateOnly Start = new(2027, 3, 1);
    public static readonly Eui Supplier = DemoEnvironment.Supplier;

    public static Eui Meter(int i) => new(0x00DB_5C00_0000_0000UL + (ulong)i);
    public static Mpxn Mpan(int i) => Mpxn.MpanFromTwelveDigits(1_300_000_000_00UL + (ulong)i);

    /// <summary><paramref name="count"/> daily 4.6.1 schedules of the demo Supplier, spread over <paramref name="meters"/> meters, all first due at 00:01 on <see cref="Start"/>.</summary>
    public static List<ScheduleDefinition> Daily(int count, int meters) =>
        Enumerable.Range(0, count).Select(i => new ScheduleDefinition(Supplier, UserRole.ImportSupplier,
            new ScheduleTiming(ScheduleFrequency.Daily, Start), ServiceReferenceVariant.Parse("4.6.1"), Meter(i % meters), Body, null)).ToList();

    public static string PostgresConnection() =>
        Environment.GetEnvironmentVariable("OPENDUIS_BENCH_PG") ?? Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG")
        ?? throw new InvalidOperationException("Set OPENDUIS_BENCH_PG (or OPENDUIS_TEST_PG) to a PostgreSQL Npgsql connection string.");

    /// <summary>A fresh store: a new SQLite file, or a new PostgreSQL schema.</summary>
    public static async Task<(IScheduleStore Store, Func<Task> Drop)> OpenAsync(string engine)
    {
        var (store, drop, _) = await OpenWithConnectionAsync(engine);
        return (store, drop);
    }

    /// <summary><see cref="OpenAsync"/>, with a plain connection to the same tables for checking what the store holds.</summary>
    public static async Task<(IScheduleStore Store, Func<Task> Drop, Func<System.Data.Common.DbConnection> Connect)> OpenWithConnectionAsync(string engine)
    {
        if (engine == "sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("openduis-schedule-bench-").FullName;
            var file = Path.Combine(dir, "openduis.db");
            var store = await SqliteScheduleStore.OpenAsync(file);
            return (store, async () => { await store.DisposeAsync(); Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); Directory.Delete(dir, true); },
                () => new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}"));
        }
        var admin = PostgresConnection();
        var schema = "bench_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await create.ExecuteNonQueryAsync();
        }
        var scoped = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema, MaxPoolSize = 32 }.ToString();
        var pg = await PostgresScheduleStore.OpenAsync(scoped);
        return (pg, async () =>
        {
            await pg.DisposeAsync();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }, () => new NpgsqlConnection(scoped));
    }
}

/// <summary>
/// One measured run in this process: each run loads a million rows, so repeating it or compiling a
/// separate benchmark process (which times out on a busy machine) buys nothing.
/// </summary>
internal sealed class OneShotInProcess : BenchmarkDotNet.Configs.ManualConfig
{
    public OneShotInProcess() => AddJob(BenchmarkDotNet.Jobs.Job.Default
        .WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(1));
}

/// <summary>Creating 1,000,000 DCC Schedules in one go (bulk: binary COPY on PostgreSQL, one transaction on SQLite).</summary>
[Config(typeof(OneShotInProcess))]
public class ScheduleCreationBenchmarks
{
    [Params(1_000_000)]
    public int Schedules { get; set; }

    [Params("postgres", "sqlite")]
    public string Engine { get; set; } = "";

    private List<ScheduleDefinition> _definitions = [];
    private IScheduleStore _store = null!;
    private Func<Task> _drop = null!;

    [GlobalSetup]
    public void Setup() => _definitions = ScheduleBench.Daily(Schedules, 100_000);

    [IterationSetup]
    public void Open() => (_store, _drop) = ScheduleBench.OpenAsync(Engine).GetAwaiter().GetResult();

    [IterationCleanup]
    public void Drop() => _drop().GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> Create() => (await _store.CreateManyAsync(_definitions, DateTimeOffset.UnixEpoch)).Count;
}

/// <summary>
/// Firing throughput when 1,000,000 daily schedules fall due at 00:01: executors claim, build each
/// occurrence's 4.6.1 request, re-check access control through the pipeline (100,000 meters, each
/// registered to the Supplier), hand it to a network that takes it at once, and complete the batch.
/// Firings per second = <see cref="Schedules"/> / the measured time.
/// </summary>
/// <remarks>
/// A firing counts only when it is whole: the executor reports the occurrence Fired, the network
/// took its Request ID once (a repeated ID fails the run), and afterwards the store holds every
/// schedule moved on to its next occurrence (00:01 the next day) with its lease released — checked
/// with plain SQL after the measured run.
/// </remarks>
[Config(typeof(OneShotInProcess))]
public class ScheduleFiringBenchmarks
{
    [Params(1_000_000)]
    public int Schedules { get; set; }

    [Params("postgres", "sqlite")]
    public string Engine { get; set; } = "";

    /// <summary>Executor loops running at once against the store (as the worker loops of one or more nodes).</summary>
    [Params(3)]
    public int Executors { get; set; }

    private const int Meters = 100_000;
    private IScheduleStore _store = null!;
    private Func<Task> _drop = null!;
    private Func<System.Data.Common.DbConnection> _connect = null!;
    private AccessPipeline _pipeline = null!;
    private CountingNetwork _network = null!;
    private readonly FixedClock _clock = new(ScheduleBench.Start.ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc));

    [GlobalSetup]
    public void Setup()
    {
        var snapshot = InMemoryAccessSnapshot.Demo();
        var since = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Meters; i++)
        {
            snapshot.Put(new Device
            {
                Id = ScheduleBench.Meter(i), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
                Manufacturer = "0DB1", Model = "E470", FirmwareVersion = "1.0", Mpxn = ScheduleBench.Mpan(i),
            });
            snapshot.Register(new RegistrationPeriod(ScheduleBench.Mpan(i), RegisteredRole.Supplier, DemoEnvironment.SupplierParty, since));
        }
        _pipeline = new AccessPipeline(snapshot, new InMemoryRequestLog(_clock), _clock);
        _network = new CountingNetwork(Schedules);
        (_store, _drop, _connect) = ScheduleBench.OpenWithConnectionAsync(Engine).GetAwaiter().GetResult();
        _store.CreateManyAsync(ScheduleBench.Daily(Schedules, Meters), DateTimeOffset.UnixEpoch).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try { VerifyStored(); }
        finally { _drop().GetAwaiter().GetResult(); }
    }

    [Benchmark]
    public async Task<int> FireAllDue()
    {
        var options = ScheduleExecutorOptions.Default with { BatchSize = 2_000, Parallelism = 2 };
        var runs = await Task.WhenAll(Enumerable.Range(0, Executors).Select(_ => Task.Run(() =>
            new ScheduleExecutor(_store, _pipeline, _network, NoNotices.Instance, _clock, options).RunAllDueAsync())));
        var fired = runs.Sum(r => r.Count(o => o.Outcome == OccurrenceOutcome.Fired));
        if (fired != Schedules || _network.Taken != Schedules)
            throw new InvalidOperationException($"{fired} of {Schedules} occurrences fired; the network took {_network.Taken} distinct commands.");
        return fired;
    }

    /// <summary>Every schedule moved on to 00:01 the next day with its lease released: the firings were stored durably.</summary>
    private void VerifyStored()
    {
        var next = (ScheduleBench.Start.AddDays(1).ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        using var c = _connect();
        c.Open();
        using var count = c.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM dcc_schedules WHERE next_due_us = {next} AND lease_until_us = 0";
        var moved = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (moved != Schedules) throw new InvalidOperationException($"{moved} of {Schedules} schedules were moved on to their next occurrence and released.");
        Console.WriteLine($"// Verified: {Schedules} commands taken once each, {moved} schedules stored at their next occurrence, leases released.");
    }

    private sealed class FixedClock(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc, TimeSpan.Zero);
    }

    /// <summary>Takes every command at once and remembers its Request ID; a repeat is an error in this benchmark (nothing fails or is retaken).</summary>
    private sealed class CountingNetwork(int expected) : IDeviceNetwork
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<RequestId, byte> _taken = new(Environment.ProcessorCount, expected);

        public int Taken => _taken.Count;

        public ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
        {
            if (!_taken.TryAdd(command.Request.RequestId, 0))
                throw new InvalidOperationException($"{command.Request.RequestId} was handed to the network twice.");
            return ValueTask.FromResult(DeviceAcceptance.Acknowledged);
        }
    }

    private sealed class NoNotices : IScheduleNotices
    {
        public static readonly NoNotices Instance = new();
        public Task ScheduleRemovedAsync(StoredScheduleRef schedule, ScheduleRemoval removal, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"schedule {schedule.Id} removed: {removal.Reason}");
        public Task DeviceUnreachableAsync(StoredScheduleRef schedule, RequestId command, DateTimeOffset at, string reason, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"schedule {schedule.Id}: {reason}");
    }
}
