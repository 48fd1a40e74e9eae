using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Where a load generator run's allocation goes: reads a trace of the runtime's allocation samples (one
/// AllocationTick event about every 100 KB, with its stack) and charges each sample to the first part of
/// the door its stack passes through, in the order below, then prints each part's share and the types.
/// <code>
/// dotnet-trace collect -p PID --profile gc-verbose --duration 00:00:00:10 -o ack.nettrace   # during the load
/// dotnet run -c Release --project bench/OpenDuis.Benchmarks -- alloc-split ack.nettrace [KB-per-request]
/// </code>
/// </summary>
internal static class AllocationSplit
{
    // A stack is charged to the first part whose frame it holds: the client before the server, the write-behind before the request.
    private static readonly (string Part, string Frame)[] Parts =
    [
        ("load generator's client (HttpClient)", "g__SendAsync"), ("load generator's client (HttpClient)", "System.Net.Http.Http"),
        ("request log written behind (SQLite)", "WriteBehindAsync"), ("request log written behind (SQLite)", "SqlRequestLogStore"),
        ("read: XmlReader created (its buffers, name table)", "SecureXml.CreateReader"),
        ("read: the body's and signature's XML nodes", "XmlDocument.ReadNode"),
        ("verify: the signature's profile, SignedInfo, ECDSA", "DuisSignatureVerifier"),
        ("read: canonical octets", "Canonicalizer"),
        ("read: the rest (values, header, request)", "TryReadSignedRequest"),
        ("acknowledgement built and signed", "DuisResponse.ToSignedBytes"), ("acknowledgement built and signed", "DuisRequestHandler.Acknowledge"),
        ("acknowledgement built and signed", "DuisRequestHandler.Sign"),
        ("request log record (lease, group commit wait)", "RequestLease"), ("request log record (lease, group commit wait)", "DurableRequestLog"),
        ("admission (access control)", "Admission"), ("admission (access control)", "AccessPipeline"),
        ("request handler, the rest", "DuisRequestHandler"),
        ("endpoint (body read, metrics, log line)", "DuisEndpoints"),
        ("Kestrel and ASP.NET Core", "Kestrel"), ("Kestrel and ASP.NET Core", "Microsoft.AspNetCore"),
    ];

    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("alloc-split needs a .nettrace file (dotnet-trace collect --profile gc-verbose).");
            return 2;
        }
        double? perRequest = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : null;
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
        var parts = new Dictionary<string, long>();
        var types = new Dictionary<string, long>();
        long total = 0;
        foreach (var e in log.Events)
        {
            if (e is not GCAllocationTickTraceData tick) continue;
            var amount = tick.AllocationAmount64;
            total += amount;
            types[tick.TypeName] = types.GetValueOrDefault(tick.TypeName) + amount;
            var frames = new List<string>();
            for (var frame = e.CallStack(); frame is not null; frame = frame.Caller) frames.Add(frame.CodeAddress.FullMethodName ?? "");
            var part = Parts.FirstOrDefault(p => frames.Any(f => f.Contains(p.Frame, StringComparison.Ordinal))).Part ?? "other";
            parts[part] = parts.GetValueOrDefault(part) + amount;
        }
        if (total == 0)
        {
            Console.Error.WriteLine("The trace holds no allocation samples: collect it with --profile gc-verbose.");
            return 1;
        }
        string Share(long amount) => string.Create(CultureInfo.InvariantCulture,
            $"{100.0 * amount / total,5:F1} %{(perRequest is { } kb ? $"  {kb * amount / total,5:F1} KB" : "")}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total / 1048576.0:F0} MB sampled"));
        foreach (var (part, amount) in parts.OrderByDescending(p => p.Value)) Console.WriteLine($"{Share(amount)}  {part}");
        Console.WriteLine("Types:");
        foreach (var (type, amount) in types.OrderByDescending(p => p.Value).Take(15)) Console.WriteLine($"{Share(amount)}  {type}");
        return 0;
    }
}
