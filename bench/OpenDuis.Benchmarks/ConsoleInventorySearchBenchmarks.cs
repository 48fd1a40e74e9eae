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
/// The operator console's inventory search over 1,000,000 Devices (loaded from SQLite into the SMI
/// cache, as serve holds them): by Device ID, by MPxN and by UPRN of the last Device, and by an SMI
/// Status no Device has (the worst case: every Device is looked at). Target: under 200 ms.
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
    private SmiCache _cache = null!;
    private InventoryQuery _byId = null!, _byMpxn = null!, _byUprn = null!, _byAbsentStatus = null!, _byCommonStatus = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("openduis-console-bench-").FullName;
        await using var store = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"));
        await store.ImportDevicesAsync(Generate(Devices));
        _cache = await SmiCache.LoadAsync(store);
        var last = Devices - 1;
        _byId = new InventoryQuery(Id(last).ToString(), null);
        _byMpxn = new InventoryQuery(Mpan(last).ToString(), null);
        _byUprn = new InventoryQuery((100_000_000L + last).ToString(System.Globalization.CultureInfo.InvariantCulture), null);
        _byAbsentStatus = new InventoryQuery(null, SmiStatus.Recovery);
        _byCommonStatus = new InventoryQuery(null, SmiStatus.Commissioned);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
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
                Id = Id(i), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
                Manufacturer = "0DB1", Model = "E470", FirmwareVersion = "1.0", Mpxn = Mpan(i), Uprn = new Uprn(100_000_000L + i),
            };
            if (i % 65_536 == 0) await Task.Yield();
        }
    }

    [Benchmark] public int ByDeviceId() => InventorySearch.Find(_cache, _byId).Devices.Count;
    [Benchmark] public int ByMpxn() => InventorySearch.Find(_cache, _byMpxn).Devices.Count;
    [Benchmark] public int ByUprn() => InventorySearch.Find(_cache, _byUprn).Devices.Count;
    [Benchmark] public int ByStatusNoDeviceHas() => InventorySearch.Find(_cache, _byAbsentStatus).Devices.Count;
    [Benchmark] public int ByCommonStatusFirstPage() => InventorySearch.Find(_cache, _byCommonStatus).Devices.Count;
}
