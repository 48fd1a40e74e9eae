using System.Diagnostics;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Parse + render of the ParseBenchmarks messages on one thread, in wall time and in the process's CPU time: on a shared
/// machine whose load average exceeds its cores, wall time counts the time other processes hold the core, CPU time only
/// what parsing and rendering cost, so messages per CPU-second is the throughput of one core given to it.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- parse-rate [messages per round]
/// </summary>
internal static class ParseRate
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var rtds = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!, "rtds-gbcs", "RTDS-4.5.0");
        foreach (var name in new ParseBenchmarks().MessageValues)
        {
            var message = Convert.FromHexString(File.ReadAllText(Path.Combine(rtds, name)).Trim());
            // A second of warm-up, so tiered compilation has finished with the message's paths (it waits 100 ms between steps).
            for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 1000;) MmcRenderer.Render(GbcsParser.Parse(message), message);
            var process = Process.GetCurrentProcess();
            for (var round = 0; round < 3; round++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                for (var i = 0; i < n; i++) MmcRenderer.Render(GbcsParser.Parse(message), message);
                wall.Stop();
                process.Refresh();
                var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds / n;
                Console.WriteLine($"{Path.GetFileName(name),-45} wall {wall.Elapsed.TotalMicroseconds / n,6:F2} µs  cpu {cpuMicros,6:F2} µs  {1e6 / cpuMicros,9:N0} per CPU-second");
            }
        }
        return 0;
    }
}
