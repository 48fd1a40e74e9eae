using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;

namespace OpenDuis.Server.Tests.Delivery;

/// <summary>
/// R-WS-2 end to end: signed Service Responses written to the outbox are POSTed to the User's
/// registered endpoint — at least once, in order per request — across a dead endpoint and a
/// stopped server.
/// </summary>
public sealed class OutboxDeliveryTests
{
    private static readonly Eui User = DemoEnvironment.Supplier;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServerOptions FastDelivery => TestSupport.FastDelivery.Server(lease: TimeSpan.FromSeconds(2));

    private static int FreePort() => OpenduisProcesses.FreePort();

    /// <summary><paramref name="perRequest"/> signed Service Responses for each of <paramref name="requests"/> requests of the User.</summary>
    private static List<OutboxEntry> Responses(int requests, int perRequest)
    {
        var key = OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!;
        var entries = new List<OutboxEntry>();
        var baseCounter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        for (var r = 0; r < requests; r++)
        {
            var request = new RequestId(User, DemoEnvironment.Esme, baseCounter + (ulong)r);
            for (var n = 0; n < perRequest; n++)
            {
                var responseId = new RequestId(DemoKeySet.DspEui, User, baseCounter + (ulong)(r * 1000 + n));
                var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request, responseId, ResponseCode.I0,
                    DateTimeOffset.UtcNow, ServiceReference.Parse("4.1"), ServiceReferenceVariant.Parse("4.1.1"), null);
                var body = DuisSigner.SignAndSerialise(response.ToXmlDocument(), key);
                entries.Add(OutboxEntry.ForRequest(request, responseId.ToString(), OutboxKind.ServiceResponse, body));
            }
        }
        return entries;
    }

    private static async Task RegisterEndpointAsync(OpenDuisInstance instance, Uri endpoint)
    {
        var user = (await instance.Store.FindUserAsync(User, Ct))!;
        await instance.Store.SaveUserAsync(user with { ResponseEndpoint = endpoint }, Ct);
    }

    private static (string RequestId, string ResponseId) Ids(byte[] body)
    {
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString(body));
        var response = DuisResponse.Read(doc);
        return (response.RequestId!.Value.ToString(), response.ResponseId!.Value.ToString());
    }

    /// <summary>Reads until every expected ResponseID has arrived (duplicates allowed: at least once).</summary>
    private static async Task<List<(string RequestId, string ResponseId)>> ReceiveAllAsync(ResponseListener listener, IReadOnlyCollection<OutboxEntry> expected, List<(string RequestId, string ResponseId)> arrivals, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        var missing = expected.Select(e => e.ResponseId).ToHashSet();
        missing.ExceptWith(arrivals.Select(a => a.ResponseId));
        while (missing.Count > 0)
        {
            var message = await listener.Received.ReadAsync(timeout.Token);
            var ids = Ids(message.Body);
            arrivals.Add(ids);
            missing.Remove(ids.ResponseId);
        }
        return arrivals;
    }

    private static void AssertOrderedPerRequest(IReadOnlyList<OutboxEntry> sent, List<(string RequestId, string ResponseId)> arrivals)
    {
        foreach (var group in sent.GroupBy(e => e.OrderingKey))
        {
            var expectedOrder = group.Select(e => e.ResponseId).ToList();
            var firstArrivals = arrivals.Where(a => a.RequestId == group.Key).Select(a => a.ResponseId).Distinct().ToList();
            Assert.Equal(expectedOrder, firstArrivals);
        }
    }

    [Fact]
    public async Task Responses_sent_while_the_endpoint_is_down_all_arrive_in_order_once_it_is_back()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        var port = FreePort();
        await RegisterEndpointAsync(instance, new Uri($"http://127.0.0.1:{port}/duis/responses"));
        var sent = Responses(requests: 5, perRequest: 4);

        await instance.Outbox.EnqueueAsync(sent, Ct);
        await Task.Delay(700, Ct); // several failed attempts against the dead endpoint
        Assert.Equal(sent.Count, await instance.Outbox.CountUndeliveredAsync(Ct));
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, port, cancellationToken: Ct);
        var arrivals = await ReceiveAllAsync(listener, sent, [], TimeSpan.FromSeconds(30));

        AssertOrderedPerRequest(sent, arrivals);
        Assert.All(arrivals, a => Assert.Contains(a.ResponseId, sent.Select(s => s.ResponseId)));
        await WaitForAsync(async () => await instance.Outbox.CountUndeliveredAsync(Ct) == 0);
    }

    [Fact]
    public async Task Endpoint_answering_errors_gets_the_same_signed_bytes_again_until_it_accepts()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        var attempts = new List<byte[]>();
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0,
            m => { lock (attempts) attempts.Add(m.Body); return ValueTask.FromResult(attempts.Count < 3 ? 503 : 200); }, cancellationToken: Ct);
        await RegisterEndpointAsync(instance, listener.Address);
        var sent = Responses(requests: 1, perRequest: 1);

        await instance.Outbox.EnqueueAsync(sent, Ct);
        await ReceiveAllAsync(listener, sent, [], TimeSpan.FromSeconds(30));

        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(sent[0].Body, a));
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_within_the_attempt_timeout_gets_the_message_again()
    {
        // FastDelivery's attempt timeout is 2 s: the first POST is left unanswered until the message has come again.
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, async _ =>
        {
            if (Interlocked.Increment(ref attempts) > 1) return 200;
            await hung.Task.WaitAsync(Ct);
            return 503;
        }, cancellationToken: Ct);
        await RegisterEndpointAsync(instance, listener.Address);
        var sent = Responses(requests: 1, perRequest: 1);

        try
        {
            await instance.Outbox.EnqueueAsync(sent, Ct);
            var arrivals = await ReceiveAllAsync(listener, sent, [], TimeSpan.FromSeconds(30));
            Assert.Equal(sent[0].ResponseId, Assert.Single(arrivals).ResponseId);
            Assert.True(Volatile.Read(ref attempts) >= 2);
            await WaitForAsync(async () => await instance.Outbox.CountUndeliveredAsync(Ct) == 0);
        }
        finally { hung.TrySetResult(); }
    }

    [Fact]
    public async Task Server_stopped_mid_delivery_and_restarted_loses_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("openduis-restart-").FullName;
        var slow = TimeSpan.FromMilliseconds(150);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0,
            async _ => { await Task.Delay(slow, Ct); return 200; }, cancellationToken: Ct);
        var sent = Responses(requests: 4, perRequest: 10);
        var arrivals = new List<(string RequestId, string ResponseId)>();

        var first = await OpenDuisInstance.StartAsync(directory, FastDelivery);
        await RegisterEndpointAsync(first, listener.Address);
        await first.Outbox.EnqueueAsync(sent, Ct);
        while (arrivals.Count < 5) arrivals.Add(Ids((await listener.Received.ReadAsync(Ct)).Body));
        await first.StopAsync(); // mid-delivery: most responses are still in the outbox
        var leftAfterStop = await (await Storage.Outbox.SqliteOutboxStore.OpenAsync(first.DatabasePath, TimeProvider.System, Ct)).CountUndeliveredAsync(Ct);
        Assert.True(leftAfterStop > 0, "the server was stopped after everything was delivered");

        await using var second = await OpenDuisInstance.StartAsync(directory, FastDelivery);
        await ReceiveAllAsync(listener, sent, arrivals, TimeSpan.FromSeconds(60));

        AssertOrderedPerRequest(sent, arrivals);
        await WaitForAsync(async () => await second.Outbox.CountUndeliveredAsync(Ct) == 0);
    }

    [Fact]
    public async Task Many_rounds_of_responses_each_arrive_in_order_and_leave_the_outbox()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        await RegisterEndpointAsync(instance, listener.Address);
        // More than one round's lease (64): the outcomes of each round are recorded together.
        var sent = Responses(requests: 60, perRequest: 4);

        await instance.Outbox.EnqueueAsync(sent, Ct);
        var arrivals = await ReceiveAllAsync(listener, sent, [], TimeSpan.FromSeconds(60));

        AssertOrderedPerRequest(sent, arrivals);
        await WaitForAsync(async () => await instance.Outbox.CountUndeliveredAsync(Ct) == 0);
    }

    [Fact]
    public async Task User_without_an_endpoint_keeps_its_messages_in_the_outbox()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        var sent = Responses(requests: 1, perRequest: 2);

        await instance.Outbox.EnqueueAsync(sent, Ct);
        await Task.Delay(500, Ct);

        Assert.Equal(2, await instance.Outbox.CountUndeliveredAsync(Ct));
        var metrics = await instance.Http.GetStringAsync(new Uri(instance.Server.BaseAddress, "/metrics"), Ct);
        Assert.Contains("openduis_outbox_deliveries_total{outcome=\"no_endpoint\"}", metrics);
        Assert.Contains("openduis_outbox_depth 2", metrics);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++) await Task.Delay(100, Ct);
        Assert.True(await condition());
    }
}

public sealed class DeliveryBackoffTests
{
    [Fact]
    public void Back_off_doubles_from_the_initial_delay_and_is_capped()
    {
        var b = new DeliveryBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(60));

        Assert.Equal(TimeSpan.FromMilliseconds(500), b.DelayAfter(1));
        Assert.Equal(TimeSpan.FromSeconds(1), b.DelayAfter(2));
        Assert.Equal(TimeSpan.FromSeconds(32), b.DelayAfter(7));
        Assert.Equal(TimeSpan.FromSeconds(60), b.DelayAfter(8));
        Assert.Equal(TimeSpan.FromSeconds(60), b.DelayAfter(10_000));
    }

    [Fact]
    public void Attempt_numbers_start_at_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeliveryBackoff.Default.DelayAfter(0));
    }
}
