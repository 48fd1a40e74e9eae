using System.Threading.Channels;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>One SMETS1 anti-replay high-water mark (E63): the highest counter admitted from an originator to a SMETS1 Device.</summary>
public readonly record struct Smets1Counter(Eui Originator, Eui Target, ulong Counter);

/// <summary>What the request log keeps across restarts: the requests received since a time, and every SMETS1 counter.</summary>
public sealed record RequestLogState(IReadOnlyList<LoggedRequest> Requests, IReadOnlyList<Smets1Counter> Smets1Counters);

/// <summary>Where a <see cref="DurableRequestLog"/> writes its entries (the data folder's database).</summary>
public interface IRequestLogStore
{
    /// <summary>
    /// The requests received at or after <paramref name="since"/>, and all SMETS1 counters. With
    /// <paramref name="unlinkedSince"/>, a finished request received before it is left out unless it is
    /// linked (the test of <see cref="InMemoryRequestLog"/>: in a sequence, or it returned a Command for Local Delivery).
    /// </summary>
    Task<RequestLogState> LoadAsync(DateTimeOffset since, DateTimeOffset? unlinkedSince = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the requests received before <paramref name="before"/>, and the finished unlinked ones received
    /// before <paramref name="unlinkedBefore"/>: what <see cref="LoadAsync"/> would no longer return. Returns how many.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset? unlinkedBefore = null, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces these entries and counters (a counter only ever rises), in one transaction.</summary>
    Task WriteAsync(IReadOnlyList<LoggedRequest> requests, IReadOnlyList<Smets1Counter> counters, CancellationToken cancellationToken = default);
}

/// <summary>
/// The request log (E55, the sequencing codes, E63) kept across restarts: an <see cref="InMemoryRequestLog"/>
/// answers every question from memory, as on the hot path before, and each change is written behind to
/// an <see cref="IRequestLogStore"/> in batches by one background writer. Disposing flushes what is
/// pending; a crash loses at most the changes of the last batch interval. Opening reloads the requests
/// of the retention window and all SMETS1 counters.
/// </summary>
public sealed class DurableRequestLog : IRequestLog, Transactions.IRequestRecording, IAsyncDisposable
{
    /// <summary>How this log names itself to <see cref="Transactions.StorageHealth"/>.</summary>
    public const string Component = "request log";

    /// <summary>How often the writer deletes from the store what no longer needs keeping.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly InMemoryRequestLog _memory;
    private readonly IRequestLogStore _store;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _retention;
    private readonly TimeSpan? _unlinkedRetention;
    private readonly Channel<object> _changes = Channel.CreateUnbounded<object>();
    private readonly Task _writer;
    private readonly Transactions.StorageHealth? _health;
    private DateTimeOffset _nextPrune;
    private int _disposed;

    private DurableRequestLog(InMemoryRequestLog memory, IRequestLogStore store, TimeProvider clock, TimeSpan retention, TimeSpan? unlinkedRetention,
        Transactions.StorageHealth? health)
    {
        _health = health;
        _memory = memory;
        _store = store;
        _clock = clock;
        _retention = retention;
        _unlinkedRetention = unlinkedRetention;
        _writer = Task.Run(WriteBehindAsync);
    }

    /// <summary>Loads what <paramref name="store"/> holds from the last <paramref name="retention"/> and starts writing behind.</summary>
    /// <param name="health">Told of each failed write and of the next that succeeds.</param>
    public static async Task<DurableRequestLog> OpenAsync(IRequestLogStore store, TimeProvider clock, TimeSpan inProgressHold, TimeSpan retention,
        TimeSpan? unlinkedRetention = null, CancellationToken cancellationToken = default, Transactions.StorageHealth? health = null)
    {
        var memory = new InMemoryRequestLog(clock, inProgressHold, retention, unlinkedRetention);
        var now = clock.GetUtcNow();
        var state = await store.LoadAsync(now - retention, now - unlinkedRetention, cancellationToken).ConfigureAwait(false);
        // Successors first, so a request named as preceding counts as linked when its turn comes.
        foreach (var request in state.Requests.OrderByDescending(r => r.Received)) memory.Restore(request);
        foreach (var counter in state.Smets1Counters) memory.RestoreSmets1Counter(counter);
        return new DurableRequestLog(memory, store, clock, retention, unlinkedRetention, health);
    }

    /// <summary>Changes not yet written (for tests and metrics).</summary>
    public int Pending => _changes.Reader.Count;

    public bool TryGet(RequestId id, out LoggedRequest entry) => _memory.TryGet(id, out entry);

    public bool TryGetSuccessor(RequestId preceding, out RequestId successor) => _memory.TryGetSuccessor(preceding, out successor);

    public bool TryGetLastSmets1Counter(Eui originator, Eui target, out ulong counter) => _memory.TryGetLastSmets1Counter(originator, target, out counter);

    public bool TryAdmit(in LoggedRequest entry, bool smets1Target)
    {
        if (!_memory.TryAdmit(entry, smets1Target)) return false;
        _changes.Writer.TryWrite(entry);
        if (smets1Target && _memory.TryGetLastSmets1Counter(entry.Id.Originator, entry.Id.Target, out var counter))
            _changes.Writer.TryWrite(new Smets1Counter(entry.Id.Originator, entry.Id.Target, counter));
        return true;
    }

    public void Complete(RequestId id, RequestState outcome)
    {
        _memory.Complete(id, outcome);
        if (_memory.TryGetStored(id, out var entry)) _changes.Writer.TryWrite(entry);
    }

    public void EndSequence(RequestId last)
    {
        _memory.EndSequence(last);
        if (_memory.TryGetStored(last, out var entry)) _changes.Writer.TryWrite(entry);
    }

    /// <summary>Waits until everything changed so far is written.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_changes.Writer.TryWrite(done)) return;
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes once every change made so far is written, or fails with <see cref="Transactions.StorageFailedException"/>
    /// at the first write that fails (the changes are kept and tried again): the request path acknowledges a
    /// request only once it is recorded, and answers 503 when it cannot be.
    /// </summary>
    public Task RecordedAsync(CancellationToken cancellationToken = default)
    {
        var recorded = new Recorded();
        if (!_changes.Writer.TryWrite(recorded)) return Task.CompletedTask;
        return recorded.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A waiter for <see cref="RecordedAsync"/>: unlike a flush, told of a failed write at once.</summary>
    private sealed class Recorded() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task WriteBehindAsync()
    {
        var requests = new Dictionary<RequestId, LoggedRequest>();
        var counters = new Dictionary<(Eui, Eui), Smets1Counter>();
        var flushed = new List<TaskCompletionSource>();
        var recorded = new List<Recorded>();
        while (await _changes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(requests, counters, flushed, recorded);
            if (requests.Count + counters.Count > 0)
            {
                // A failed write (the database busy, full, read-only or away) is retried until it succeeds, or until
                // disposal gives up. Who waits to acknowledge is told at once; what arrives meanwhile joins the batch.
                while (true)
                {
                    try
                    {
                        await _store.WriteAsync([.. requests.Values], [.. counters.Values]).ConfigureAwait(false);
                        _health?.Succeeded(Component);
                        break;
                    }
                    catch (Exception e) when (Volatile.Read(ref _disposed) == 0)
                    {
                        _health?.Failed(Component, e);
                        var failure = new Transactions.StorageFailedException(Component, e);
                        foreach (var r in recorded) r.TrySetException(failure);
                        recorded.Clear();
                        await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
                        Drain(requests, counters, flushed, recorded);
                    }
                }
                requests.Clear();
                counters.Clear();
            }
            await PruneIfDueAsync().ConfigureAwait(false);
            foreach (var f in flushed) f.TrySetResult();
            flushed.Clear();
            foreach (var r in recorded) r.TrySetResult();
            recorded.Clear();
        }
    }

    private void Drain(Dictionary<RequestId, LoggedRequest> requests, Dictionary<(Eui, Eui), Smets1Counter> counters,
        List<TaskCompletionSource> flushed, List<Recorded> recorded)
    {
        while (requests.Count + counters.Count < 1000 && _changes.Reader.TryRead(out var change))
        {
            switch (change)
            {
                case LoggedRequest r: requests[r.Id] = r; break;
                case Smets1Counter c: counters[(c.Originator, c.Target)] = c; break;
                case Recorded r: recorded.Add(r); break;
                case TaskCompletionSource f: flushed.Add(f); break;
            }
        }
    }

    /// <summary>
    /// Keeps the store to what a restart would load, as the sweep keeps memory: without it the table
    /// grew by every request for ever (about 40 GB a day at 3,000 requests/s). A failure is tried
    /// again at the next interval; nothing depends on a row being gone.
    /// </summary>
    private async Task PruneIfDueAsync()
    {
        var now = _clock.GetUtcNow();
        if (now < _nextPrune) return;
        _nextPrune = now + PruneInterval;
        try
        {
            await _store.PruneAsync(now - _retention, now - _unlinkedRetention).ConfigureAwait(false);
        }
        catch (Exception) when (Volatile.Read(ref _disposed) == 0)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _changes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    public override string ToString() => $"{_memory} (durable, {Pending} pending)";
}
