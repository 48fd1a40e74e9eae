using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Storage;
using OpenDuis.TestSupport;
using static OpenDuis.TestSupport.ServedRequests;

namespace OpenDuis.Cli.Tests.Requests;

/// <summary>
/// Nothing acknowledged is lost to a crash: a real <c>openduis serve</c> with slow devices (answering
/// after 4 s, so that most commands still wait at the kill even on a busy machine) acknowledges 300 device requests I99, is killed (SIGKILL) while most of their commands still
/// wait, and is started again on the same data folder. Every acknowledged request's Service Response
/// (or its failure alert) then reaches the User's listener, duplicates allowed and dropped by
/// Request ID, none lost; the Request IDs are free again (no E55); and a SMETS1 request acknowledged
/// before the crash still bars a replay with E63. On SQLite and on PostgreSQL.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncDisposable
{
    private const int Requests = 300;
    private const string DeviceLatency = "4000";
    private static readonly Eui Smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly OpenduisProcesses _cli = new("openduis-crash-");
    private string? _pgAdmin, _pgSchema;

    public async ValueTask DisposeAsync()
    {
        await _cli.DisposeAsync();
        if (_pgAdmin is not null) await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
    }

    [Fact]
    public Task On_SQLite_every_acknowledged_request_is_answered_after_a_kill_and_a_SMETS1_replay_is_E63() => CrashAndRecoverAsync();

    [Fact]
    public async Task On_PostgreSQL_every_acknowledged_request_is_answered_after_a_kill_and_a_SMETS1_replay_is_E63()
    {
        (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        await CrashAndRecoverAsync("--postgres", new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString());
    }

    private async Task CrashAndRecoverAsync(params string[] initArgs)
    {
        var (code, output) = await _cli.RunAsync(["init", "--data", _cli.Data, .. initArgs]);
        Assert.True(code == 0, output);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(code == 0, output);
        var keys = KeyStore.Load(new DataFolder(_cli.Data).ReadSettings().Keys ?? new DataFolder(_cli.Data).DefaultKeysPath);
        var security = new DuisSecurity(keys);
        var supplierKey = keys.FindXmlSigningKey(DemoEnvironment.Supplier)!;
        var counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        byte[] Sign(Eui device, ulong c) => security.SignAndSerialise(Read411(DemoEnvironment.Supplier, device, c).ToXmlDocument(), supplierKey);

        // Received by the listener, by Request ID: a Service Response or a DCC Alert naming the request.
        var answered = new ConcurrentDictionary<RequestId, int>();
        using var stopListening = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(stopListening.Token))
            {
                var document = SecureXml.Default.Load(message.Body);
                Assert.True(DuisSignatureVerifier.Verify(document, keys, RemotePartyRole.DspXmlSign).IsValid);
                if (DuisResponse.Read(document).RequestId is { } id) answered.AddOrUpdate(id, 1, (_, n) => n + 1);
            }
        }, CancellationToken.None);

        var port = OpenduisProcesses.FreePort();
        // Restarted under its name, a node takes its own commands back at once (another name waits for their lease to run out).
        var serve = await _cli.ServeAsync(port, "--device-latency", DeviceLatency, "--node", "crashed-node");
        using var http = new HttpClient();
        var acknowledged = new ConcurrentBag<RequestId>();
        var bodies = Enumerable.Range(0, Requests).Select(i => (Id: new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, counter + (ulong)i),
            Body: Sign(DemoEnvironment.Esme, counter + (ulong)i))).ToList();
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (r, ct) =>
        {
            if (await PostAsync(http, port, r.Body, ct) == ResponseCode.I99) acknowledged.Add(r.Id);
        });
        var smets1Counter = counter + Requests + 10;
        var smets1 = Sign(Smets1Esme, smets1Counter);
        Assert.Equal(ResponseCode.I99, await PostAsync(http, port, smets1, Ct));
        serve.Kill(entireProcessTree: true); // SIGKILL: nothing is flushed
        await serve.WaitForExitAsync(Ct);
        Assert.Equal(Requests, acknowledged.Count);
        var answeredBeforeTheCrash = acknowledged.Count(answered.ContainsKey);
        Assert.True(answeredBeforeTheCrash < Requests / 2, $"{answeredBeforeTheCrash} of {Requests} were answered before the kill: too few were still waiting");

        port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port, "--device-latency", DeviceLatency, "--node", "crashed-node");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (acknowledged.Any(id => !answered.ContainsKey(id)) && DateTime.UtcNow < deadline) await Task.Delay(200, Ct);
        var lost = acknowledged.Where(id => !answered.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {Requests} acknowledged requests never answered after the restart ({answeredBeforeTheCrash} answered before the kill), e.g. {lost.FirstOrDefault()}");

        // Ended after the restart, so their Request IDs are no longer in process: no E55.
        var again = bodies[^1];
        Assert.Equal(ResponseCode.I99, await PostAsync(http, port, again.Body, Ct));
        // The SMETS1 counter committed before its I99 survives the kill (E63): a lower counter, and the same request once answered.
        Assert.Equal(ResponseCode.E63, await PostAsync(http, port, Sign(Smets1Esme, smets1Counter - 1), Ct));
        var smets1Id = new RequestId(DemoEnvironment.Supplier, Smets1Esme, smets1Counter);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!answered.ContainsKey(smets1Id) && DateTime.UtcNow < deadline) await Task.Delay(200, Ct);
        Assert.True(answered.ContainsKey(smets1Id), "the SMETS1 request acknowledged before the kill was never answered");
        Assert.Equal(ResponseCode.E63, await PostAsync(http, port, smets1, Ct));
        await stopListening.CancelAsync();
        await listening.ContinueWith(_ => { }, CancellationToken.None);
    }
}
