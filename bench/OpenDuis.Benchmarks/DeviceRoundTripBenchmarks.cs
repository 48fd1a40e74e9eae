using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Requests;
using OpenDuis.Network;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Device round trips through the emulated SM WAN (issue 6): <see cref="Requests"/> accepted Read
/// Instantaneous Import Registers requests (4.1.1) each executed by the emulated ESME, answered with a
/// GBCS 0x0027 response, DSP-signed and written to the durable SQLite outbox; the time per round trip,
/// from acceptance to the response being in the outbox. No SM WAN latency is configured.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*DeviceRoundTrip*' --job short
/// </summary>
[MemoryDiagnoser]
public class DeviceRoundTripBenchmarks
{
    private const int Requests = 500;
    private string _folder = null!;
    private SqliteSmiStore _store = null!;
    private EmulatedSmWan _network = null!;
    private IDeviceNetwork _front = null!;

    /// <summary>With the DCC Alert producers of <c>openduis serve</c>: Anomaly Detection in front (no threshold set), N999 and firmware checks behind.</summary>
    [Params(false, true)]
    public bool WithAlerts { get; set; }
    private XmlDocument _template = null!;
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    [GlobalSetup]
    public async Task Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        var dspKey = KeyStore.Load(Path.Combine(reference, "keystore")).FindXmlSigningKey(DemoKeySet.DspEui)!;
        _folder = Directory.CreateTempSubdirectory("openduis-network-bench-").FullName;
        var database = Path.Combine(_folder, "openduis.db");
        _store = await SqliteSmiStore.OpenAsync(database);
        await DemoEnvironment.SeedAsync(_store);
        var outbox = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System);
        _network = new EmulatedSmWan(new EmulatedSmWanOptions { Latency = TimeSpan.Zero }, _store, outbox, dspKey, TimeProvider.System,
            alerts: WithAlerts ? Alerts(outbox, dspKey) : null);
        _network.Start();
        _front = WithAlerts
            ? new OpenDuis.Core.Alerts.QuarantiningDeviceNetwork(_network, new OpenDuis.Core.Alerts.AnomalyDetector(TimeProvider.System),
                new OpenDuis.Core.Alerts.OutboxDccAlertSink(outbox, dspKey, TimeProvider.System))
            : _network;
        _template = new XmlDocument { PreserveWhitespace = true };
        _template.Load(Path.Combine(ReferenceData.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"));
    }

    private DeviceResponseAlerts Alerts(OpenDuis.Core.Outbox.IOutboxStore outbox, OpenDuis.Protocol.Keys.SigningKey dspKey)
    {
        var sink = new OpenDuis.Core.Alerts.OutboxDccAlertSink(outbox, dspKey, TimeProvider.System, new OpenDuis.Core.Alerts.PartyStoreDuisVersions(_store));
        return new DeviceResponseAlerts(sink, new OpenDuis.Core.Alerts.PartyStoreDuisVersions(_store), firmware: new OpenDuis.Core.Alerts.FirmwareVersionAlerts(_store, sink));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _network.DisposeAsync();
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private DuisRequest[] _batch = [];

    [IterationSetup]
    public void NextRequests()
    {
        var template = DuisRequest.Read(_template);
        _batch = new DuisRequest[Requests];
        for (var i = 0; i < Requests; i++)
            _batch[i] = new DuisRequest(template.SchemaVersion, template.RequestId with { Counter = ++_counter }, template.CommandVariant,
                template.ServiceReference, template.ServiceReferenceVariant, template.Body);
    }

    /// <summary>Accept <see cref="Requests"/> device requests and wait until all their responses are in the outbox; reported per round trip.</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public async Task RoundTrip()
    {
        var target = _network.Responded + Requests;
        var now = DateTimeOffset.UtcNow;
        foreach (var request in _batch)
            await _front.AcceptAsync(new DeviceCommand(request, request.RequestId.Originator, now));
        while (_network.Responded < target) await Task.Delay(1);
    }
}
