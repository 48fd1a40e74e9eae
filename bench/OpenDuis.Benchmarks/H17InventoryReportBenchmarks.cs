using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Benchmarks;

/// <summary>
/// An H17 report generated end to end from a SQLite inventory of 1,000,000 Smart Meters of one MAP
/// (each with a Registered Supplier and a Communications Hub): the store's streamed join, the rows
/// grouped by meter, the CSV written to a file. Peak working set is printed at cleanup.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 2)]
public class H17InventoryReportBenchmarks
{
    [Params(1_000_000)]
    public int Meters { get; set; }

    private static readonly Eui Map = Eui.Parse("90-B3-D5-1F-30-05-00-00");
    private static readonly Eui Hub = new(0x00DB_FFFF_0000_0000UL);
    private static readonly DateTimeOffset Since = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private string _dir = "";
    private SqliteSmiStore _store = null!;
    private H17Requester _requester = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Directory.CreateTempSubdirectory("openduis-h17-bench-").FullName;
        _store = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"));
        await _store.SaveDeviceAsync(new Device
        {
            Id = Hub, Type = DeviceType.CHF, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
            Manufacturer = "Toshiba", Model = "CH-2", FirmwareVersion = "0x0300", Region = CspRegion.North,
        });
        await _store.ImportDevicesAsync(Devices(Meters));
        await _store.ImportRegistrationsAsync(Registrations(Meters));
        _requester = new H17Requester("Meter Finance Ltd", H17Capacity.MeterAssetProvider, false, true, Since) { MeterAssetProviderId = Map };
    }

    private static Mpxn Mpan(int i) => Mpxn.MpanFromTwelveDigits(1_000_000_000_00UL + (ulong)i);

    private static async IAsyncEnumerable<Device> Devices(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new Device
            {
                Id = new Eui(0x00DB_0000_0000_0000UL + (ulong)i), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus,
                Status = SmiStatus.Commissioned, Manufacturer = "0DB1", Model = "E470", FirmwareVersion = "1.0",
                Region = (CspRegion)(i % 3), CommsHub = Hub, Mpxn = Mpan(i), MeterAssetProvider = Map,
            };
            if (i % 65_536 == 0) await Task.Yield();
        }
    }

    private static async IAsyncEnumerable<RegistrationPeriod> Registrations(int count)
    {
        var supplier = PartyId.Parse("BIG-SUPPLIER");
        for (var i = 0; i < count; i++)
        {
            yield return new RegistrationPeriod(Mpan(i), RegisteredRole.Supplier, supplier, Since);
            if (i % 65_536 == 0) await Task.Yield();
        }
    }

    [Benchmark]
    public async Task<long> GenerateFromInventory()
    {
        await using var file = new StreamWriter(Path.Combine(_dir, "h17.csv"), append: false, new System.Text.UTF8Encoding(false), bufferSize: 1 << 16);
        return await H17ReportWriter.WriteCsvAsync(new OpenDuis.Storage.MapReports.SqlH17ReportStore(_store.Connections).ReadReportRowsAsync(_requester, Since.AddYears(2)), file, _requester.Name, Since.AddYears(2));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        Console.WriteLine($"// H17 report from the inventory: {new FileInfo(Path.Combine(_dir, "h17.csv")).Length / (1024 * 1024)} MiB file; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
