using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Benchmarks;

/// <summary>
/// An H17 report over 1,000,000 Smart Meters written as CSV to a file: time, allocation, and the
/// process's peak working set (printed at cleanup) to show memory stays flat while streaming.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class H17ReportBenchmarks
{
    [Params(1_000_000)]
    public int Meters { get; set; }

    private string _path = "";

    [GlobalSetup]
    public void Setup() => _path = Path.Combine(Path.GetTempPath(), $"openduis-h17-{Environment.ProcessId}.csv");

    [Benchmark]
    public async Task<long> WriteCsv()
    {
        await using var file = new StreamWriter(_path, append: false, new System.Text.UTF8Encoding(false), bufferSize: 1 << 16);
        return await H17ReportWriter.WriteCsvAsync(Rows(Meters), file, "Meter Finance Ltd", DateTimeOffset.UnixEpoch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// H17 report: {new FileInfo(_path).Length / (1024 * 1024)} MiB file; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
        File.Delete(_path);
    }

    private static readonly RegisteredSupplier[] Suppliers = [new(PartyId.Parse("BIG-SUPPLIER"), new DateOnly(2024, 1, 1))];

    private static async IAsyncEnumerable<MeterReportRow> Rows(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new MeterReportRow(new Eui(0x00DB_0000_0000_0000UL + (ulong)i), DeviceType.ESME, "E470", "Landis+Gyr", "0x0102",
                SmiStatus.Commissioned, (CspRegion)(i % 3), Suppliers, "Toshiba", "CH-2", "0x0300");
            if (i % 4096 == 0) await Task.Yield();
        }
    }
}
