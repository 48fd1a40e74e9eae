using Microsoft.Extensions.Logging;

namespace OpenDuis.Network.Execution;

/// <summary>
/// Actions due at a time of the injected clock (a held Future Dated (DSP) request's release, a
/// device's failure becoming known, a sequence's Wait Period running out), run one at a time on a
/// worker in due order. In memory: what is pending is lost on restart, as the network's queue is.
/// </summary>
internal sealed partial class ExecutionTimeline(TimeProvider clock, ILogger logger) : IAsyncDisposable
{
    private readonly PriorityQueue<Entry, (DateTimeOffset, long)> _queue = new();
    private readonly HashSet<long> _cancelled = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private long _next;
    private int _disposed;
    private Task? _worker;

    private sealed record Entry(long Id, Func<CancellationToken, Task> Action);

    public int Pending { get { lock (_gate) return _queue.Count - _cancelled.Count; } }

    /// <summary>Runs <paramref name="action"/> once <paramref name="due"/> has passed; returns an id to <see cref="Cancel"/> it by.</summary>
    public long At(DateTimeOffset due, Func<CancellationToken, Task> action)
    {
        var id = Interlocked.Increment(ref _next);
        lock (_gate)
        {
            _queue.Enqueue(new Entry(id, action), (due, id));
            _worker ??= Task.Run(() => RunAsync(_stop.Token));
        }
        _wake.Release();
        return id;
    }

    /// <summary>Cancels an action not yet run; false when it has run or was cancelled already.</summary>
    public bool Cancel(long id)
    {
        lock (_gate)
        {
            if (!_queue.UnorderedItems.Any(i => i.Element.Id == id)) return false;
            return _cancelled.Add(id);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Entry? due = null;
            TimeSpan wait;
            lock (_gate)
            {
                var now = clock.GetUtcNow();
                while (_queue.TryPeek(out var first, out var key) && key.Item1 <= now)
                {
                    _queue.Dequeue();
                    if (_cancelled.Remove(first.Id)) continue;
                    due = first;
                    break;
                }
                wait = _queue.TryPeek(out _, out var next) ? next.Item1 - now : TimeSpan.FromSeconds(1);
            }
            if (due is not null)
            {
                try { await due.Action(stop); }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                catch (Exception e) { LogActionFailed(logger, e); }
                continue;
            }
            wait = wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var woken = _wake.WaitAsync(either.Token);
            var slept = Task.Delay(wait, clock, either.Token);
            await Task.WhenAny(woken, slept);
            await either.CancelAsync();
            try { await Task.WhenAll(woken, slept); } catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        Task? worker;
        lock (_gate) worker = _worker;
        if (worker is not null)
            try { await worker; } catch (OperationCanceledException) { }
        _stop.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A due action of the SM WAN's execution failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception);
}
