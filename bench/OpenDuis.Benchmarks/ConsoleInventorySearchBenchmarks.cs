using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OpenDuis.Core.Inventory;
using OpenDuis.OperatorConsole.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The operator console's inventory search over 1,000,000 Devices in SQLite (and in the SMI cache, as
/// serve holds them): by Device ID (the cache), by MPxN and by UPRN of the last Device, by an SMI
/// Status no Device has, by one ten Devices have, and by the common one (the store's indexes).
/// Target: under 200 ms.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessLongSetup))]
public class ConsoleInventorySearchBenchmarks
{
    /// <summary>In process (nothing to rebuild), with time for the setup to load 1,000,000 Devices into SQLite and back.</summary>
    private sealed class InProcessLongSetup : ManualConfig
    {
        public InProcessLongSetup() => AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)));
    }

    [Params(1_000_000)]
    public int Devices { get; set; }

    private string _dir = "";
    private SqliteSmiStore _store = null!;
    private SmiCache _cache = null!;
    private InventoryQuery _byId = null!, _byMpxn = null!, _byUprn = null!, _byAbsentStatus = null!, _byRareStatus = null!, _byCommonStatus = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("openduis-console-bench-").FullName;
        _store = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"));
        await _store.ImportDevicesAsync(Generate(Devices));
        _cache = await SmiCache.LoadAsync(_store);
        var last = Devices - 1;
        _byId = new InventoryQuery(Id(last).ToString(), null);
        _byMpxn = new InventoryQuery(Mpan(last).ToString(), null);
        _byUprn = new InventoryQuery((100_000_000L + last).ToString(System.Globalization.CultureInfo.InvariantCulture), null);
        _byAbsentStatus = new InventoryQuery(null, SmiStatus.Recovery);
        _byRareStatus = new InventoryQuery(null, SmiStatus.Suspended);
        _byCommonStatus = new InventoryQuery(null, SmiStatus.Commissioned);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private static Eui Id(int i) => new(0x00DB_0000_0000_0000UL + (ulong)i);
    private static Mpxn Mpan(int i) => Mpxn.MpanFromTwelveDigits(1_000_000_000_00UL + (ulong)i);

    private static async IAsyncEnumerable<Device> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new Device
            {
                Id = Id(i), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus,
                // One Device in 100,000 suspended, the last of them among the last Devices.
                Status = i % 100_000 == 99_999 ? SmiStatus.Suspended : SmiStatus.Commissioned,
                Manufacturer = "0DB1", Model = "E470", FirmwareVersion = "1.0", Mpxn = Mpan(i), Uprn = new Uprn(100_000_000L + i),
            };
            if (i % 65_536 == 0) await Task.Yield();
        }
    }

    [Benchmark] public async Task<int> ByDeviceId() => (await InventorySearch.FindAsync(_cache, _byId)).Devices.Count;
    [Benchmark] public async Task<int> ByMpxn() => (await InventorySearch.FindAsync(_cache, _byMpxn)).Devices.Count;
    [Benchmark] public async Task<int> ByUprn() => (await InventorySearch.FindAsync(_cache, _byUprn)).Devices.Count;
    [Benchmark] public async Task<int> ByStatusNoDeviceHas() => (await InventorySearch.FindAsync(_cache, _byAbsentStatus)).Devices.Count;
    [Benchmark] public async Task<int> ByStatusFewDevicesHave() => (await InventorySearch.FindAsync(_cache, _byRareStatus)).Devices.Count;
    [Benchmark] public async Task<int> ByCommonStatusFirstPage() => (await InventorySearch.FindAsync(_cache, _byCommonStatus)).Devices.Count;
}
