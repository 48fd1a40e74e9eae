using System.Net;
using System.Net.Http.Headers;
using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Delivery;
using OpenDuis.Storage.Outbox;

namespace OpenDuis.Benchmarks;

/// <summary>
/// What one device response costs after the device has answered, step by step, as the emulated SM
/// WAN and the delivery worker spend it (issue 4): the DUIS Service Response built as a DOM with its
/// sr:GBCSPayload, signed by the DSP and serialised; written to the SQLite outbox in a batch of 256;
/// POSTed over loopback HTTP to a receiving endpoint (client and Kestrel server both in this
/// process, 16 at a time, as the worker sends them); and the round's outcomes recorded together.
/// Each reported per response.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*DeviceResponseCost*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class DeviceResponseCostBenchmarks
{
    private const int Batch = 256;
    private static readonly MediaTypeHeaderValue Xml = new("application/xml") { CharSet = "utf-8" };
    private static readonly ServiceReference Reference = ServiceReference.Parse("4.1");
    private static readonly ServiceReferenceVariant Variant = ServiceReferenceVariant.Parse("4.1.1");
    private SigningKey _dspKey = null!;
    private string _folder = null!;
    private SqliteOutboxStore _outbox = null!;
    private ResponseListener _listener = null!;
    private HttpClient _http = null!;
    private Uri _endpoint = null!;
    private byte[] _signed = [];
    private string _gbcs = "";
    private byte[] _gbcsOctets = [];
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private IReadOnlyList<PendingDelivery> _leased = [];

    [GlobalSetup]
    public async Task Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        _dspKey = KeyStore.Load(Path.Combine(reference, "keystore")).FindXmlSigningKey(DemoKeySet.DspEui)!;
        _folder = Directory.CreateTempSubdirectory("openduis-response-cost-").FullName;
        _outbox = await SqliteOutboxStore.OpenAsync(Path.Combine(_folder, "openduis.db"), TimeProvider.System);
        _listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, _ => ValueTask.FromResult(200));
        _ = Task.Run(async () => { await foreach (var _ in _listener.Received.ReadAllAsync()) { } });
        _endpoint = new Uri(_listener.Address, "/duis/responses");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 });
        // A GBCS 0x0027 response of the size the emulated ESME sends (Read Instantaneous Import Registers).
        _gbcsOctets = Enumerable.Range(0, 120).Select(i => (byte)i).ToArray();
        _gbcs = Convert.ToBase64String(_gbcsOctets);
        _signed = SignAndSerialise();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _http.Dispose();
        await _listener.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private DuisResponse Response()
    {
        var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, ++_counter);
        var doc = new XmlDocument();
        var payload = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "GBCSPayload", DuisNamespaces.ServiceUserGateway);
        payload.InnerText = _gbcs;
        return DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request, new RequestId(DemoEnvironment.Esme, DemoEnvironment.Supplier, _counter),
            ResponseCode.I0, DateTimeOffset.UtcNow, Reference, Variant, payload);
    }

    /// <summary>The Service Response as a DOM, its payload imported.</summary>
    [Benchmark]
    public XmlDocument BuildDocument() => Response().ToXmlDocument();

    /// <summary>Built, signed (canonicalisation, digest, ECDSA-P256) and serialised to the bytes the outbox keeps.</summary>
    [Benchmark]
    public byte[] SignAndSerialise() => DuisSigner.SignAndSerialise(Response().ToXmlDocument(), _dspKey);

    /// <summary>
    /// What the emulated SM WAN does now: the response built from the GBCS octets (<see cref="DuisResponse.CreateDeviceResponse"/>)
    /// and signed from its canonical form with no document (<see cref="DuisResponse.ToSignedBytes"/>).
    /// </summary>
    [Benchmark]
    public byte[] SignWithoutDocument()
    {
        var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, ++_counter);
        return DuisResponse.CreateDeviceResponse(DuisSchemaVersion.V5_4, request, new RequestId(DemoEnvironment.Esme, DemoEnvironment.Supplier, _counter),
            DateTimeOffset.UtcNow, Reference, Variant, _gbcsOctets).ToSignedBytes(_dspKey);
    }

    /// <summary>One transaction of 256 responses into the SQLite outbox (WAL, synchronous=NORMAL).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Task EnqueueInBatchOf256()
    {
        var at = ++_counter;
        var entries = new OutboxEntry[Batch];
        for (var i = 0; i < Batch; i++)
            entries[i] = new OutboxEntry($"bench-{at}-{i}", DemoEnvironment.Supplier, $"{at}-{i}", OutboxKind.ServiceResponse, _signed);
        return _outbox.EnqueueAsync(entries);
    }

    /// <summary>256 signed responses POSTed to the receiving endpoint over loopback HTTP, 16 at a time.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Task PostOverLoopbackHttp() =>
        Parallel.ForEachAsync(Enumerable.Range(0, Batch), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            using var content = new ByteArrayContent(_signed);
            content.Headers.ContentType = Xml;
            using var response = await _http.PostAsync(_endpoint, content, ct);
            response.EnsureSuccessStatusCode();
        });

    [IterationSetup(Target = nameof(LeaseAndRecordRound))]
    public void FillOutbox()
    {
        EnqueueInBatchOf256().GetAwaiter().GetResult();
        _leased = [];
    }

    /// <summary>The worker's bookkeeping for a round of 256: one lease, then every outcome recorded in one transaction.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task LeaseAndRecordRound()
    {
        _leased = await _outbox.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), Batch);
        var now = DateTimeOffset.UtcNow;
        await _outbox.RecordAttemptsAsync(_leased.Select(d => DeliveryOutcome.Accepted(d.Sequence, now)).ToList());
    }
}
