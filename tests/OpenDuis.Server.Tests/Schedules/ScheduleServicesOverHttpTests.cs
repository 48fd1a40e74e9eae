using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Schedules;
using OpenDuis.Storage.Outbox;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Schedules;

/// <summary>One OpenDUIS for the schedule cases: the demo inventory, the ZAZ1 keys, a schedule store in its database.</summary>
public sealed class ScheduleServer : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Instance = await OpenDuisInstance.StartAsync();
    public async ValueTask DisposeAsync() => await Instance.DisposeAsync();
}

/// <summary>
/// 5.1 CreateSchedule, 5.2 ReadSchedule and 5.3 DeleteSchedule over loopback HTTP: requests built
/// from the RTDS templates and signed by the DCC Boxed tool, each answer signed by the DSP and
/// validated by the tool (XSD and signature); the schedule created over HTTP then runs through the
/// executor with its DSPScheduleID.
/// </summary>
public sealed class ScheduleServicesOverHttpTests(ScheduleServer fixture) : IClassFixture<ScheduleServer>
{
    private const string Ns = DuisNamespaces.ServiceUserGateway;
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 700_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private OpenDuisInstance Instance => fixture.Instance;

    private static DateOnly Tomorrow => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);

    [Fact]
    public async Task A_schedule_is_created_with_a_DSPScheduleID_read_back_by_ID_and_by_device_then_deleted()
    {
        var created = await SendAsync(Create(Supplier, Tomorrow));
        Assert.Equal(ResponseCode.I0, created.ResponseCode);
        var idElement = created.Message!.Payload!;
        Assert.Equal("DSPScheduleID", idElement.LocalName);
        Assert.True(DspScheduleId.TryParse(idElement.InnerText, out var id));
        var stored = await Instance.Schedules.GetAsync(id, Ct);
        Assert.NotNull(stored);
        Assert.Equal((Supplier, DemoEnvironment.Esme, UserRole.ImportSupplier), (stored.Definition.Owner, stored.Definition.DeviceId, stored.Definition.OwnerRole));
        Assert.Equal(Tomorrow.ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc), stored.NextDueAt!.Value.UtcDateTime);

        var read = await SendAsync(Select("5.2", "ReadSchedule", Supplier, "DSPScheduleID", id.ToString()));
        Assert.Equal(ResponseCode.I0, read.ResponseCode);
        var schedules = read.Message!.Payload!;
        Assert.Equal("DSPSchedulesRead", schedules.LocalName);
        var entry = Assert.Single(schedules.ChildNodes.OfType<XmlElement>());
        Assert.Equal(id.ToString(), entry["DSPScheduleID", Ns]!.InnerText);
        var details = entry["DSPScheduleDetails", Ns]!;
        Assert.Equal(("Daily", Tomorrow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "00:01:00", "4.6.1"),
            (details["ScheduleFrequency", Ns]!.InnerText, details["ScheduleStartDate", Ns]!.InnerText,
             details["ScheduleExecutionStartTime", Ns]!.InnerText, details["DSPScheduledServiceReferenceVariant", Ns]!.InnerText));
        Assert.NotNull(details["DSPRetrieveImportDailyReadLog", Ns]);

        var byDevice = await SendAsync(Select("5.2", "ReadSchedule", Supplier, "DeviceID", DemoEnvironment.Esme.ToString()));
        Assert.Equal(ResponseCode.I0, byDevice.ResponseCode);
        Assert.Contains(byDevice.Message!.Payload!.ChildNodes.OfType<XmlElement>(), e => e["DSPScheduleID", Ns]!.InnerText == id.ToString());

        var deleted = await SendAsync(Select("5.3", "DeleteSchedule", Supplier, "DSPScheduleID", id.ToString()));
        Assert.Equal(ResponseCode.I99, deleted.ResponseCode);
        Assert.Null(await Instance.Schedules.GetAsync(id, Ct));
        Assert.Equal(ScheduleResponseCodes.ReadUnknownSchedule, (await SendAsync(Select("5.2", "ReadSchedule", Supplier, "DSPScheduleID", id.ToString()))).ResponseCode);
        Assert.Equal(ScheduleResponseCodes.DeleteUnknownSchedule, (await SendAsync(Select("5.3", "DeleteSchedule", Supplier, "DSPScheduleID", id.ToString()))).ResponseCode);
    }

    [Fact]
    public async Task A_start_date_that_is_not_in_the_future_is_refused_E050101_and_nothing_is_stored()
    {
        var before = (await Instance.Schedules.OnDeviceAsync(DemoEnvironment.Esme, Ct)).Count;

        var answer = await SendAsync(Create(Supplier, DateOnly.FromDateTime(DateTime.UtcNow)));

        Assert.Equal(ScheduleResponseCodes.StartDateNotInFuture, answer.ResponseCode);
        Assert.True(answer.IsAcknowledgement);
        Assert.Equal(before, (await Instance.Schedules.OnDeviceAsync(DemoEnvironment.Esme, Ct)).Count);
    }

    [Fact]
    public async Task Another_Users_schedule_can_be_neither_read_E050202_nor_deleted_E050302()
    {
        var created = await SendAsync(Create(Supplier, Tomorrow));
        var id = created.Message!.Payload!.InnerText;
        var other = DemoEnvironment.SupplierSecondUser;

        Assert.Equal(ScheduleResponseCodes.ReadOtherUsersSchedule, (await SendAsync(Select("5.2", "ReadSchedule", other, "DSPScheduleID", id))).ResponseCode);
        Assert.Equal(ScheduleResponseCodes.DeleteOtherUsersSchedule, (await SendAsync(Select("5.3", "DeleteSchedule", other, "DSPScheduleID", id))).ResponseCode);
        Assert.Equal(ScheduleResponseCodes.ReadNoSchedulesOnDevice,
            (await SendAsync(Select("5.2", "ReadSchedule", other, "DeviceID", DemoEnvironment.Esme.ToString()))).ResponseCode);
        Assert.NotNull(await Instance.Schedules.GetAsync(DspScheduleIdOf(id), Ct));
    }

    /// <summary>
    /// The schedule created over HTTP runs through the executor on its start date (clock moved there):
    /// the command reaches the network as the owner's, with the DSPScheduleID.
    /// </summary>
    [Fact]
    public async Task A_schedule_created_over_HTTP_fires_on_its_start_date_with_its_DSPScheduleID()
    {
        var start = Tomorrow.AddDays(1);
        var id = DspScheduleIdOf((await SendAsync(Create(Supplier, start))).Message!.Payload!.InnerText);
        var clock = new FakeTimeProvider(start.ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc));
        var network = new AcknowledgingNetwork();
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(Instance.Cache, Ct);
        var executor = new ScheduleExecutor(Instance.Schedules, new AccessPipeline(snapshot, new InMemoryRequestLog(clock), clock), network,
            new OutboxScheduleNotices(Instance.Outbox, OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!, _ => DuisSchemaVersion.V5_4), clock);

        var results = await executor.RunAllDueAsync(Ct);

        var fired = Assert.Single(results, r => r.Occurrence.Id == id);
        Assert.Equal(OccurrenceOutcome.Fired, fired.Outcome);
        var command = Assert.Single(network.Commands, c => c.Schedule == id);
        Assert.Equal((Supplier, DemoEnvironment.Esme, "4.6.1"), (command.Sender, command.Request.RequestId.Target, command.Request.ServiceReferenceVariant.ToString()));
        Assert.Equal(start.AddDays(1).ToDateTime(new TimeOnly(0, 1), DateTimeKind.Utc), (await Instance.Schedules.GetAsync(id, Ct))!.NextDueAt!.Value.UtcDateTime);
    }

    /// <summary>The DCC Alerts the executor writes to the outbox: signed by the DSP, schema-valid for the DCC Boxed tool, each held once.</summary>
    [Fact]
    public async Task Removal_and_E31_alerts_reach_the_outbox_signed_and_valid_for_the_DCC_Boxed_tool()
    {
        var path = Path.Combine(Instance.Directory, "alerts.db");
        var outbox = await SqliteOutboxStore.OpenAsync(path, TimeProvider.System, Ct);
        var notices = new OutboxScheduleNotices(outbox, OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!, _ => DuisSchemaVersion.V5_4);
        var schedule = new StoredScheduleRef(new DspScheduleId(4711), Supplier, DemoEnvironment.Esme);
        var command = ScheduledRequest.RequestIdFor(schedule.Id, Supplier, DemoEnvironment.Esme, DateTimeOffset.UtcNow);

        await notices.ScheduleRemovedAsync(schedule, ScheduleRemovalTriggers.Remove(ScheduleRemovalTrigger.DeviceDecommissioned, "E5"), DateTimeOffset.UtcNow, Ct);
        await notices.DeviceUnreachableAsync(schedule, command, DateTimeOffset.UtcNow, "no route", Ct);
        await notices.ScheduleRemovedAsync(schedule, ScheduleRemovalTriggers.Remove(ScheduleRemovalTrigger.DeviceDecommissioned, "E5"), DateTimeOffset.UtcNow, Ct);

        var pending = await outbox.LeaseDueAsync(DateTimeOffset.UtcNow.AddSeconds(1), TimeSpan.FromMinutes(1), 10, Ct);
        Assert.Equal(2, pending.Count); // the repeated removal has the same ResponseID and is held once
        var alerts = pending.Select(p =>
        {
            var xml = Encoding.UTF8.GetString(p.Body);
            var validated = DccBoxedTool.Shared.Validate(xml);
            Assert.True(validated.Succeeded, $"{validated}\n{xml}");
            Assert.Equal((Supplier, OutboxKind.DccAlert), (p.Recipient, p.Kind));
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(xml);
            return DuisResponse.Read(doc);
        }).ToList();

        Assert.Equal(("N4", "DSPScheduleRemoval", ResponseCode.I0), (alerts[0].Alert!.Code.Code, alerts[0].Alert!.Content.LocalName, alerts[0].ResponseCode));
        Assert.Equal("4711", alerts[0].Alert!.Content["DSPScheduleID", Ns]!.InnerText);
        Assert.Equal(("N10", "CommandFailure", ResponseCode.E31), (alerts[1].Alert!.Code.Code, alerts[1].Alert!.Content.LocalName, alerts[1].ResponseCode));
        Assert.Equal((command.ToString(), "4711"), (alerts[1].Alert!.Content["CommandRequestID", Ns]!.InnerText, alerts[1].Alert!.Content["DSPScheduleID", Ns]!.InnerText));
    }

    private static DspScheduleId DspScheduleIdOf(string text) => DspScheduleId.TryParse(text, out var id) ? id : throw new FormatException(text);

    private static ulong NextCounter() => (ulong)Interlocked.Increment(ref _counter);

    private static XmlDocument Template(string file, Eui originator)
    {
        var doc = new XmlDocument { PreserveWhitespace = false, XmlResolver = null };
        doc.Load(Path.Combine(RepoPaths.Templates, file));
        var id = doc.GetElementsByTagName("RequestID", Ns)[0]!;
        id.InnerText = new RequestId(originator, RequestId.Parse(id.InnerText).Target, NextCounter()).ToString();
        return doc;
    }

    /// <summary>The RTDS 5.1 template (daily 4.6.1 on the demo ESME) from <paramref name="originator"/>, starting on <paramref name="start"/>.</summary>
    private static XmlDocument Create(Eui originator, DateOnly start)
    {
        var doc = Template("ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML", originator);
        doc.GetElementsByTagName("ScheduleStartDate", Ns)[0]!.InnerText = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return doc;
    }

    /// <summary>A 5.2 or 5.3 template naming one DSPScheduleID or DeviceID.</summary>
    private static XmlDocument Select(string variant, string element, Eui originator, string by, string value)
    {
        var doc = Template(variant == "5.2" ? "5.2_READ_SCHEDULE_REQUEST_DUIS.XML" : "5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML", originator);
        var body = (XmlElement)doc.GetElementsByTagName(element, Ns)[0]!;
        body.RemoveAll();
        body.AppendChild(doc.CreateElement("sr", by, Ns))!.InnerText = value;
        return doc;
    }

    private async Task<DuisResponse> SendAsync(XmlDocument request)
    {
        var signature = request.GetElementsByTagName("Signature", "http://www.w3.org/2000/09/xmldsig#")[0];
        signature?.ParentNode!.RemoveChild(signature);
        var signed = ServedRequests.SignWithTool(request.OuterXml);
        using var content = new StringContent(signed, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var response = await Instance.Http.PostAsync(Instance.Server.ServiceUri(WebService.NonDevice), content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {body}");
        var validated = DccBoxedTool.Shared.Validate(body);
        Assert.True(validated.Succeeded, $"{validated}\n{body}");
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(body);
        return DuisResponse.Read(doc);
    }

    /// <summary>A network that takes every command (I99) and keeps it.</summary>
    private sealed class AcknowledgingNetwork : IDeviceNetwork
    {
        public System.Collections.Concurrent.ConcurrentBag<DeviceCommand> Commands { get; } = [];

        public ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
        {
            Commands.Add(command);
            return ValueTask.FromResult(DeviceAcceptance.Acknowledged);
        }
    }
}
