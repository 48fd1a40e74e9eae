using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Storage.Outbox;

namespace OpenDuis.Benchmarks;

/// <summary>
/// DCC Alert fan-out (issue 6): one event's DeviceStatusChangeEvent built, DSP-signed and written to
/// the durable SQLite outbox for <see cref="Recipients"/> Users in one transaction; the time per alert.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*DccAlert*' --job short
/// </summary>
[MemoryDiagnoser]
public class DccAlertBenchmarks
{
    private const int Recipients = 100;
    private static readonly Eui Dsp = Eui.Parse("90-B3-D5-1F-30-00-00-02");
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");

    private string _folder = null!;
    private SqliteOutboxStore _outbox = null!;
    private OutboxDccAlertSink _sink = null!;
    private AlertToRaise[] _alerts = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        var dspKey = KeyStore.Load(Path.Combine(reference, "keystore")).FindXmlSigningKey(Dsp)!;
        _folder = Directory.CreateTempSubdirectory("openduis-alert-bench-").FullName;
        _outbox = await SqliteOutboxStore.OpenAsync(Path.Combine(_folder, "outbox.db"), TimeProvider.System);
        _sink = new OutboxDccAlertSink(_outbox, dspKey, TimeProvider.System);
        var body = new DeviceStatusChangeEvent(Esme, new DeviceStatusChange.DeviceSuspended());
        _alerts = Enumerable.Range(0, Recipients)
            .Select(i => new AlertToRaise(DccAlertCode.Parse("N8"), body, Eui.Parse($"90-B3-D5-1F-30-10-{i / 256:X2}-{i % 256:X2}")))
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Build and sign one alert (no storage).</summary>
    [Benchmark]
    public byte[] BuildAndSign() => _sink.Build(_alerts[0], DuisSchemaVersion.V5_4).Body;

    /// <summary>Build, sign and enqueue one event's alerts to <see cref="Recipients"/> Users; reported per alert.</summary>
    [Benchmark(OperationsPerInvoke = Recipients)]
    public Task FanOutPerAlert() => _sink.RaiseAsync(_alerts);
}
