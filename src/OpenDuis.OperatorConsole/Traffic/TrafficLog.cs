using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.OperatorConsole.Traffic;

/// <summary>
/// The latest messages on the DUIS interface, in arrival order, held in a fixed ring so recording
/// costs a copy of each body and no lock. Older messages fall out; the Traffic page reads pages of
/// what is held, and the live stream sends at most a screenful of the newest each tick.
/// Above <see cref="PerSecond"/> messages a second it records a sample (the first that many in
/// each second) and counts the rest: the decision is taken before anything is copied, so a message
/// outside the sample costs the DUIS door a clock read and two counters (docs/benchmarks.md), and a
/// heavy load neither churns the collector with copies nor floods a viewer.
/// </summary>
internal sealed class TrafficLog(TimeProvider clock, int capacity = TrafficLog.DefaultCapacity, int perSecond = TrafficLog.DefaultPerSecond)
{
    public const int DefaultCapacity = 8192;
    public const int DefaultPerSecond = 200;

    private readonly TrafficMessage?[] _ring = new TrafficMessage?[capacity];
    private long _last, _seen, _second, _inSecond;

    public int PerSecond => perSecond;

    /// <summary>Every message that passed, recorded or not.</summary>
    public long Seen => Interlocked.Read(ref _seen);

    public int Capacity => _ring.Length;

    /// <summary>The sequence number of the newest message (0 before the first).</summary>
    public long Last => Interlocked.Read(ref _last);

    /// <summary>
    /// Whether the next message is recorded: true while this second's sample is not full. A message
    /// not admitted must be counted with <see cref="Skip"/>. Once the sample is full the rest of the
    /// second only reads the two shared fields, so the door's threads do not contend on writes.
    /// </summary>
    public bool Admit()
    {
        var second = clock.GetTimestamp() / clock.TimestampFrequency;
        if (Volatile.Read(ref _second) != second && Interlocked.Exchange(ref _second, second) != second)
            Interlocked.Exchange(ref _inSecond, 0);
        return Volatile.Read(ref _inSecond) < perSecond && Interlocked.Increment(ref _inSecond) <= perSecond;
    }

    /// <summary>Counts messages that passed without being recorded.</summary>
    public void Skip(int messages = 1) => Interlocked.Add(ref _seen, messages);

    public TrafficMessage Record(TrafficKind kind, byte[] body, Eui? recipient = null, string? note = null)
    {
        Interlocked.Increment(ref _seen);
        var sequence = Interlocked.Increment(ref _last);
        var message = new TrafficMessage(sequence, clock.GetUtcNow(), kind, body, recipient, note);
        Volatile.Write(ref _ring[sequence % _ring.Length], message);
        return message;
    }

    /// <summary>The message with this sequence number, if it is still held.</summary>
    public TrafficMessage? Find(long sequence)
    {
        if (sequence <= 0) return null;
        var m = Volatile.Read(ref _ring[sequence % _ring.Length]);
        return m?.Sequence == sequence ? m : null;
    }

    /// <summary>Held messages newest first, from <paramref name="before"/> (exclusive; 0 = the newest) down to <paramref name="after"/> (exclusive).</summary>
    public IEnumerable<TrafficMessage> NewestFirst(long before = 0, long after = 0)
    {
        var top = before > 0 ? Math.Min(before - 1, Last) : Last;
        var bottom = Math.Max(after, top - _ring.Length);
        for (var s = top; s > bottom; s--)
            if (Find(s) is { } m) yield return m;
    }
}

/// <summary>
/// Records a sample of the requests and their synchronous answers as they pass through the DUIS door.
/// A request outside the sample goes straight to the door (no copy, no state machine of its own); one
/// inside it is recorded with its answer, so a sampled request is never shown without it.
/// </summary>
internal sealed class RecordingRequestHandler(IDuisRequestHandler inner, TrafficLog log) : IDuisRequestHandler
{
    public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        HandleAsync(service, body, channel: null, cancellationToken);

    public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken)
    {
        if (log.Admit()) return RecordAsync(service, body, channel, cancellationToken);
        log.Skip(2);
        return inner.HandleAsync(service, body, channel, cancellationToken);
    }

    private async ValueTask<DuisAnswer> RecordAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken)
    {
        // The body is a pooled buffer the endpoint reuses: the log keeps its own copy.
        log.Record(TrafficKind.Request, body.ToArray());
        var answer = await inner.HandleAsync(service, body, channel, cancellationToken).ConfigureAwait(false);
        switch (answer.Outcome)
        {
            // The answer's bytes may be a pooled buffer the endpoint returns once written: the log keeps its own copy.
            case AnswerOutcome.Unreadable or AnswerOutcome.NotApplied:
                log.Record(TrafficKind.Refused, answer.Body.ToArray(), note: System.Text.Encoding.UTF8.GetString(answer.Body.Span).Trim());
                break;
            default:
                // I0 answers carry data (a Non-Device Service Response, a Pre-Command): DUIS 3.5.10.
                log.Record(answer.ResponseCode == nameof(ResponseCode.I0) ? TrafficKind.ServiceResponse : TrafficKind.Acknowledgement, answer.Body.ToArray());
                break;
        }
        return answer;
    }
}

/// <summary>
/// Records a sample of the Service Responses and DCC Alerts as they are written to the outbox for
/// their User. The sample is drawn before the write, so a write outside it is the inner store's alone.
/// </summary>
internal sealed class RecordingOutboxStore(IOutboxStore inner, TrafficLog log) : DelegatingOutboxStore(inner)
{
    public override Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        List<OutboxEntry>? sampled = null;
        foreach (var e in entries)
        {
            if (log.Admit()) (sampled ??= []).Add(e);
            else log.Skip();
        }
        if (sampled is null) return Inner.EnqueueAsync(entries, cancellationToken);
        return EnqueueAndRecordAsync(entries, sampled, cancellationToken);
    }

    private async Task EnqueueAndRecordAsync(IReadOnlyList<OutboxEntry> entries, List<OutboxEntry> sampled, CancellationToken cancellationToken)
    {
        await Inner.EnqueueAsync(entries, cancellationToken).ConfigureAwait(false);
        // Shown once the transaction that wrote them commits (a rolled-back change never reaches the User).
        Core.Transactions.UnitOfWorkContext.AfterCommit(() =>
        {
            foreach (var e in sampled)
                log.Record(e.Kind == OutboxKind.DccAlert ? TrafficKind.DccAlert : TrafficKind.ServiceResponse, e.Body, e.Recipient);
        });
    }
}
