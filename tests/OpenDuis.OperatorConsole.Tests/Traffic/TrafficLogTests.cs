using Microsoft.Extensions.Time.Testing;
using OpenDuis.Core.Outbox;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.OperatorConsole.Tests.Traffic;

/// <summary>
/// The Traffic log's sample: the first <see cref="TrafficLog.PerSecond"/> messages of each second are
/// recorded (a request with its answer), the rest only counted, and the sample is drawn before anything
/// is copied: a request outside it reaches the door as it came.
/// </summary>
public sealed class TrafficLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DuisAnswer I99 = new("<Response>I99</Response>"u8.ToArray(), "I99", AnswerOutcome.Accepted);

    [Fact]
    public async Task Requests_beyond_a_seconds_sample_are_counted_not_recorded_and_the_next_second_records_again()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var log = new TrafficLog(clock, capacity: 64, perSecond: 2);
        var door = new CountingDoor();
        var tap = new RecordingRequestHandler(door, log);

        for (var i = 0; i < 5; i++) await tap.HandleAsync(WebService.SendCommand, new byte[] { (byte)i }, null, Ct);

        Assert.Equal(5, door.Handled);
        Assert.Equal(10, log.Seen);
        // The first two requests, each with its acknowledgement, newest first.
        Assert.Equal([TrafficKind.Acknowledgement, TrafficKind.Request, TrafficKind.Acknowledgement, TrafficKind.Request], log.NewestFirst().Select(m => m.Kind));
        Assert.Equal([(byte)1], log.NewestFirst().ElementAt(1).Body);

        clock.Advance(TimeSpan.FromSeconds(1));
        await tap.HandleAsync(WebService.SendCommand, new byte[] { 9 }, null, Ct);
        Assert.Equal(6, log.Last);
        Assert.Equal([(byte)9], log.NewestFirst().ElementAt(1).Body);
    }

    [Fact]
    public async Task A_recorded_request_keeps_its_own_copy_of_the_doors_pooled_buffer()
    {
        var log = new TrafficLog(TimeProvider.System, capacity: 8, perSecond: 100);
        var buffer = new byte[] { 1, 2, 3 };
        await new RecordingRequestHandler(new CountingDoor(), log).HandleAsync(WebService.SendCommand, buffer, null, Ct);
        buffer[0] = 99;
        Assert.Equal([(byte)1, 2, 3], log.Find(1)!.Body);
    }

    [Fact]
    public async Task A_recorded_answer_keeps_its_own_copy_of_the_pooled_buffer_the_endpoint_gives_back()
    {
        var log = new TrafficLog(TimeProvider.System, capacity: 8, perSecond: 100);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(64);
        "<Response>I99</Response>"u8.CopyTo(rented);
        var pooled = DuisAnswer.Pooled(rented, "<Response>I99</Response>"u8.Length, "I99", AnswerOutcome.Accepted, requestId: null, reason: null);

        var answer = await new RecordingRequestHandler(new AnsweringDoor(pooled), log).HandleAsync(WebService.SendCommand, new byte[] { 1 }, null, Ct);
        answer.Release();
        rented.AsSpan().Fill((byte)'x'); // the pool hands the buffer to the next answer

        Assert.Equal("<Response>I99</Response>"u8.ToArray(), log.Find(2)!.Body);
        Assert.Equal(TrafficKind.Acknowledgement, log.Find(2)!.Kind);
        var e = Assert.Throws<InvalidOperationException>(() => answer.Body);
        Assert.Contains("returned to the pool", e.Message);
        answer.Release(); // a second release returns nothing twice
    }

    [Fact]
    public async Task Outbox_writes_beyond_the_sample_reach_the_store_and_are_only_counted()
    {
        var clock = new FakeTimeProvider();
        var log = new TrafficLog(clock, capacity: 64, perSecond: 1);
        var store = new ListOutbox();
        var outbox = new RecordingOutboxStore(store, log);
        var recipient = new Eui(0x90B3D51F30010000);
        OutboxEntry Entry(OutboxKind kind) => new("r", recipient, "k", kind, "<Alert/>"u8.ToArray());

        await outbox.EnqueueAsync([Entry(OutboxKind.DccAlert), Entry(OutboxKind.ServiceResponse)], Ct);
        await outbox.EnqueueAsync([Entry(OutboxKind.ServiceResponse)], Ct);

        Assert.Equal(3, store.Entries.Count);
        Assert.Equal(3, log.Seen);
        var recorded = Assert.Single(log.NewestFirst());
        Assert.Equal(TrafficKind.DccAlert, recorded.Kind);
        Assert.Equal(recipient, recorded.Header.User);
    }

    [Fact]
    public void An_operator_view_of_the_outbox_is_found_beneath_its_decorators()
    {
        var store = new ListOutbox();
        var wrapped = new RecordingOutboxStore(new SignallingOutboxStore(store, new OutboxSignal()), new TrafficLog(TimeProvider.System));
        Assert.Same(store, DelegatingOutboxStore.Find<ListOutbox>(wrapped));
        Assert.Null(DelegatingOutboxStore.Find<IOutboxAdmin>(wrapped));
    }

    private sealed class CountingDoor : IDuisRequestHandler
    {
        public int Handled { get; private set; }

        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            HandleAsync(service, body, null, cancellationToken);

        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken)
        {
            Handled++;
            return ValueTask.FromResult(I99);
        }
    }

    private sealed class AnsweringDoor(DuisAnswer answer) : IDuisRequestHandler
    {
        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            ValueTask.FromResult(answer);

        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken) =>
            ValueTask.FromResult(answer);
    }

    private sealed class ListOutbox : IOutboxStore
    {
        public List<OutboxEntry> Entries { get; } = [];

        public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
        {
            Entries.AddRange(entries);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<PendingDelivery>>([]);
        public Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);
    }
}
