using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Benchmarks.Smi;

/// <summary>
/// <c>smi-load [--devices N] [--postgres CONNSTR] [--lookups N]</c>: the million-row measurements that do not
/// fit BenchmarkDotNet's many-iterations model — bulk import of N Devices into SQLite and PostgreSQL,
/// then a warm cache of N Devices with a registration each: per-look-up latency percentiles
/// (device by EUI + Registered Supplier of its MPxN at T) and the process's resident memory.
/// </summary>
public static class SmiLoad
{
    private static readonly DateTimeOffset Since = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PartyId[] Suppliers = [.. Enumerable.Range(0, 50).Select(i => PartyId.Parse($"SUPPLIER-{i:D2}"))];

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = Option(args, "--devices", 1_000_000);
        var lookups = Option(args, "--lookups", 1_000_000);
        var postgres = args.SkipWhile(a => a != "--postgres").Skip(1).FirstOrDefault() ?? Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        var dir = Directory.CreateTempSubdirectory("openduis-smi-load-").FullName;
        Console.WriteLine($"devices={devices:N0} lookups={lookups:N0} cores={Environment.ProcessorCount} {RuntimeInformationText()}");
        try
        {
            // What producing the rows costs by itself, so the import figures can be read net of it.
            var sw0 = Stopwatch.StartNew();
            var produced = 0;
            await foreach (var d in Generate(devices)) produced += d.Mpxn is null ? 0 : 1;
            Report("generate devices only (no database)", produced, sw0.Elapsed);
            if (args.Contains("--postgres-only")) return await PostgresOnlyAsync(postgres, devices);

            // SQLite: Devices by prepared insert in one transaction; registrations likewise.
            await using var sqlite = await SqliteSmiStore.OpenAsync(Path.Combine(dir, "openduis.db"));
            var sw = Stopwatch.StartNew();
            await sqlite.ImportDevicesAsync(Generate(devices));
            Report("SQLite import devices", devices, sw.Elapsed);
            sw.Restart();
            await sqlite.ImportRegistrationsAsync(Registrations(devices));
            Report("SQLite import registrations", devices, sw.Elapsed);

            if (!string.IsNullOrWhiteSpace(postgres))
            {
                var schema = "bench_" + Guid.NewGuid().ToString("N");
                await using (var c = new NpgsqlConnection(postgres)) { await c.OpenAsync(); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(); }
                try
                {
                    await using var pg = await PostgresSmiStore.OpenAsync(new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ToString());
                    sw.Restart();
                    await pg.ImportDevicesAsync(Generate(devices));
                    Report("PostgreSQL import devices (binary COPY)", devices, sw.Elapsed);
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    await using var c = new NpgsqlConnection(postgres);
                    await c.OpenAsync();
                    await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync();
                }
            }
            else
            {
                Console.WriteLine("PostgreSQL: skipped (no --postgres and no OPENDUIS_TEST_PG)");
            }

            var before = ResidentMegabytes();
            sw.Restart();
            var cache = await SmiCache.LoadAsync(sqlite);
            Console.WriteLine($"cache load: {cache.DeviceCount:N0} devices in {sw.Elapsed.TotalSeconds:F1} s");
            var after = ResidentMegabytes();
            Console.WriteLine($"resident memory: {before:N0} MB before the cache, {after:N0} MB with it (+{after - before:N0} MB, {(after - before) * 1024.0 * 1024 / devices:N0} B/device)");

            MeasureLookups(cache, devices, lookups);
            GC.KeepAlive(cache);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<int> PostgresOnlyAsync(string? postgres, int devices)
    {
        if (string.IsNullOrWhiteSpace(postgres)) throw new ArgumentException("--postgres-only needs --postgres or OPENDUIS_TEST_PG");
        var schema = "bench_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(postgres)) { await c.OpenAsync(); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(); }
        try
        {
            await using var pg = await PostgresSmiStore.OpenAsync(new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ToString());
            var sw = Stopwatch.StartNew();
            await pg.ImportDevicesAsync(Generate(devices));
            Report("PostgreSQL import devices (binary COPY)", devices, sw.Elapsed);
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(postgres);
            await c.OpenAsync();
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync();
        }
    }

    private static void MeasureLookups(SmiCache cache, int devices, int lookups)
    {
        var random = new Random(42);
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var ids = new Eui[lookups];
        for (var i = 0; i < lookups; i++) ids[i] = DeviceId(random.Next(devices));
        // Warm: one pass untimed.
        for (var i = 0; i < lookups; i++) Lookup(cache, ids[i], at);
        var ticks = new long[lookups];
        for (var i = 0; i < lookups; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (Lookup(cache, ids[i], at) is null) throw new InvalidOperationException($"no supplier for {ids[i]}");
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(ticks);
        double Us(double q) => ticks[(int)Math.Min(lookups - 1, q * lookups)] * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine($"look-up device + Registered Supplier at T (warm cache, {lookups:N0} random devices): " +
                          $"p50 {Us(0.50):F2} µs, p99 {Us(0.99):F2} µs, p99.9 {Us(0.999):F2} µs, max {Us(1.0):F1} µs");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PartyId? Lookup(SmiCache cache, Eui id, DateTimeOffset at) =>
        cache.TryGetDevice(id, out var d) && d.Status == SmiStatus.Commissioned ? cache.RegisteredPartyOfDevice(id, RegisteredRole.Supplier, at) : null;

    private static Eui DeviceId(int i) => new(0x00DB_0000_0000_0000UL | (uint)i);
    private static Mpxn MpanOf(int i) => Mpxn.MpanFromTwelveDigits(100_000_000_000UL + (ulong)i);

    private static async IAsyncEnumerable<Device> Generate(int count)
    {
        await Task.CompletedTask;
        for (var i = 0; i < count; i++)
        {
            yield return new Device
            {
                Id = DeviceId(i),
                Type = DeviceType.ESME,
                Generation = DeviceGeneration.Smets2Plus,
                Status = SmiStatus.Commissioned,
                Manufacturer = "0DB1",
                Model = "ESME-" + (i % 8).ToString(CultureInfo.InvariantCulture),
                FirmwareVersion = "1.0",
                Region = (CspRegion)(i % 3),
                CommsHub = new Eui(0x00DB_1000_0000_0000UL | (uint)i),
                Mpxn = MpanOf(i),
                Uprn = new Uprn(100_000_000 + i),
            };
        }
    }

    private static async IAsyncEnumerable<RegistrationPeriod> Registrations(int count)
    {
        await Task.CompletedTask;
        for (var i = 0; i < count; i++)
            yield return new RegistrationPeriod(MpanOf(i), RegisteredRole.Supplier, Suppliers[i % Suppliers.Length], Since);
    }

    private static void Report(string what, int rows, TimeSpan elapsed) =>
        Console.WriteLine($"{what}: {rows:N0} in {elapsed.TotalSeconds:F1} s = {rows / elapsed.TotalSeconds:N0} rows/s");

    private static long ResidentMegabytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64 / (1024 * 1024);
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
