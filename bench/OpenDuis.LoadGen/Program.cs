using OpenDuis.OperatorConsole;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;

// OpenDUIS load generator: signs a mix of RTDS requests for their originators, then drives an
// in-process OpenDUIS over real loopback HTTP (or the duis TLS profile) with a fixed number of
// concurrent clients, bounded in count and time, and reports requests/s and latency percentiles.
//
//   dotnet run -c Release --project bench/OpenDuis.LoadGen -- [--profile dev|duis] [--requests N]
//       [--seconds S] [--concurrency C] [--templates DIR] [--warmup N] [--network [--endpoint local|none|URL] | --no-network]
//       [--log-level Warning|Information|...]  (serve's default is Information; the server logs to the console)
//       [--console [--watch]]  (serve's composition with the operator console; --watch: an operator watching Traffic during the load)
//       [--client raw|httpclient]  (closed loop over http: a thread and socket per client, the default, or .NET's HttpClient)
//       [--rate R]  (open loop: R requests/s offered on a fixed schedule, latency from each one's due time;
//                    without it, closed loop: C clients each send the next request when answered)
//
// --network runs the emulated SM WAN as `openduis serve` does by default, so device requests are
// also answered by the emulated devices (Service Responses into the outbox) while the load runs.
// Their delivery is counted too: by default every User's response endpoint is a receiving endpoint
// in this process (https with the User's DCCKI certificate on the duis profile), so the POSTs and
// their marking as delivered run on the same cores; --endpoint URL names one outside (e.g.
// `openduis listen`); --endpoint none registers none, so the responses stay in the outbox.
//
// --url URL (once per target; --data DIR required) drives OpenDUIS nodes already running (`openduis
// serve`, or a balancer in front of several) instead of an in-process server: requests signed with the
// keys of their data folder DIR, for its Users and Devices, sent round robin over the URLs; an https
// URL is the duis profile, each User connecting with its DCCKI client certificate from DIR/dccki.
// The Users' response endpoint is still this process's listener (registered in DIR's database; the
// nodes hear of it through the change feed). With --node-pids P1,P2 the nodes' process CPU is summed
// per request, --balancer-pid P adds the balancer's; on PostgreSQL (DIR's store) what the database did
// per request is read from its statistics (bench/nodes.sh runs all of this). What the nodes allocate per request is read
// from their /metrics (openduis_process_allocated_bytes) when each --url is one node over plain HTTP.

LoadSettings settings;
try { settings = LoadSettings.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException or DirectoryNotFoundException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
var running = settings.Urls.Count > 0;
var data = running ? DataFolder.Resolve(settings.Data) : new DataFolder(Directory.CreateTempSubdirectory("openduis-loadgen-").FullName);
var clock = TimeProvider.System;
// In-process: a fresh data folder served here. Running nodes: their data folder, only read for keys and Users.
await using var host = running ? null : await DataFolderHost.OpenAsync(data, clock, initialise: true);
var keys = host?.Keys ?? data.LoadKeys();
var profile = settings.Profile;
var dccki = profile != ConnectionProfile.Duis ? null : host?.EnsureDemoDccki(clock) ?? new DcckiFiles(Path.Combine(data.Path, "dccki"));
var options = new ServerOptions
{
    Port = 0,
    Profile = profile,
    Dccki = dccki,
    MinimumLogLevel = settings.LogLevel,
};
// Running nodes run their own network (or not, as they were started): device responses are counted as they are delivered here.
var network = settings.Network && !running ? new OpenDuis.Network.EmulatedSmWanOptions() : null;
await using var target = running ? await RunningTarget.OpenAsync(data, settings) : null;

// The Users' response endpoint, registered before the server starts so delivery finds it.
long received = 0;
ResponseListener? listener = null;
Uri? endpoint = settings.Endpoint switch
{
    "none" => null,
    "local" => null,
    var url => new Uri(url, UriKind.Absolute),
};
if ((network is not null || running) && settings.Endpoint == "local")
{
    var tls = profile == ConnectionProfile.Duis ? EndpointTls.Load(dccki!, OpenDuis.Core.Demo.DemoEnvironment.Supplier) : null;
    listener = await ResponseListener.StartAsync(System.Net.IPAddress.Loopback, 0, _ =>
    {
        Interlocked.Increment(ref received);
        return ValueTask.FromResult(200);
    }, tls: tls);
    endpoint = new Uri(listener.Address, "/duis/responses");
    // The listener keeps each accepted message for its reader: drain them so memory stays flat.
    _ = Task.Run(async () => { await foreach (var _ in listener.Received.ReadAllAsync()) { } });
}
// Disposed after the server (declared before it), so delivery never meets a closed endpoint.
await using var endpointScope = listener;
if (network is not null && endpoint is not null)
    foreach (var user in OpenDuis.Core.Demo.DemoEnvironment.Users)
        if (await host!.Store.FindUserAsync(user.Id) is { } found)
            await host.Cache.SaveUserAsync(found with { ResponseEndpoint = endpoint });
if (target is not null && endpoint is not null) await target.RegisterEndpointAsync(endpoint);
// --console composes the server as serve does, with the operator console recording the traffic; --watch
// also watches it during the load as an operator would: the Traffic page reloaded every second, its live stream open.
await using var server = running ? null : await DuisServer.StartAsync(options, s =>
{
    var openDuis = s.AddOpenDuis(host!).AddAnomalyDetection();
    if (network is not null) openDuis.AddSmWan(o => o.Network = network);
    if (settings.Console) openDuis.AddOperatorConsole(new OpenDuis.OperatorConsole.ConsoleOptions(host!.Folder.Path, host.Store.Description));
});
// Where request k goes: the one in-process server, or the running targets in turn.
Uri[] bases = server is null ? [.. settings.Urls] : [server.BaseAddress];

var security = new DuisSecurity(keys);
var templates = Directory.EnumerateFiles(settings.Templates).Order(StringComparer.Ordinal)
    .Select(f => DuisRequest.Read(security.Load(File.ReadAllBytes(f))))
    .Where(r => keys.FindXmlSigningKey(r.RequestId.Originator) is not null)
    // Non-Device requests that change the inventory (8.3 Decommission, 8.4, 8.14.x, 12.2, the 5.x
    // schedules) would change the state the rest of the mix runs against: device requests and 8.2 only.
    .Where(r => r.Definition is { NonDevice: false } || r.ServiceReferenceVariant.ToString() == "8.2")
    .ToList();
Console.WriteLine($"OpenDUIS {string.Join(" ", bases.Select(b => b.ToString()))} ({(running ? "running, " : "")}{profile.ToString().ToLowerInvariant()} profile); {templates.Count} RTDS templates in the mix; {Environment.ProcessorCount} cores");

var total = settings.Warmup + settings.Requests;
var signing = Stopwatch.StartNew();
var counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
var signed = new (Uri Uri, byte[] Body, Eui Originator)[total];
// One Uri per target and web service, shared by every request sent to it.
var serviceUris = bases.Select(b => Enum.GetValues<WebService>().ToDictionary(s => s, s => new Uri(b, s.Path()))).ToArray();
Parallel.For(0, total, i =>
{
    var t = templates[i % templates.Count];
    var id = t.RequestId with { Counter = counter + (ulong)i };
    var request = new DuisRequest(t.SchemaVersion, id, t.CommandVariant, t.ServiceReference, t.ServiceReferenceVariant, t.Body, t.FirstInSequence, t.PrecedingRequestId);
    var body = security.SignAndSerialise(request.ToXmlDocument(), keys.FindXmlSigningKey(id.Originator)!);
    signed[i] = (serviceUris[i % serviceUris.Length][t.CommandVariant.WebService()], body, id.Originator);
});
// The signed bodies are packed into a few large arrays: hundreds of thousands of small ones would stay
// live in the server's heap for the whole run and make every full collection mark them.
var work = new (Uri Uri, int Chunk, int Offset, int Length, Eui Originator)[total];
var chunks = new List<byte[]>();
{
    const int ChunkSize = 256 * 1024 * 1024;
    var chunk = Array.Empty<byte>();
    var used = 0;
    for (var i = 0; i < total; i++)
    {
        var body = signed[i].Body;
        if (used + body.Length > chunk.Length)
        {
            chunk = GC.AllocateUninitializedArray<byte>(Math.Max(ChunkSize, body.Length));
            chunks.Add(chunk);
            used = 0;
        }
        body.CopyTo(chunk, used);
        work[i] = (signed[i].Uri, chunks.Count - 1, used, body.Length, signed[i].Originator);
        used += body.Length;
        signed[i] = default;
    }
}
signed = null;
GC.Collect();
Console.WriteLine($"Signed {total} requests in {signing.Elapsed.TotalSeconds:F1} s (not measured)");

// On the duis profile each User connects with its own DCCKI client certificate: the server answers
// E100 to a request signed by one User and sent over a connection authenticated as another.
HttpClient NewClient(Eui user)
{
    HttpMessageHandler handler = profile == ConnectionProfile.Duis ? DuisTlsProfile.CreateClientHandler(dccki!, user) : new SocketsHttpHandler();
    if (handler is SocketsHttpHandler sockets) sockets.MaxConnectionsPerServer = settings.Concurrency;
    return new HttpClient(handler);
}
var clients = profile == ConnectionProfile.Duis
    ? templates.Select(t => t.RequestId.Originator).Distinct().ToDictionary(u => u, NewClient)
    : null;
using var shared = NewClient(OpenDuis.Core.Demo.DemoEnvironment.Supplier);
HttpClient ClientFor(Eui user) => clients?[user] ?? shared;
var xml = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };

// Latency runs from `intended` when given: in the open-loop mode a request delayed behind a pause is
// charged from the moment it was due, not from when a client got round to sending it.
async Task<(long Ticks, string Code)> SendAsync(int i, long? intended = null)
{
    var started = intended ?? Stopwatch.GetTimestamp();
    using var content = new ByteArrayContent(chunks[work[i].Chunk], work[i].Offset, work[i].Length);
    content.Headers.ContentType = xml;
    using var request = new HttpRequestMessage(HttpMethod.Post, work[i].Uri) { Content = content };
    using var response = await ClientFor(work[i].Originator).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    // The answer is read into a pooled buffer: the client shares the process whose allocation is reported.
    var answer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
    try
    {
        await using var stream = await response.Content.ReadAsStreamAsync();
        var length = 0;
        for (int read; (read = await stream.ReadAsync(answer.AsMemory(length))) > 0;)
        {
            length += read;
            if (length == answer.Length)
            {
                var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(answer.Length * 2);
                answer.AsSpan(0, length).CopyTo(bigger);
                System.Buffers.ArrayPool<byte>.Shared.Return(answer);
                answer = bigger;
            }
        }
        var elapsed = Stopwatch.GetTimestamp() - started;
        return (elapsed, CodeOf(answer.AsSpan(0, length)) ?? $"HTTP{(int)response.StatusCode}");
    }
    finally
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(answer);
    }
}

// The answer's Response Code, found in its bytes: the load generator shares the server's cores, so it
// does not decode a string or run a regular expression per answer.
static string? CodeOf(ReadOnlySpan<byte> answer)
{
    ReadOnlySpan<byte> open = "<sr:ResponseCode>"u8;
    var at = answer.IndexOf(open);
    if (at < 0) return null;
    var rest = answer[(at + open.Length)..];
    var end = rest.IndexOf((byte)'<');
    if (end < 0) return null;
    // The usual codes without a string each.
    foreach (var known in AnswerCodes.Usual)
        if (rest[..end].SequenceEqual(known.Bytes)) return known.Code;
    return System.Text.Encoding.ASCII.GetString(rest[..end]);
}

// The closed loop over plain HTTP: each client a thread of its own with its kept-alive connections (RawHttpConnection).
var raw = !settings.UseHttpClient && profile == ConnectionProfile.Dev && settings.Rate is null;
var rawClients = new RawClient?[settings.Concurrency];
var next = -1;
(long Ticks, string Code) SendRaw(RawClient client, int i)
{
    var started = Stopwatch.GetTimestamp();
    var (status, answer) = client.Post(work[i].Uri, chunks[work[i].Chunk].AsSpan(work[i].Offset, work[i].Length));
    var elapsed = Stopwatch.GetTimestamp() - started;
    return (elapsed, CodeOf(answer.Span) ?? $"HTTP{status}");
}
// Runs the closed loop's clients until `more` says stop: each sends its next request when answered.
Task ClosedLoop(Func<int, bool> more, Action<(long Ticks, string Code)>? record) => raw
    ? Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(c => Task.Factory.StartNew(() =>
    {
        var client = rawClients[c] ??= new RawClient();
        int i;
        while (more(i = Interlocked.Increment(ref next)))
        {
            var result = SendRaw(client, i);
            record?.Invoke(result);
        }
    }, TaskCreationOptions.LongRunning)))
    : Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
    {
        int i;
        while (more(i = Interlocked.Increment(ref next)))
        {
            var result = await SendAsync(i);
            record?.Invoke(result);
        }
    }));
Console.WriteLine(raw ? "Client: one thread and kept-alive connection per client, one send per request (--client httpclient: .NET's HttpClient)"
    : "Client: .NET's HttpClient");

// Warm-up, not measured: connection set-up and the JIT's tiering, which on two shared cores is still
// recompiling hot methods 20 s into a run (30,000 requests by default, about 10 s).
await ClosedLoop(i => i < settings.Warmup, null);
// The warm-up's device responses are answered and delivered before the clock starts, so the
// measured run pays only for its own (at most 60 s).
if (target is not null && endpoint is not null && settings.Warmup > 0)
{
    var settling = Stopwatch.StartNew();
    while (await target.CountUndeliveredAsync() > 0 && settling.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Warm-up of {settings.Warmup} requests delivered; settled in {settling.Elapsed.TotalSeconds:F1} s (not measured)"));
}
if (network is not null && settings.Warmup > 0)
{
    var smWan = server!.Services.GetRequiredService<OpenDuis.Network.EmulatedSmWan>();
    var settling = Stopwatch.StartNew();
    while ((smWan.Queued > 0 || (endpoint is not null && await host!.Outbox.CountUndeliveredAsync() > 0)) && settling.Elapsed < TimeSpan.FromSeconds(60))
        await Task.Delay(100);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Warm-up of {settings.Warmup} requests answered and delivered; settled in {settling.Elapsed.TotalSeconds:F1} s (not measured)"));
}

// The floor, measured now on one thread: one ECDSA-P256 verify (the request) and one sign (the answer).
var floorMicroseconds = EcdsaFloor.Measure();
var latencies = new long[settings.Requests];
var codes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
var completed = 0;
next = settings.Warmup - 1;
using var allocationSampler = AllocationSampler.StartIfAsked();
allocationSampler?.Begin();
var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var allocatedBefore = GC.GetTotalAllocatedBytes();
var pausedBefore = GC.GetTotalPauseDuration();
int[] CollectionCounts() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
var collectionsBefore = CollectionCounts();
var (jitMethodsBefore, jitTimeBefore) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
var viewer = settings.Console && settings.Watch && settings.Profile == ConnectionProfile.Dev && server is not null ? new ConsoleViewer(new Uri(server.BaseAddress, "/ui/")) : null;
// The network's and the endpoint's counters run from start: the warm-up's share is taken off.
var respondedBefore = network is null ? 0 : server!.Services.GetRequiredService<OpenDuis.Network.EmulatedSmWan>().Responded;
var receivedBefore = Interlocked.Read(ref received);
var targetBefore = target is null ? null : await target.SnapshotAsync(database: true);
var deadline = Stopwatch.StartNew();
void Record((long Ticks, string Code) result)
{
    latencies[Interlocked.Increment(ref completed) - 1] = result.Ticks;
    codes.AddOrUpdate(result.Code, 1, (_, n) => n + 1);
}
if (settings.Rate is { } rate)
{
    // Open loop: request k is due at start + k/rate whatever happened to the ones before it, so a
    // stall shows in the percentiles of every request that fell due during it (no coordinated omission).
    var start = Stopwatch.GetTimestamp();
    var inFlight = 0;
    Exception? failure = null;
    var k = 0;
    while (k < settings.Requests && deadline.Elapsed < settings.MaxDuration && failure is null)
    {
        var now = Stopwatch.GetTimestamp();
        for (long due; k < settings.Requests && (due = start + (long)(k * (double)Stopwatch.Frequency / rate)) <= now; k++)
        {
            var (i, intended) = (settings.Warmup + k, due);
            Interlocked.Increment(ref inFlight);
            _ = Task.Run(async () =>
            {
                try { Record(await SendAsync(i, intended)); }
                catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
                finally { Interlocked.Decrement(ref inFlight); }
            });
        }
        await Task.Delay(1);
    }
    while (Volatile.Read(ref inFlight) > 0) await Task.Delay(5);
    if (failure is not null) throw new InvalidOperationException("A request of the open-loop run failed.", failure);
}
else
    await ClosedLoop(i => i < total && deadline.Elapsed < settings.MaxDuration, Record);
var elapsedAll = deadline.Elapsed;
var targetAtEnd = target is null ? null : await target.SnapshotAsync(database: false);
allocationSampler?.End();
var viewed = viewer is null ? null : await viewer.StopAsync();
var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
var paused = GC.GetTotalPauseDuration() - pausedBefore;
var collections = CollectionCounts().Zip(collectionsBefore, (after, before) => after - before).ToArray();
var (jitMethods, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethodsBefore, System.Runtime.JitInfo.GetCompilationTime() - jitTimeBefore);

var measured = latencies.AsSpan(0, completed).ToArray();
Array.Sort(measured);
double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
double Percentile(double p) => Ms(measured[Math.Min(measured.Length - 1, (int)Math.Ceiling(p * measured.Length) - 1)]);
var driven = settings.Rate is { } offered
    ? $"offered at {offered}/s (open loop, up to {settings.Concurrency} connections)"
    : $"with {settings.Concurrency} concurrent clients";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{completed} requests in {elapsedAll.TotalSeconds:F2} s {driven}: {completed / elapsedAll.TotalSeconds:F0} requests/s; " +
    $"latency p50 {Percentile(0.50):F2} ms, p90 {Percentile(0.90):F2} ms, p99 {Percentile(0.99):F2} ms, max {Ms(measured[^1]):F2} ms"));
// CPU time of this process (server, network, delivery and load generator) per request: less
// sensitive to other work on the machine than the rate, which it bounds (2 cores / CPU per request).
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Process CPU {cpuUsed.TotalSeconds:F1} s over {elapsedAll.TotalSeconds:F1} s ({cpuUsed / elapsedAll:F2} cores): {cpuUsed.TotalMicroseconds / completed:F0} µs per request; " +
    $"load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a")}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ECDSA-P256 floor (one verify + one sign, one thread, measured before the load): {floorMicroseconds:F1} µs; CPU per request {cpuUsed.TotalMicroseconds / completed / floorMicroseconds:F1} × the floor"));
// The whole process's allocation (in process: server, network, delivery, endpoint and load generator; with --url the
// load generator's alone, the targets' own from their /metrics below), and the GC's pauses.
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"GC ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}{(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? ", non-concurrent" : "")}): " +
    $"{allocated / 1024.0 / completed:F0} KB allocated per request, {collections[0]} collections (gen1 {collections[1]}, gen2 {collections[2]}), paused {paused.TotalMilliseconds:F0} ms ({paused / elapsedAll:P1} of the run)"));
// Methods still compiled (tiered up, or met for the first time, e.g. the console's pages) during the load.
// Dynamic PGO as configured (runtimeconfig), unless DOTNET_TieredPGO overrides it for a comparison run.
var pgo = Environment.GetEnvironmentVariable("DOTNET_TieredPGO") is { } pgoVariable ? pgoVariable != "0"
    : AppContext.GetData("System.Runtime.TieredPGO") is not (false or "false");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"JIT (dynamic PGO {(pgo ? "on" : "off")}): {jitMethods} methods compiled during the load, {jitTime.TotalMilliseconds:F0} ms"));
if (Environment.GetEnvironmentVariable("LOADGEN_GC_DETAIL") is not null)
    foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
    {
        var info = GC.GetGCMemoryInfo(kind);
        if (info.Index == 0) continue;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  last {kind} GC: gen{info.Generation}, heap {info.HeapSizeBytes / 1048576} MB, promoted {info.PromotedBytes / 1048576.0:F1} MB, pause {string.Join("+", info.PauseDurations.ToArray().Select(p => p.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)))} ms, " +
            $"generations {string.Join("/", info.GenerationInfo.ToArray().Select(g => (g.SizeAfterBytes / 1048576).ToString(CultureInfo.InvariantCulture)))} MB after"));
    }
if (allocationSampler is not null) Console.WriteLine("Allocations sampled by type:" + Environment.NewLine + allocationSampler.Report(completed));
if (host is not null) Console.WriteLine($"Request log: {host.RequestLog.Pending} changes waiting to be written when the load ended");
if (settings.Console)
{
    var log = server!.Services.GetRequiredService<OpenDuis.OperatorConsole.Traffic.TrafficLog>();
    Console.WriteLine("Console: " + (viewed ?? "nobody watching") + string.Create(CultureInfo.InvariantCulture, $"; the Traffic log saw {log.Seen} messages and recorded {log.Last}"));
}
Console.WriteLine("Answers: " + string.Join(", ", codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
if (network is not null)
{
    var smWan = server!.Services.GetRequiredService<OpenDuis.Network.EmulatedSmWan>();
    var responded = smWan.Responded - respondedBefore;
    var waiting = await host!.Outbox.CountUndeliveredAsync();
    var deliveredInRun = Interlocked.Read(ref received) - receivedBefore;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Emulated SM WAN: {responded} Service Responses written to the outbox during the load ({responded / elapsedAll.TotalSeconds:F0}/s); " +
        $"{waiting} messages undelivered and {smWan.Queued} commands queued in the network when it ended"));
    if (endpoint is null)
        Console.WriteLine("No response endpoint registered: every Service Response stays in the outbox (delivery is attempted and rescheduled with back-off).");
    else
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Delivered to {endpoint}: {deliveredInRun} during the load ({deliveredInRun / elapsedAll.TotalSeconds:F0}/s)"));
        // How long the outbox takes to drain once the load stops (at most 30 s).
        var draining = Stopwatch.StartNew();
        while (waiting > 0 && draining.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
            waiting = await host.Outbox.CountUndeliveredAsync();
        }
        // Counting the drain too, each run pays for delivering everything it produced.
        var cpuWithDrain = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Outbox drained to {waiting} in {draining.Elapsed.TotalSeconds:F1} s after the load; {smWan.Responded - respondedBefore} responses to the measured requests; " +
            $"process CPU including the drain {cpuWithDrain.TotalMicroseconds / completed:F0} µs per request"));
    }
}
if (target is not null)
{
    if (endpoint is not null)
    {
        var deliveredInRun = Interlocked.Read(ref received) - receivedBefore;
        // Delivered after the load too: the Service Responses of the measured requests that were still on their way.
        var draining = Stopwatch.StartNew();
        long waiting;
        while ((waiting = await target.CountUndeliveredAsync()) > 0 && draining.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Delivered to {endpoint}: {deliveredInRun} during the load ({deliveredInRun / elapsedAll.TotalSeconds:F0}/s), {Interlocked.Read(ref received) - receivedBefore} with the drain; outbox drained to {waiting} in {draining.Elapsed.TotalSeconds:F1} s after it"));
    }
    var drained = await target.SnapshotAsync(database: true);
    foreach (var line in target.Describe(targetBefore!, targetAtEnd!, drained, completed, elapsedAll, cpuUsed)) Console.WriteLine(line);
}
foreach (var client in clients?.Values ?? Enumerable.Empty<HttpClient>()) client.Dispose();
foreach (var client in rawClients) client?.Dispose();
if (!running) try { Directory.Delete(data.Path, true); } catch (IOException) { }
return 0;

internal sealed record LoadSettings(ConnectionProfile Profile, int Requests, int Warmup, TimeSpan MaxDuration, int Concurrency, string Templates, bool Network, string Endpoint, bool Console, bool Watch,
    LogLevel LogLevel, int? Rate, bool UseHttpClient)
{
    /// <summary>Running OpenDUIS nodes (or their balancer) to drive instead of an in-process server.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>The running nodes' data folder (keys, DCCKI, Users, database).</summary>
    public string? Data { get; init; }

    public IReadOnlyList<int> NodePids { get; init; } = [];
    public int? BalancerPid { get; init; }

    public static LoadSettings Parse(string[] args)
    {
        string? Value(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        IEnumerable<string> Values(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length).Select(x => args[x.i + 1]);
        var urls = Values("--url").Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri : throw new ArgumentException($"--url {u}: an absolute http or https URL is required.")).ToList();
        if (urls.Select(u => u.Scheme).Distinct().Count() > 1) throw new ArgumentException("--url: all targets http (dev profile) or all https (duis profile).");
        if (urls.Count > 0 && Value("--data") is null) throw new ArgumentException("--url needs --data DIR: the running nodes' data folder, for its keys and Users.");
        static int Pid(string p) => int.Parse(p, CultureInfo.InvariantCulture);
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var templates = Value("--templates") ?? Environment.GetEnvironmentVariable("OPENDUIS_TEMPLATES")
            ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/reference/duis-templates"));
        if (!Directory.Exists(templates)) throw new DirectoryNotFoundException($"RTDS templates not found at {templates}: pass --templates DIR.");
        return new LoadSettings(
            urls is [] ? Enum.Parse<ConnectionProfile>(Value("--profile") ?? "dev", ignoreCase: true) : urls[0].Scheme == "https" ? ConnectionProfile.Duis : ConnectionProfile.Dev,
            Math.Clamp(Int("--requests", 30_000), 1, 1_000_000),
            Math.Clamp(Int("--warmup", 30_000), 0, 200_000),
            TimeSpan.FromSeconds(Math.Clamp(Int("--seconds", 30), 1, 120)),
            Math.Clamp(Int("--concurrency", 32), 1, 1024),
            templates,
            // --no-network: the acknowledgement path alone (the default; named so a command line says which it ran).
            args.Contains("--network") && !args.Contains("--no-network"),
            Value("--endpoint") ?? "local",
            args.Contains("--console"),
            args.Contains("--watch"),
            Enum.Parse<LogLevel>(Value("--log-level") ?? "Warning", ignoreCase: true),
            Value("--rate") is { } rate ? Math.Clamp(int.Parse(rate, CultureInfo.InvariantCulture), 1, 100_000) : null,
            Value("--client") switch { null or "raw" => false, "httpclient" => true, _ => throw new ArgumentException("--client raw|httpclient.") })
        {
            Urls = urls,
            Data = Value("--data"),
            NodePids = (Value("--node-pids") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Pid).ToList(),
            BalancerPid = Value("--balancer-pid") is { } balancer ? Pid(balancer) : null,
        };
    }
}

internal static class AnswerCodes
{
    public static readonly (string Code, byte[] Bytes)[] Usual =
        [.. new[] { "I99", "I0", "E1", "E2", "E11", "E13", "E55", "E100" }.Select(c => (c, System.Text.Encoding.ASCII.GetBytes(c)))];
}

/// <summary>The work no implementation can avoid per request: one ECDSA-P256 verify and one sign, timed on one thread.</summary>
internal static class EcdsaFloor
{
    public static double Measure(int rounds = 4_000)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var hash = System.Security.Cryptography.SHA256.HashData("OpenDUIS"u8);
        var signature = key.SignHash(hash);
        for (var i = 0; i < rounds / 10; i++) { key.VerifyHash(hash, signature); key.SignHash(hash); }
        // This thread's CPU time: not wall time, which other work on a shared machine inflates, nor the process's,
        // which also counts the server's threads still busy after the warm-up (the JIT's tiering, the request log).
        Func<TimeSpan> cpu = OpenDuis.Bench.ThreadCpuTime.Available ? OpenDuis.Bench.ThreadCpuTime.Now : () => Process.GetCurrentProcess().TotalProcessorTime;
        var started = cpu();
        for (var i = 0; i < rounds; i++) { key.VerifyHash(hash, signature); key.SignHash(hash); }
        return (cpu() - started).TotalMicroseconds / rounds;
    }
}
