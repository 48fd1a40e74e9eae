using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Benchmarks.Smi;

/// <summary>The access-control look-ups on a warm cache of 100,000 Devices (SQLite-backed).</summary>
[MemoryDiagnoser]
public class SmiCacheBenchmarks
{
    private const int Devices = 100_000;
    private readonly DateTimeOffset _at = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private string _dir = "";
    private SqliteSmiStore _store = null!;
    private SmiCache _cache = null!;
    private Eui[] _ids = [];
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("openduis-smi-bench-").FullName;
        _store = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"));
        await _store.ImportDevicesAsync(All());
        await _store.ImportRegistrationsAsync(Registrations());
        _cache = await SmiCache.LoadAsync(_store);
        var random = new Random(7);
        _ids = [.. Enumerable.Range(0, 4096).Select(_ => Id(random.Next(Devices)))];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public bool DeviceByEui() => _cache.TryGetDevice(_ids[_next++ & 4095], out _);

    [Benchmark]
    public PartyId? DeviceAndRegisteredSupplierAtT() => _cache.RegisteredPartyOfDevice(_ids[_next++ & 4095], RegisteredRole.Supplier, _at);

    private static Eui Id(int i) => new(0x00DB_0000_0000_0000UL | (uint)i);
    private static Mpxn Mpan(int i) => Mpxn.MpanFromTwelveDigits(100_000_000_000UL + (ulong)i);

    private static async IAsyncEnumerable<Device> All()
    {
        await Task.CompletedTask;
        for (var i = 0; i < Devices; i++)
            yield return new Device { Id = Id(i), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned, Mpxn = Mpan(i) };
    }

    private static async IAsyncEnumerable<RegistrationPeriod> Registrations()
    {
        await Task.CompletedTask;
        for (var i = 0; i < Devices; i++)
            yield return new RegistrationPeriod(Mpan(i), RegisteredRole.Supplier, PartyId.Parse("SUPPLIER"), new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }
}
