using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Smi;
using OpenDuis.Storage.Transactions;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The cost of R-WS-2's unit of work on an inventory change: SR 8.4 moving a demo ESME to Suspended
/// and back (each change raises N8 or N9 to its Registered Supplier, DSP-signed into the SQLite outbox),
/// with the change and its alert in one transaction (<c>Atomic</c>) and, as before, one after the other.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*InventoryChange*' --job short
/// </summary>
[MemoryDiagnoser]
public class InventoryChangeBenchmarks
{
    private static readonly Eui Dsp = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    [Params(true, false)]
    public bool Atomic { get; set; }

    private string _folder = null!;
    private SqliteSmiStore _store = null!;
    private InventoryServices _services = null!;
    private readonly UpdateInventory _suspend = new(DemoEnvironment.Esme, new UpdateDeviceStatus(SmiStatus.Suspended, ForCommsHub: false));
    private readonly UpdateInventory _restore = new(DemoEnvironment.Esme, new UpdateDeviceStatus(SmiStatus.Commissioned, ForCommsHub: false));

    [GlobalSetup]
    public async Task Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        var dspKey = KeyStore.Load(Path.Combine(reference, "keystore")).FindXmlSigningKey(Dsp)!;
        _folder = Directory.CreateTempSubdirectory("openduis-inventory-bench-").FullName;
        var path = Path.Combine(_folder, "openduis.db");
        _store = await SqliteSmiStore.OpenAsync(path);
        await DemoEnvironment.SeedAsync(_store);
        var outbox = await SqliteOutboxStore.OpenAsync(path, TimeProvider.System);
        IUnitOfWork unitOfWork = Atomic ? new SqliteUnitOfWork(path) : NoUnitOfWork.Instance;
        var sink = new OutboxDccAlertSink(outbox, dspKey, TimeProvider.System, new PartyStoreDuisVersions(_store));
        _services = new InventoryServices(await SmiCache.LoadAsync(_store), TimeProvider.System,
            new DeviceStatusAlertListener(new DeviceStatusAlerts(_store, sink, unitOfWork)), unitOfWork);
        var code = await StatusChangeWithItsAlert();
        var alerts = await outbox.CountUndeliveredAsync();
        if (code != ResponseCode.I99 || alerts == 0)
            throw new InvalidOperationException($"The demo ESME did not go to Suspended and back with its N8 and N9 ({code}, {alerts} alerts): the benchmark would measure refusals.");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Suspend then restore: two inventory requests, two alerts; reported per request.</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public async Task<ResponseCode> StatusChangeWithItsAlert()
    {
        await _services.ApplyAsync(DemoEnvironment.Supplier, _suspend);
        return (await _services.ApplyAsync(DemoEnvironment.Supplier, _restore)).Code;
    }
}
