using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Network;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Schedules;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Schedules;

/// <summary>
/// A DCC Schedule end to end: created with a signed 5.1 over HTTP, its first occurrence run by the
/// executor (clock moved to the start date) into the server's emulated Smart Metering WAN, and the
/// device's Service Response delivered to the owner's endpoint carrying sr:DSPScheduledMessage with
/// the DSPScheduleID (DUIS 3.5.7), signed by the DSP and valid for the DCC Boxed tool.
/// </summary>
public sealed class ScheduledResponsesOverHttpTests
{
    private const string Ns = DuisNamespaces.ServiceUserGateway;
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 800_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ServerOptions FastDelivery = TestSupport.FastDelivery.Server(level: Microsoft.Extensions.Logging.LogLevel.Warning);

    [Fact]
    public async Task A_scheduled_read_reaches_the_owner_as_a_device_response_carrying_its_DSPScheduleID()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery,
            network: new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(10), RtdsFolder = RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0") });
        var received = new ConcurrentDictionary<string, (DuisResponse Response, string Xml)>();
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, message =>
        {
            var xml = Encoding.UTF8.GetString(message.Body);
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(xml);
            var response = DuisResponse.Read(doc);
            if (response.RequestId is { } id) received[id.ToString()] = (response, xml);
            return ValueTask.FromResult(200);
        }, cancellationToken: Ct);
        var supplier = await instance.Store.FindUserAsync(DemoEnvironment.Supplier, Ct);
        await instance.Cache.SaveUserAsync(supplier! with { ResponseEndpoint = listener.Address }, Ct);

        var start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
        var id = await CreateAsync(instance, start);

        var clock = new FakeTimeProvider(start.ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc));
        var network = instance.Server.Services.GetRequiredService<IDeviceNetwork>();
        var dspKey = instance.Server.Services.GetRequiredService<SigningKey>();
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(instance.Cache, Ct);
        var executor = new ScheduleExecutor(instance.Schedules, new AccessPipeline(snapshot, new InMemoryRequestLog(clock), clock), network,
            new OutboxScheduleNotices(instance.Outbox, dspKey, _ => DuisSchemaVersion.V5_4), clock);

        var fired = Assert.Single(await executor.RunAllDueAsync(Ct), r => r.Occurrence.Id == id);
        Assert.Equal(OccurrenceOutcome.Fired, fired.Outcome);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!received.ContainsKey(fired.Command.ToString()) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        Assert.True(received.TryGetValue(fired.Command.ToString(), out var answer), $"no Service Response for {fired.Command}");
        var validated = DccBoxedTool.Shared.Validate(answer.Xml);
        Assert.True(validated.Succeeded, $"{validated}\n{answer.Xml}");
        Assert.Equal((ResponseCode.I0, "4.6.1"), (answer.Response.ResponseCode, answer.Response.Message!.ServiceReferenceVariant.ToString()));
        var payload = answer.Response.Message.Payload!;
        Assert.Equal("DSPScheduledMessage", payload.LocalName);
        Assert.Equal(id.ToString(), payload["DSPScheduleID", Ns]!.InnerText);
        Assert.NotEmpty(payload["GBCSPayload", Ns]!.InnerText);
    }

    private static async Task<DspScheduleId> CreateAsync(OpenDuisInstance instance, DateOnly start)
    {
        var doc = new XmlDocument { XmlResolver = null };
        doc.Load(Path.Combine(RepoPaths.Templates, "ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML"));
        var requestId = doc.GetElementsByTagName("RequestID", Ns)[0]!;
        requestId.InnerText = (RequestId.Parse(requestId.InnerText) with { Counter = (ulong)Interlocked.Increment(ref _counter) }).ToString();
        doc.GetElementsByTagName("ScheduleStartDate", Ns)[0]!.InnerText = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var signature = doc.GetElementsByTagName("Signature", "http://www.w3.org/2000/09/xmldsig#")[0]!;
        signature.ParentNode!.RemoveChild(signature);
        using var content = new StringContent(ServedRequests.SignWithTool(doc.OuterXml), Encoding.UTF8, "application/xml");
        using var response = await instance.Http.PostAsync(instance.Server.ServiceUri(WebService.NonDevice), content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var answer = new XmlDocument { PreserveWhitespace = true };
        answer.LoadXml(body);
        var read = DuisResponse.Read(answer);
        Assert.True(read.ResponseCode == ResponseCode.I0, body);
        return DspScheduleId.TryParse(read.Message!.Payload!.InnerText, out var id) ? id : throw new FormatException(body);
    }
}
