using System.Diagnostics;
using System.Globalization;
using OpenDuis.Bench;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Parse + render of the ParseBenchmarks messages on one thread, in wall time and in CPU time: on a shared machine whose
/// load average exceeds its cores, wall time counts the time other processes hold the core, CPU time only what parsing
/// and rendering cost, so messages per CPU-second is the throughput of one core given to it. Each round is measured two
/// ways, alternated (paired): rendered to a string (<see cref="MmcRenderer.Render"/>) and written to a TextWriter
/// (<see cref="MmcRenderer.RenderTo"/>, here one that discards, as the string is discarded). Beside the times each round
/// reports what explains them: the measuring thread's own CPU time against the process's (the rest is the collector's
/// and the JIT's threads), the octets allocated per message, the collections of each generation, the collector's pauses,
/// and the machine's steal time (a virtual machine's CPU time taken by its host).
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- parse-rate [messages per round] [rounds] [message name part]
/// </summary>
internal static class ParseRate
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var only = args.Length > 2 ? args[2] : "";
        var rtds = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!, "rtds-gbcs", "RTDS-4.5.0");
        Console.WriteLine($"{"message",-40} {"sink",-6} {"wall µs",8} {"cpu µs",7} {"thread",7} {"per CPU-s",9} {"B/msg",7} {"gen0",5} {"gen1",4} {"gen2",4} {"pause ms",8} {"steal ms",8}");
        foreach (var name in new ParseBenchmarks().MessageValues.Where(m => m.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            var message = Convert.FromHexString(File.ReadAllText(Path.Combine(rtds, name)).Trim());
            // Warm-up of each path until tiered compilation has finished with the message's paths: at least a second, then until no
            // method has been compiled for half a second (at most ten). A wall-clock second alone was not enough on a loaded machine:
            // the first round then ran partly before tier 1, and the JIT's own thread added up to 14 µs a message to the process's CPU.
            var warm = Stopwatch.StartNew();
            var (compiled, quietSince) = (System.Runtime.JitInfo.GetCompiledMethodCount(), 0L);
            while (warm.ElapsedMilliseconds < 10_000 && (warm.ElapsedMilliseconds < 1000 || warm.ElapsedMilliseconds - quietSince < 500))
            {
                MmcRenderer.Render(GbcsParser.Parse(message), message);
                MmcRenderer.RenderTo(TextWriter.Null, GbcsParser.Parse(message), message);
                if (System.Runtime.JitInfo.GetCompiledMethodCount() is var now && now != compiled) (compiled, quietSince) = (now, warm.ElapsedMilliseconds);
            }
            for (var round = 0; round < rounds; round++)
            {
                Measure(name, "string", n, () => MmcRenderer.Render(GbcsParser.Parse(message), message));
                Measure(name, "writer", n, () => MmcRenderer.RenderTo(TextWriter.Null, GbcsParser.Parse(message), message));
            }
        }
        return 0;
    }

    private static void Measure(string name, string sink, int n, Action parseAndRender)
    {
        var process = Process.GetCurrentProcess();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var pause = GC.GetTotalPauseDuration();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var steal = StealMilliseconds();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var thread = ThreadCpuTime.Now();
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) parseAndRender();
        wall.Stop();
        var threadMicros = (ThreadCpuTime.Now() - thread).TotalMicroseconds / n;
        process.Refresh();
        var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds / n;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(name)[..Math.Min(40, Path.GetFileName(name).Length)],-40} {sink,-6} {wall.Elapsed.TotalMicroseconds / n,8:F2} {cpuMicros,7:F2} {threadMicros,7:F2} {1e6 / cpuMicros,9:N0} " +
            $"{(GC.GetAllocatedBytesForCurrentThread() - allocated) / n,7:N0} {GC.CollectionCount(0) - gen0,5} {GC.CollectionCount(1) - gen1,4} {GC.CollectionCount(2) - gen2,4} " +
            $"{(GC.GetTotalPauseDuration() - pause).TotalMilliseconds,8:F1} {StealMilliseconds() - steal,8:F0}"));
    }

    /// <summary>The steal time of all CPUs (Linux /proc/stat, the eighth field of the cpu line, in USER_HZ of 10 ms); elsewhere zero.</summary>
    private static long StealMilliseconds()
    {
        if (!File.Exists("/proc/stat")) return 0;
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 8 ? 10 * long.Parse(fields[8], CultureInfo.InvariantCulture) : 0;
    }
}
