using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Network;
using OpenDuis.Gbcs;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;
using OpenDuis.TestSupport;
using static OpenDuis.TestSupport.ServedRequests;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// Device requests end to end over loopback HTTP with the emulated SM WAN on: each RTDS device
/// request template, signed for its originator by the DCC Boxed tool, is acknowledged I99 (a
/// Transform first returns its Pre-Command, which the User signs and sends back as a Signed
/// Pre-Command), and the device's I0 Service Response then reaches the User's own HTTP endpoint
/// through the outbox, signed by the DSP and valid (the tool's Validate), its GBCS payload carrying
/// a Message Code of the variant.
/// </summary>
public sealed class DeviceResponsesOverHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServerOptions FastDelivery => TestSupport.FastDelivery.Server(pollMs: 20, lease: TimeSpan.FromSeconds(5));

    private static string RtdsFolder => RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0");

    internal sealed class Session : IAsyncDisposable
    {
        public required OpenDuisInstance Instance { get; init; }
        public required ResponseListener Listener { get; init; }
        public ConcurrentDictionary<string, (DuisResponse Response, byte[] Body)> Received { get; } = new();
        /// <summary>DCC Alerts the responses gave rise to (a firmware version unlike the SMI's: N49–N51).</summary>
        public ConcurrentBag<(DuisResponse Alert, byte[] Body)> Alerts { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await Listener.DisposeAsync();
            await Instance.DisposeAsync();
        }
    }

    internal static async Task<Session> StartAsync(ServerOptions? options = null)
    {
        var instance = await OpenDuisInstance.StartAsync(options: options ?? FastDelivery,
            network: new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(10), RtdsFolder = RtdsFolder });
        Session? session = null;
        var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, message =>
        {
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(Encoding.UTF8.GetString(message.Body));
            var response = DuisResponse.Read(doc);
            if (response.Alert is not null) session!.Alerts.Add((response, message.Body));
            else session!.Received[response.RequestId!.Value.ToString()] = (response, message.Body);
            return ValueTask.FromResult(200);
        }, cancellationToken: Ct);
        session = new Session { Instance = instance, Listener = listener };
        var users = new List<Core.Parties.ServiceUser>();
        await foreach (var user in instance.Store.ReadUsersAsync(Ct)) users.Add(user);
        foreach (var user in users)
            await instance.Store.SaveUserAsync(user with { ResponseEndpoint = listener.Address }, Ct);
        return session;
    }

    internal static async Task<DuisResponse> PostAsync(OpenDuisInstance instance, string signedXml)
    {
        var doc = new XmlDocument();
        doc.LoadXml(signedXml);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
        CommandVariants.TryParse(doc.SelectSingleNode("//sr:CommandVariant", ns)!.InnerText, out var cv);
        using var content = new StringContent(signedXml, Encoding.UTF8, "application/xml");
        using var answer = await instance.Http.PostAsync(instance.Server.ServiceUri(cv.WebService()), content, Ct);
        var body = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, body);
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var read = new XmlDocument { PreserveWhitespace = true };
        read.LoadXml(body);
        return DuisResponse.Read(read);
    }

    [Fact]
    public async Task A_device_response_is_delivered_as_soon_as_it_is_committed_to_the_outbox_not_at_the_next_poll()
    {
        // The worker looks at the outbox of its own accord only once a minute: the response's commit wakes it.
        await using var session = await StartAsync(TestSupport.FastDelivery.Server(pollMs: 60_000, lease: TimeSpan.FromSeconds(5)));
        var xml = ServedRequests.WithFreshCounter(File.ReadAllText(Path.Combine(RepoPaths.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var requestId = DuisRequest.Read(doc).RequestId.ToString();

        // Once at start, then idle: the first poll has passed before the request arrives.
        await Task.Delay(200, Ct);
        Assert.Equal(ResponseCode.I99, (await PostAsync(session.Instance, ServedRequests.SignWithTool(xml))).ResponseCode);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!session.Received.ContainsKey(requestId) && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20, Ct);
        Assert.True(session.Received.TryGetValue(requestId, out var received), $"no Service Response for {requestId} within {waited.Elapsed.TotalSeconds:F1} s (the poll is 60 s)");
        Assert.Equal(ResponseCode.I0, received.Response.ResponseCode);
    }

    [Fact]
    public async Task Every_RTDS_device_request_template_is_acknowledged_then_answered_I0_through_the_outbox()
    {
        await using var session = await StartAsync();
        var expected = new Dictionary<string, (string Template, ServiceReferenceVariant Variant)>();
        var failures = new List<string>();
        var localCommands = 0;
        foreach (var file in RepoPaths.TemplateFiles())
        {
            var name = Path.GetFileName(file);
            var xml = ServedRequests.WithFreshCounter(File.ReadAllText(file));
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(xml);
            var request = DuisRequest.Read(doc);
            if (request.Definition is not { NonDevice: false }) continue;
            if (RequestPathTests.TemplatesRefusedByTheRules.ContainsKey(name)) continue;

            var answer = await PostAsync(session.Instance, ServedRequests.SignWithTool(xml));
            if (request.CommandVariant == CommandVariant.TransformCritical)
            {
                if (answer.ResponseCode != ResponseCode.I0 || answer.Message?.Payload?.LocalName != "PreCommand")
                { failures.Add($"{name}: Transform answered {answer.ResponseCode} {answer.Message?.Payload?.LocalName}"); continue; }
                var signed = SignedPreCommandRequest(request, answer);
                answer = await PostAsync(session.Instance, signed);
                var signedDoc = new XmlDocument();
                signedDoc.LoadXml(signed);
                request = DuisRequest.Read(signedDoc);
            }
            if (request.CommandVariant == CommandVariant.ReturnForLocalDeliveryNonCritical)
            {
                if (answer.ResponseCode != ResponseCode.I0 || answer.Message?.Payload?.LocalName != "LocalCommand")
                    failures.Add($"{name}: {answer.ResponseCode} {answer.Message?.Payload?.LocalName}, expected I0 with a LocalCommand");
                else localCommands++;
                continue;
            }
            if (answer.ResponseCode != ResponseCode.I99) { failures.Add($"{name}: {answer.ResponseCode}, expected I99"); continue; }
            expected[request.RequestId.ToString()] = (name, request.ServiceReferenceVariant);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (session.Received.Count < expected.Count && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);

        var decodedCodes = 0;
        foreach (var (requestId, (template, variant)) in expected)
        {
            if (!session.Received.TryGetValue(requestId, out var received)) { failures.Add($"{template}: no Service Response delivered"); continue; }
            var response = received.Response;
            if (response.ResponseCode != ResponseCode.I0) { failures.Add($"{template}: Service Response {response.ResponseCode}"); continue; }
            var definition = ServiceCatalogue.Get(variant);
            if (response.Message?.Payload is not { LocalName: "GBCSPayload" } payload)
            {
                if (definition.GbcsMessageCodes.Any()) failures.Add($"{template}: no GBCSPayload");
                continue;
            }
            if (!GbcsMessage.TryRead(Convert.FromBase64String(payload.InnerText), out var gbcs, out var problem)) { failures.Add($"{template}: GBCS payload unreadable: {problem}"); continue; }
            if (gbcs.Cra != CraFlag.Response || !definition.GbcsMessageCodes.Contains(gbcs.MessageCode))
                failures.Add($"{template}: {gbcs.Cra} 0x{gbcs.MessageCode:X4}, expected a response with one of {string.Join(", ", definition.Gbcs)}");
            else decodedCodes++;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(1, localCommands);
        Assert.True(expected.Count >= 250, $"only {expected.Count} device requests answered");

        // R-GBCS-1/3: each delivered GBCS response verifies as its recipient checks it, with its own KA private key and the
        // Device's certificates fetched from the SMKI Repository by @smartdcc/dccboxed-keystore: a MAC keyed Device ↔ User, or for a response to a Critical command the Device's signature.
        var payloads = GbcsSecurityOverHttp.DeliveredPayloads(session);
        var (macs, signatures, decrypted) = await GbcsSecurityOverHttp.VerifyAllAsync(session, payloads);
        Assert.True(macs >= 150 && signatures >= 40 && decrypted >= 20, $"{macs} MACs, {signatures} Device signatures verified, {decrypted} payloads decrypted");
        TestContext.Current.SendDiagnosticMessage($"{macs} MACs and {signatures} Device signatures verified, {decrypted} encrypted payloads decrypted, by the recipient");
        GbcsSecurityOverHttp.DecodeWithWireshark(payloads);

        // Each delivered response is signed by the DSP and valid against the 5.4 XSD, as the DCC Boxed tool checks it.
        var invalid = new List<string>();
        foreach (var (requestId, body) in session.Received.Select(r => (r.Key, r.Value.Body)).Concat(session.Alerts.Select(a => (a.Alert.ResponseId!.Value.ToString(), a.Body))))
        {
            var validated = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(body));
            if (!validated.Succeeded) invalid.Add($"{requestId}: {validated}");
        }
        Assert.True(invalid.Count == 0, string.Join("\n", invalid.Take(10)));
        TestContext.Current.SendDiagnosticMessage($"{expected.Count} device responses delivered, {decodedCodes} with a decoded GBCS Message Code");
    }
}
