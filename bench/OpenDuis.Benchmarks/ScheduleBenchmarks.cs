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
        if (engine == "sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("openduis-schedule-bench-").FullName;
            var store = await SqliteScheduleStore.OpenAsync(Path.Combine(dir, "openduis.db"));
            return (store, async () => { await store.DisposeAsync(); Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); Directory.Delete(dir, true); });
        }
        var admin = PostgresConnection();
        var schema = "bench_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await create.ExecuteNonQueryAsync();
        }
        var pg = await PostgresScheduleStore.OpenAsync(new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema, MaxPoolSize = 32 }.ToString());
        return (pg, async () =>
        {
            await pg.DisposeAsync();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        });
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
[Config(typeof(OneShotInProcess))]
public class ScheduleFiringBenchmarks
{
    [Params(1_000_000)]
    public int Schedules { get; set; }

    [Params("postgres")]
    public string Engine { get; set; } = "";

    /// <summary>Executors running at once against the store (as worker loops of one or more nodes).</summary>
    [Params(3)]
    public int Executors { get; set; }

    private const int Meters = 100_000;
    private IScheduleStore _store = null!;
    private Func<Task> _drop = null!;
    private AccessPipeline _pipeline = null!;
    private readonly CountingNetwork _network = new();
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
        (_store, _drop) = ScheduleBench.OpenAsync(Engine).GetAwaiter().GetResult();
        _store.CreateManyAsync(ScheduleBench.Daily(Schedules, Meters), DateTimeOffset.UnixEpoch).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _drop().GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> FireAllDue()
    {
        var options = ScheduleExecutorOptions.Default with { BatchSize = 2_000, Parallelism = 2 };
        var runs = await Task.WhenAll(Enumerable.Range(0, Executors).Select(_ => Task.Run(() =>
            new ScheduleExecutor(_store, _pipeline, _network, NoNotices.Instance, _clock, options).RunAllDueAsync())));
        var fired = runs.Sum(r => r.Count(o => o.Outcome == OccurrenceOutcome.Fired));
        if (fired != Schedules) throw new InvalidOperationException($"{fired} of {Schedules} occurrences fired.");
        return fired;
    }

    private sealed class FixedClock(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc, TimeSpan.Zero);
    }

    private sealed class CountingNetwork : IDeviceNetwork
    {
        private long _taken;
        public ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _taken);
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
