using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The access-control pipeline alone (the request already parsed and verified) over an in-memory
/// snapshot of the demo environment plus 1,000,000 SMETS2+ ESMEs, each with its own MPAN and
/// Registered Supplier. Requests rotate over 4,096 distinct Devices so look-ups are not all cache hits.
/// </summary>
[MemoryDiagnoser]
public class AccessPipelineBenchmarks
{
    private const int Devices = 1_000_000;
    private const int Requests = 4096;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private AccessPipeline _pipeline = null!;
    private AccessRequest[] _accepted = [];
    private AccessRequest[] _refusedE4 = [];
    private AccessRequest[] _sequenced = [];

    private sealed class Clock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [GlobalSetup]
    public void Setup()
    {
        var snapshot = InMemoryAccessSnapshot.Demo();
        var ids = new Eui[Devices];
        for (var i = 0; i < Devices; i++)
        {
            var id = new Eui(0x00DB_1000_0000_0000UL + (ulong)i);
            var mpan = Mpxn.MpanFromTwelveDigits(2_000_000_000_00UL + (ulong)i);
            snapshot.Put(new Device
            {
                Id = id, Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
                Manufacturer = "0DB1", Model = "ESME", FirmwareVersion = "1.0", Region = CspRegion.Central, Mpxn = mpan,
            });
            snapshot.Register(new RegistrationPeriod(mpan, RegisteredRole.Supplier, DemoEnvironment.SupplierParty, DemoEnvironment.Since));
            ids[i] = id;
        }
        _pipeline = new AccessPipeline(snapshot, new InMemoryRequestLog(), new Clock());

        var random = new Random(7);
        var body = Body("ReadInstantaneousImportRegisters");
        var variant = ServiceReferenceVariant.Parse("4.1.1");
        AccessRequest Make(Eui originator, Eui target, ulong counter, bool? first = null) => new(
            DuisRequest.Create(DuisSchemaVersion.V5_4, new RequestId(originator, target, counter), CommandVariant.SendNonCritical, variant, body, first),
            WebService.SendCommand);
        _accepted = [.. Enumerable.Range(0, Requests).Select(i => Make(DemoEnvironment.Supplier, ids[random.Next(Devices)], (ulong)i + 1))];
        // The network operator is not registered for these MPANs: refused at E4, after the User and header checks.
        _refusedE4 = [.. Enumerable.Range(0, Requests).Select(i => Make(DemoEnvironment.NetworkOperator, ids[random.Next(Devices)], (ulong)i + 1))];
        _sequenced = [.. Enumerable.Range(0, Requests).Select(i => Make(DemoEnvironment.Supplier, ids[random.Next(Devices)], (ulong)i + 1, first: true))];
        if (!_pipeline.Evaluate(_accepted[0]).IsAccepted || _pipeline.Evaluate(_refusedE4[0]).Code != ResponseCode.E4)
            throw new InvalidOperationException("The benchmark's requests do not behave as intended.");
    }

    private static XmlElement Body(string localName)
    {
        var doc = new XmlDocument();
        var e = doc.CreateElement("sr", localName, DuisNamespaces.ServiceUserGateway);
        doc.AppendChild(e);
        return e;
    }

    // Each invocation runs all 4,096 requests once, so timer and harness overhead vanish from the per-request figure.

    /// <summary>Every check runs and passes (nothing is written).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Requests)]
    public int EvaluateAccepted()
    {
        var accepted = 0;
        foreach (ref readonly var r in _accepted.AsSpan()) if (_pipeline.Evaluate(r).IsAccepted) accepted++;
        return accepted;
    }

    /// <summary>Refused E4 (the reason text is built: refusals allocate it).</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public int EvaluateRefusedE4()
    {
        var refused = 0;
        foreach (ref readonly var r in _refusedE4.AsSpan()) if (!_pipeline.Evaluate(r).IsAccepted) refused++;
        return refused;
    }

    /// <summary>The server's path: run the checks, admit to the request log, then complete (as the response would).</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public int DecideAndComplete()
    {
        var accepted = 0;
        foreach (ref readonly var r in _sequenced.AsSpan())
        {
            if (_pipeline.Decide(r).IsAccepted) accepted++;
            _pipeline.Log.Complete(r.Request.RequestId, RequestState.Succeeded);
        }
        return accepted;
    }
}
