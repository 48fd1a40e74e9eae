using System.Security.Cryptography;
using System.Xml;
using Microsoft.Extensions.Time.Testing;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Gbcs;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Smi;
using OpenDuis.TestSupport;

namespace OpenDuis.Network.Tests;

/// <summary>
/// An emulated SM WAN over real parts: a SQLite inventory seeded with the demo environment, the
/// SQLite outbox, the ZAZ1 DSP key, and a clock the test moves. Responses are read back from the
/// outbox, their DSP signature verified and their body checked against the 5.4 XSD.
/// </summary>
internal sealed class Emulator : IAsyncDisposable
{
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    public static readonly Lazy<KeyStore> Keys = new(() => KeyStore.Load(RepoPaths.Keystore));
    private static readonly Lazy<DuisSchemas> Schemas = new(() => DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));

    public required string Directory { get; init; }
    public required SqliteSmiStore Store { get; init; }
    public required SqliteOutboxStore Outbox { get; init; }
    public required FakeTimeProvider Clock { get; init; }
    public required InProcessRequests InProcess { get; init; }
    public required EmulatedSmWan Network { get; init; }
    public required EmulatedSmWanOptions Options { get; init; }

    public static async Task<Emulator> StartAsync(EmulatedSmWanOptions? options = null, ICommandOutcomePolicy? policy = null,
        Func<IOutboxStore, IOutboxStore>? outboxWrapper = null, Core.Transactions.StorageHealth? health = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("openduis-network-").FullName;
        var database = Path.Combine(directory, "openduis.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var store = await SqliteSmiStore.OpenAsync(database);
        await DemoEnvironment.SeedAsync(store);
        var outbox = await SqliteOutboxStore.OpenAsync(database, clock);
        var inProcess = new InProcessRequests(clock, TimeSpan.FromMinutes(5));
        options ??= new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(50) };
        var network = new EmulatedSmWan(options, store, outboxWrapper is null ? outbox : outboxWrapper(outbox),
            Keys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!, clock, policy, health: health);
        network.Start();
        return new Emulator { Directory = directory, Store = store, Outbox = outbox, Clock = clock, InProcess = inProcess, Network = network, Options = options };
    }

    /// <summary>An RTDS template with a Request ID counter of its own, read as the request path reads it.</summary>
    public static DuisRequest Template(string fileName, Action<XmlDocument>? edit = null)
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.Load(Path.Combine(RepoPaths.Templates, fileName));
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        var id = doc.SelectSingleNode("/sr:Request/sr:Header/sr:RequestID", ns)!;
        id.InnerText = (RequestId.Parse(id.InnerText) with { Counter = (ulong)Interlocked.Increment(ref _counter) }).ToString();
        edit?.Invoke(doc);
        return DuisRequest.Read(doc);
    }

    /// <summary>Hands the request to the network, with the lease the request path would carry (none: untracked).</summary>
    public ValueTask<DeviceAcceptance> AcceptAsync(DuisRequest request, RequestLease? lease = null) =>
        Network.AcceptAsync(new DeviceCommand(request, request.RequestId.Originator, Clock.GetUtcNow()) { Lease = lease ?? RequestLease.Untracked(request.RequestId) },
            TestContext.Current.CancellationToken);

    /// <summary>
    /// Lets the SM WAN's latency pass and returns the next <paramref name="count"/> Service Responses
    /// from the outbox, each verified (DSP xmlSign signature) and valid against the DUIS XSD.
    /// </summary>
    public async Task<List<DuisResponse>> ResponsesAsync(int count, TimeSpan? within = null)
    {
        var responses = new List<DuisResponse>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (responses.Count < count && DateTime.UtcNow < deadline)
        {
            Clock.Advance(Options.Latency + TimeSpan.FromMilliseconds(1));
            foreach (var pending in await Outbox.LeaseDueAsync(Clock.GetUtcNow(), TimeSpan.FromMinutes(1), 100, TestContext.Current.CancellationToken))
            {
                responses.Add(Verified(pending.Body));
                await Outbox.MarkDeliveredAsync(pending.Sequence, Clock.GetUtcNow(), TestContext.Current.CancellationToken);
            }
            if (responses.Count < count) await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.True(responses.Count == count, $"{responses.Count} responses in the outbox, expected {count}");
        return responses;
    }

    public static DuisResponse Verified(byte[] body)
    {
        var security = new DuisSecurity(Keys.Value);
        var doc = security.Load(body);
        var verification = security.Verify(doc, RemotePartyRole.DspXmlSign);
        Assert.True(verification.IsValid, verification.ToString());
        var valid = Schemas.Value.Validate(doc);
        Assert.True(valid.IsValid, valid.ToString());
        return DuisResponse.Read(doc);
    }

    /// <summary>The GBCS message a Service Response carries (sr:GBCSPayload, or inside sr:DSPScheduledMessage).</summary>
    public static GbcsMessage Gbcs(DuisResponse response)
    {
        var payload = response.Message?.Payload ?? throw new Xunit.Sdk.XunitException("the response carries no data");
        var element = payload.LocalName == "GBCSPayload" ? payload
            : payload.GetElementsByTagName("GBCSPayload", DuisNamespaces.ServiceUserGateway).OfType<XmlElement>().Single();
        return GbcsMessage.Read(Convert.FromBase64String(element.InnerText));
    }

    /// <summary>The User signs a Pre-Command with its GBCS digital signing key (RTDS key store; ECDSA P-256 over SHA-256, r‖s).</summary>
    public static byte[] SignPreCommand(byte[] preCommand, Eui user)
    {
        var pem = File.ReadAllText(RepoPaths.ReferencePath("rtds-gbcs", "keystore", $"{user.ToCompactString().ToLowerInvariant()}-ds.key"));
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        var signature = key.SignData(preCommand, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signed = GbcsMessage.Read(preCommand) with { Signature = signature };
        return signed.WriteSigned();
    }

    public async ValueTask DisposeAsync()
    {
        await Network.DisposeAsync();
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
