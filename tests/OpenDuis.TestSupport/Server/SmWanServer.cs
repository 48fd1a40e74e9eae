using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Inventory;
using OpenDuis.Network;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.SmWan;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Smi;

namespace OpenDuis.TestSupport;

/// <summary>
/// A real OpenDUIS on a loopback port with the emulated SM WAN and its execution layer on (short
/// timeouts so failures show within a second or two), every demo User's responses delivered to one
/// listener, and helpers to send signed RTDS requests and wait for what reaches the User.
/// </summary>
public sealed class SmWanServer : IAsyncLifetime
{
    public static readonly SmWanExecutionOptions Execution = new()
    {
        FailureLatency = TimeSpan.FromMilliseconds(20),
        ResponseTimeout = TimeSpan.FromMilliseconds(400),
        SequenceWaitPeriod = TimeSpan.FromMilliseconds(1500),
        SequencePoll = TimeSpan.FromMilliseconds(20),
    };

    private static readonly Lazy<DuisSchemas> Schemas = new(() => DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 700_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string _directory = null!;
    private SqliteSmiStore _store = null!;
    public DuisServer Server { get; private set; } = null!;
    /// <summary>The Smart Metering Inventory the server reads (a test may change a Device behind its back, as another request would).</summary>
    public SqliteSmiStore Store => _store;
    public ResponseListener Listener { get; private set; } = null!;
    public HttpClient Http { get; } = new();

    /// <summary>Everything delivered to the Users, as received, in order.</summary>
    public ConcurrentQueue<(DuisResponse Response, byte[] Body, DateTimeOffset At)> Delivered { get; } = new();

    public async ValueTask InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("openduis-smwan-").FullName;
        var database = Path.Combine(_directory, "openduis.db");
        _store = await SqliteSmiStore.OpenAsync(database);
        await DemoEnvironment.SeedAsync(_store);
        var outbox = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System);
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(await SmiCache.LoadAsync(_store));
        Listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, message =>
        {
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(Encoding.UTF8.GetString(message.Body));
            Delivered.Enqueue((DuisResponse.Read(doc), message.Body, DateTimeOffset.UtcNow));
            return ValueTask.FromResult(200);
        });
        var users = new List<Core.Parties.ServiceUser>();
        await foreach (var user in _store.ReadUsersAsync()) users.Add(user);
        foreach (var user in users) await _store.SaveUserAsync(user with { ResponseEndpoint = Listener.Address });

        var options = FastDelivery.Server(pollMs: 20, lease: TimeSpan.FromSeconds(5));
        Server = await DuisServer.StartAsync(options, services =>
        {
            services.AddOpenDuis(o => { o.Keys = OpenDuisInstance.TestKeys.Value; o.Store = _store; o.Outbox = outbox; o.Schemas = Schemas.Value; })
                .AddAccessControl(snapshot)
                .AddSmWan(o =>
                {
                    o.Network = new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(10), RtdsFolder = RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0") };
                    o.Execution = Execution;
                })
                .AddAnomalyDetection();
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Listener.DisposeAsync();
        await _store.DisposeAsync();
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }

    public async Task SetFaultAsync(Eui device, string mode, string? parameter = null)
    {
        using var answer = await Http.PostAsJsonAsync(new Uri(Server.BaseAddress, DeviceFaultEndpoints.DevicePath(device)),
            new DeviceFaultRequest(mode, parameter), DeviceFaultJson.Default.DeviceFaultRequest, Ct);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync(Ct));
    }

    public async Task ClearFaultAsync(Eui device)
    {
        using var _ = await Http.DeleteAsync(new Uri(Server.BaseAddress, DeviceFaultEndpoints.DevicePath(device)), Ct);
    }

    /// <summary>
    /// An RTDS request template as a request of its own: a fresh counter, optionally another target, an
    /// ExecutionDateTime (replacing or adding the body's first child) and the sequencing header elements.
    /// </summary>
    public static XmlDocument Request(string templatePrefix, Eui? target = null, DateTimeOffset? executeAt = null,
        bool? firstInSequence = null, RequestId? preceding = null)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith(templatePrefix, StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(File.ReadAllText(file));
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        var idNode = doc.SelectSingleNode("/sr:Request/sr:Header/sr:RequestID", ns)!;
        var id = RequestId.Parse(idNode.InnerText);
        idNode.InnerText = new RequestId(id.Originator, target ?? id.Target, (ulong)Interlocked.Increment(ref _counter)).ToString();
        if (executeAt is { } at)
        {
            var bodyElement = (XmlElement)doc.SelectSingleNode("/sr:Request/sr:Body/*", ns)!;
            var existing = bodyElement.SelectSingleNode("sr:ExecutionDateTime", ns);
            var element = existing ?? bodyElement.PrependChild(doc.CreateElement("sr", "ExecutionDateTime", DuisNamespaces.ServiceUserGateway))!;
            element.InnerText = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }
        XmlNode after = idNode;
        if (firstInSequence is { } first)
        {
            var e = doc.CreateElement("sr", "FirstInSequence", DuisNamespaces.ServiceUserGateway);
            e.InnerText = first ? "true" : "false";
            after = idNode.ParentNode!.InsertAfter(e, after)!;
        }
        if (preceding is { } p)
        {
            var e = doc.CreateElement("sr", "PrecedingServiceRequestID", DuisNamespaces.ServiceUserGateway);
            e.InnerText = p.ToString();
            idNode.ParentNode!.InsertAfter(e, after);
        }
        return doc;
    }

    public static RequestId IdOf(XmlDocument request)
    {
        var ns = new XmlNamespaceManager(request.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        return RequestId.Parse(request.SelectSingleNode("/sr:Request/sr:Header/sr:RequestID", ns)!.InnerText);
    }

    /// <summary>Signs the request as its originator (the DCC Boxed tool) and posts it; returns the synchronous answer, validated by the tool.</summary>
    public Task<DuisResponse> SendAsync(XmlDocument request) => PostAsync(ServedRequests.SignWithTool(request.OuterXml));

    /// <summary>
    /// A critical request the User's way: the template sent for Transform, the returned Pre-Command
    /// signed with the originator's GBCS key and sent back as a Signed Pre-Command (CV 5) carrying
    /// <paramref name="executeAt"/>. Returns the Signed Pre-Command's Request ID and its answer.
    /// </summary>
    public async Task<(RequestId Id, DuisResponse Answer)> SendSignedPreCommandAsync(string templatePrefix, DateTimeOffset? executeAt)
    {
        var (id, answer, _) = await SendSignedPreCommandAsync(templatePrefix, _ => executeAt);
        return (id, answer);
    }

    /// <summary>
    /// As <see cref="SendSignedPreCommandAsync(string, DateTimeOffset?)"/>, the execution date-time <paramref name="ahead"/> of
    /// when the Pre-Command was returned and signed, so that the Transform's round trip on a loaded machine does not use up
    /// the time before it. Returns that date-time too.
    /// </summary>
    public async Task<(RequestId Id, DuisResponse Answer, DateTimeOffset ExecuteAt)> SendSignedPreCommandAsync(string templatePrefix, TimeSpan ahead)
    {
        var (id, answer, executeAt) = await SendSignedPreCommandAsync(templatePrefix, now => now + ahead);
        return (id, answer, executeAt!.Value);
    }

    private async Task<(RequestId Id, DuisResponse Answer, DateTimeOffset? ExecuteAt)> SendSignedPreCommandAsync(string templatePrefix, Func<DateTimeOffset, DateTimeOffset?> executeAtFrom)
    {
        var transformDocument = Request(templatePrefix);
        var transform = DuisRequest.Read(transformDocument);
        var preCommandAnswer = await SendAsync(transformDocument);
        Assert.Equal(ResponseCode.I0, preCommandAnswer.ResponseCode);
        var preCommand = Convert.FromBase64String(preCommandAnswer.Message!.Payload!.LastChild!.InnerText);
        var pem = File.ReadAllText(RepoPaths.ReferencePath("rtds-gbcs", "keystore", $"{transform.RequestId.Originator.ToCompactString().ToLowerInvariant()}-ds.key"));
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(pem);
        var signature = key.SignData(preCommand, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var signed = OpenDuis.Gbcs.GbcsMessage.Read(preCommand) with { Signature = signature };
        var id = transform.RequestId with { Counter = (ulong)Interlocked.Increment(ref _counter) };
        var executeAt = executeAtFrom(DateTimeOffset.UtcNow);
        var request = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, id, CommandVariant.SendSignedPreCommand,
            transform.ServiceReferenceVariant, new SignedPreCommand(signed.WriteSigned(), executeAt));
        return (id, await PostAsync(ServedRequests.SignWithTool(request.ToXmlDocument().OuterXml)), executeAt);
    }

    private static XmlDocument LoadXml(string xml)
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        return doc;
    }

    private async Task<DuisResponse> PostAsync(string signed)
    {
        var header = LoadXml(signed);
        var ns = new XmlNamespaceManager(header.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        CommandVariants.TryParse(header.SelectSingleNode("//sr:CommandVariant", ns)!.InnerText, out var cv);
        using var content = new StringContent(signed, Encoding.UTF8, "application/xml");
        using var answer = await Http.PostAsync(Server.ServiceUri(cv.WebService()), content, Ct);
        var body = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, body);
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var read = new XmlDocument { PreserveWhitespace = true };
        read.LoadXml(body);
        return DuisResponse.Read(read);
    }

    /// <summary>
    /// The first message delivered for <paramref name="request"/> that <paramref name="match"/> accepts,
    /// checked as the User would: the DSP's signature verifies, it is valid against the 5.4 XSD and
    /// the DCC Boxed tool validates it.
    /// </summary>
    public Task<DuisResponse> ReceiveAsync(RequestId request, Func<DuisResponse, bool>? match = null, TimeSpan? within = null) =>
        ReceiveAsync(r => r.RequestId == request && (match is null || match(r)), $"for {request}", within);

    /// <summary>The first delivered message <paramref name="match"/> accepts, checked as <see cref="ReceiveAsync(RequestId, Func{DuisResponse, bool}?, TimeSpan?)"/> does.</summary>
    public async Task<DuisResponse> ReceiveAsync(Func<DuisResponse, bool> match, string what, TimeSpan? within = null)
    {
        var until = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTimeOffset.UtcNow < until)
        {
            foreach (var (response, body, _) in Delivered)
            {
                if (!match(response)) continue;
                var document = SecureXml.Default.Load(body);
                var verified = Protocol.Signing.DuisSignatureVerifier.Verify(document, OpenDuisInstance.TestKeys.Value, Protocol.Keys.RemotePartyRole.DspXmlSign);
                Assert.True(verified.IsValid, verified.ToString());
                var schema = Schemas.Value.Validate(document, DuisSchemaVersion.V5_4);
                Assert.True(schema.IsValid, schema.ToString());
                var tool = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(body));
                Assert.True(tool.Succeeded, $"{tool}\n{Encoding.UTF8.GetString(body)}");
                return response;
            }
            await Task.Delay(20, Ct);
        }
        Assert.Fail($"Nothing was delivered {what} within the time; delivered: {string.Join(", ", Delivered.Select(d => $"{d.Response.RequestId} {d.Response.ResponseCode}"))}");
        return null!;
    }

    /// <summary>When the first message for <paramref name="request"/> was received, if one was.</summary>
    public DateTimeOffset? FirstDeliveryOf(RequestId request) =>
        Delivered.Where(d => d.Response.RequestId == request).Select(d => (DateTimeOffset?)d.At).FirstOrDefault();

    public static string Sr(DuisResponse alert, string name) =>
        alert.Alert!.Content.GetElementsByTagName(name, DuisNamespaces.ServiceUserGateway).Cast<XmlElement>().Single().InnerText;
}

/// <summary>The test classes sharing one <see cref="SmWanServer"/> (in each suite that uses it).</summary>
[CollectionDefinition(nameof(SmWanServer))]
public sealed class SmWanServerCollection : ICollectionFixture<SmWanServer>;
