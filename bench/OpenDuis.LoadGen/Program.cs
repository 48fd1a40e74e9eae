using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;

// OpenDUIS load generator: signs a mix of RTDS requests for their originators, then drives an
// in-process OpenDUIS over real loopback HTTP (or the duis TLS profile) with a fixed number of
// concurrent clients, bounded in count and time, and reports requests/s and latency percentiles.
//
//   dotnet run -c Release --project bench/OpenDuis.LoadGen -- [--profile dev|duis] [--requests N]
//       [--seconds S] [--concurrency C] [--templates DIR] [--warmup N] [--network]
//
// --network runs the emulated SM WAN as `openduis serve` does by default, so device requests are
// also answered by the emulated devices (Service Responses into the outbox) while the load runs.

var settings = LoadSettings.Parse(args);
var data = new DataFolder(Directory.CreateTempSubdirectory("openduis-loadgen-").FullName);
var clock = TimeProvider.System;
await using var host = await DataFolderHost.OpenAsync(data, clock);
var profile = settings.Profile;
var options = new ServerOptions
{
    Port = 0,
    Profile = profile,
    Dccki = profile == ConnectionProfile.Duis ? host.EnsureDemoDccki(clock) : null,
    MinimumLogLevel = LogLevel.Warning,
};
var network = settings.Network ? new OpenDuis.Network.EmulatedSmWanOptions() : null;
await using var server = await DuisServer.StartAsync(options, s => s.AddOpenDuis(host.Parts() with { Network = network }));

var security = new DuisSecurity(host.Keys);
var templates = Directory.EnumerateFiles(settings.Templates).Order(StringComparer.Ordinal)
    .Select(f => DuisRequest.Read(security.Load(File.ReadAllBytes(f))))
    .Where(r => host.Keys.FindXmlSigningKey(r.RequestId.Originator) is not null)
    // Non-Device requests that change the inventory (8.3 Decommission, 8.4, 8.14.x, 12.2, the 5.x
    // schedules) would change the state the rest of the mix runs against: device requests and 8.2 only.
    .Where(r => r.Definition is { NonDevice: false } || r.ServiceReferenceVariant.ToString() == "8.2")
    .ToList();
Console.WriteLine($"OpenDUIS {server.BaseAddress} ({profile.ToString().ToLowerInvariant()} profile); {templates.Count} RTDS templates in the mix; {Environment.ProcessorCount} cores");

var total = settings.Warmup + settings.Requests;
var signing = Stopwatch.StartNew();
var counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
var work = new (Uri Uri, byte[] Body)[total];
Parallel.For(0, total, i =>
{
    var t = templates[i % templates.Count];
    var id = t.RequestId with { Counter = counter + (ulong)i };
    var request = new DuisRequest(t.SchemaVersion, id, t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body, t.FirstInSequence, t.PrecedingRequestId);
    var body = security.SignAndSerialise(request.ToXmlDocument(), host.Keys.FindXmlSigningKey(id.Originator)!);
    work[i] = (server.ServiceUri(t.CommandVariant.WebService()), body);
});
Console.WriteLine($"Signed {total} requests in {signing.Elapsed.TotalSeconds:F1} s (not measured)");

HttpMessageHandler NewHandler() => profile == ConnectionProfile.Duis
    ? DuisTlsProfile.CreateClientHandler(options.Dccki!, OpenDuis.Core.Demo.DemoEnvironment.Supplier)
    : new SocketsHttpHandler();
var handler = NewHandler();
if (handler is SocketsHttpHandler sockets) sockets.MaxConnectionsPerServer = settings.Concurrency;
using var http = new HttpClient(handler);
var xml = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
var codeOf = new Regex("<sr:ResponseCode>([^<]+)</sr:ResponseCode>", RegexOptions.Compiled);

async Task<(long Ticks, string Code)> SendAsync(int i)
{
    var started = Stopwatch.GetTimestamp();
    using var content = new ByteArrayContent(work[i].Body);
    content.Headers.ContentType = xml;
    using var response = await http.PostAsync(work[i].Uri, content);
    var text = await response.Content.ReadAsStringAsync();
    var elapsed = Stopwatch.GetTimestamp() - started;
    var m = codeOf.Match(text);
    return (elapsed, m.Success ? m.Groups[1].Value : $"HTTP{(int)response.StatusCode}");
}

// Warm-up (JIT, connection set-up), not measured.
var next = -1;
await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < settings.Warmup) await SendAsync(i);
}));

var latencies = new long[settings.Requests];
var codes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
var completed = 0;
next = settings.Warmup - 1;
var deadline = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < total && deadline.Elapsed < settings.MaxDuration)
    {
        var (ticks, code) = await SendAsync(i);
        latencies[Interlocked.Increment(ref completed) - 1] = ticks;
        codes.AddOrUpdate(code, 1, (_, n) => n + 1);
    }
}));
var elapsedAll = deadline.Elapsed;

var measured = latencies.AsSpan(0, completed).ToArray();
Array.Sort(measured);
double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
double Percentile(double p) => Ms(measured[Math.Min(measured.Length - 1, (int)Math.Ceiling(p * measured.Length) - 1)]);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{completed} requests in {elapsedAll.TotalSeconds:F2} s with {settings.Concurrency} concurrent clients: {completed / elapsedAll.TotalSeconds:F0} requests/s; " +
    $"latency p50 {Percentile(0.50):F2} ms, p90 {Percentile(0.90):F2} ms, p99 {Percentile(0.99):F2} ms, max {Ms(measured[^1]):F2} ms"));
Console.WriteLine("Answers: " + string.Join(", ", codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
if (network is not null)
{
    // No User endpoint is registered, so every Service Response the network produced waits in the outbox.
    var written = await host.Outbox.CountUndeliveredAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Emulated SM WAN: {written} Service Responses and alerts in the outbox when the load ended ({written / elapsedAll.TotalSeconds:F0}/s during the run)"));
}
try { Directory.Delete(data.Path, true); } catch (IOException) { }
return 0;

internal sealed record LoadSettings(ConnectionProfile Profile, int Requests, int Warmup, TimeSpan MaxDuration, int Concurrency, string Templates, bool Network)
{
    public static LoadSettings Parse(string[] args)
    {
        string? Value(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var templates = Value("--templates") ?? Environment.GetEnvironmentVariable("OPENDUIS_TEMPLATES")
            ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/reference/duis-templates"));
        if (!Directory.Exists(templates)) throw new DirectoryNotFoundException($"RTDS templates not found at {templates}: pass --templates DIR.");
        return new LoadSettings(
            Enum.Parse<ConnectionProfile>(Value("--profile") ?? "dev", ignoreCase: true),
            Math.Clamp(Int("--requests", 30_000), 1, 1_000_000),
            Math.Clamp(Int("--warmup", 2_000), 0, 100_000),
            TimeSpan.FromSeconds(Math.Clamp(Int("--seconds", 30), 1, 120)),
            Math.Clamp(Int("--concurrency", 32), 1, 1024),
            templates,
            args.Contains("--network"));
    }
}
