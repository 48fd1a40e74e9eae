using System.Buffers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The whole door, as a User meets it: a signed device request POSTed over real loopback HTTP to
/// OpenDUIS in this process (Kestrel, the bounded body read, the one-pass read and verify, E13/E55,
/// access control against the demo data folder's SMI, the request log's entry committed to SQLite
/// before the I99, the I99 signed and written), <see cref="Concurrency"/> at a time as the load
/// generator's clients send them; without the emulated SM WAN (the acknowledgement path). Beside it,
/// in the same run, the floor: one raw ECDSA-P256 verify and one sign. Per request; the allocation
/// is the whole process's (server and client), as the load generator reports it.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*DoorHttp*' --job short
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class DoorHttpBenchmarks
{
    private const int Batch = 2048;
    private const int Concurrency = 32;
    private static readonly MediaTypeHeaderValue Xml = new("application/xml") { CharSet = "utf-8" };

    private DataFolderHost _host = null!;
    private DuisServer _server = null!;
    private HttpClient _http = null!;
    private DuisSecurity _security = null!;
    private DuisRequest _template = null!;
    private Uri _uri = null!;
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private readonly byte[][] _requests = new byte[Batch][];
    private ECDsa _key = null!;
    private byte[] _hash = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var folder = new DataFolder(Directory.CreateTempSubdirectory("openduis-door-http-").FullName);
        _host = await DataFolderHost.OpenAsync(folder, TimeProvider.System, initialise: true);
        _server = await DuisServer.StartAsync(new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning },
            s => s.AddOpenDuis(_host).AddAnomalyDetection());
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency });
        _security = new DuisSecurity(_host.Keys);
        // The first RTDS device request, in file order, that a demo User signs and OpenDUIS acknowledges I99.
        foreach (var file in Directory.EnumerateFiles(ReferenceData.Templates).Order(StringComparer.Ordinal))
        {
            var candidate = DuisRequest.Read(_security.Load(File.ReadAllBytes(file)));
            if (candidate.Definition is not { NonDevice: false } || _host.Keys.FindXmlSigningKey(candidate.RequestId.Originator) is null) continue;
            (_template, _uri) = (candidate, _server.ServiceUri(candidate.CommandVariant.WebService()));
            if (await SendAsync(Sign()) == "I99") break;
            _template = null!;
        }
        if (_template is null) throw new InvalidOperationException("No RTDS device request is acknowledged I99 by the demo data folder.");

        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _hash = SHA256.HashData("OpenDUIS"u8);
        _signature = _key.SignHash(_hash);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        var path = _host.Folder.Path;
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(path, recursive: true);
        _key.Dispose();
    }

    private byte[] Sign()
    {
        var t = _template;
        var request = new DuisRequest(t.SchemaVersion, t.RequestId with { Counter = ++_counter }, t.CommandVariant, t.ServiceReference,
            t.ServiceReferenceVariant, t.Body, t.FirstInSequence, t.PrecedingRequestId);
        return _security.SignAndSerialise(request.ToXmlDocument(), _host.Keys.FindXmlSigningKey(t.RequestId.Originator)!);
    }

    private async Task<string> SendAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Xml;
        using var response = await _http.PostAsync(_uri, content);
        var answer = await response.Content.ReadAsByteArrayAsync();
        var at = answer.AsSpan().IndexOf("<sr:ResponseCode>"u8);
        return at < 0 ? $"HTTP {(int)response.StatusCode}" : System.Text.Encoding.ASCII.GetString(answer.AsSpan(at + 17, answer.AsSpan(at + 17).IndexOf((byte)'<')));
    }

    /// <summary>Each iteration's requests are signed with fresh Request IDs before it starts (not measured).</summary>
    [IterationSetup(Target = nameof(Door))]
    public void SignBatch()
    {
        for (var i = 0; i < Batch; i++) _requests[i] = Sign();
    }

    /// <summary>One request through the whole door (HTTP, admission, the request log, the signed I99).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Door()
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Batch)
            {
                using var content = new ByteArrayContent(_requests[i]);
                content.Headers.ContentType = Xml;
                using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = content };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                // Read to the end into a pooled buffer, so the client allocates no answer of its own.
                var buffer = ArrayPool<byte>.Shared.Rent(4096);
                await using (var stream = await response.Content.ReadAsStreamAsync())
                    while (await stream.ReadAsync(buffer) > 0) { }
                ArrayPool<byte>.Shared.Return(buffer);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
            }
        }));
    }

    /// <summary>The floor: one ECDSA-P256 verify over a SHA-256 hash.</summary>
    [Benchmark]
    public bool EcdsaVerify() => _key.VerifyHash(_hash, _signature);

    /// <summary>The floor: one ECDSA-P256 signature of a SHA-256 hash.</summary>
    [Benchmark]
    public byte[] EcdsaSign() => _key.SignHash(_hash);
}
