using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Outbox;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.Benchmarks;

/// <summary>
/// What the operator console's Traffic log adds to the DUIS door and to the outbox, around a door
/// and an outbox that do nothing (so only the tap is timed): a request outside the sample (the
/// common case above 200 messages a second), a request inside it (its body copied, it and its answer
/// recorded), and an outbox write outside and inside the sample. The door's own cost per request is
/// hundreds of µs (docs/benchmarks.md), so the tap is to stay within a few µs.
/// </summary>
[MemoryDiagnoser]
public class ConsoleTapBenchmarks
{
    /// <summary>About the size of an RTDS request (the mix's bodies are 2–9 KB).</summary>
    private readonly byte[] _body = new byte[6 * 1024];
    private readonly IDuisRequestHandler _door = new AnsweringDoor();
    private IDuisRequestHandler _skipping = null!, _recording = null!;
    private IOutboxStore _outbox = null!, _outboxSkipping = null!, _outboxRecording = null!;
    private OutboxEntry[] _entry = [];

    [GlobalSetup]
    public void Setup()
    {
        // A sample of none: every message counted, none copied. A sample of all: every message recorded.
        var none = new TrafficLog(TimeProvider.System, perSecond: 0);
        var all = new TrafficLog(TimeProvider.System, perSecond: int.MaxValue);
        _skipping = new RecordingRequestHandler(_door, none);
        _recording = new RecordingRequestHandler(_door, all);
        _outbox = new DiscardingOutbox();
        _outboxSkipping = new RecordingOutboxStore(_outbox, none);
        _outboxRecording = new RecordingOutboxStore(_outbox, all);
        _entry = [new OutboxEntry("r", new Eui(0x90B3D51F30010000), "k", OutboxKind.ServiceResponse, new byte[4096])];
    }

    [Benchmark(Baseline = true)]
    public ValueTask<DuisAnswer> DoorAlone() => _door.HandleAsync(WebService.SendCommand, _body, null, default);

    [Benchmark]
    public ValueTask<DuisAnswer> DoorWithConsoleOutsideSample() => _skipping.HandleAsync(WebService.SendCommand, _body, null, default);

    [Benchmark]
    public ValueTask<DuisAnswer> DoorWithConsoleRecorded() => _recording.HandleAsync(WebService.SendCommand, _body, null, default);

    [Benchmark]
    public Task OutboxAlone() => _outbox.EnqueueAsync(_entry);

    [Benchmark]
    public Task OutboxWithConsoleOutsideSample() => _outboxSkipping.EnqueueAsync(_entry);

    [Benchmark]
    public Task OutboxWithConsoleRecorded() => _outboxRecording.EnqueueAsync(_entry);

    private sealed class AnsweringDoor : IDuisRequestHandler
    {
        private static readonly DuisAnswer Answer = new(new byte[1500], "I99", AnswerOutcome.Accepted);

        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Answer);

        public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Answer);
    }

    private sealed class DiscardingOutbox : IOutboxStore
    {
        public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<PendingDelivery>>([]);
        public Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);
    }
}
