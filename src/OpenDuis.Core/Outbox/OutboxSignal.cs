using OpenDuis.Core.Transactions;

namespace OpenDuis.Core.Outbox;

/// <summary>
/// Tells this process's delivery worker that messages were committed to the outbox, so it sends them
/// at once rather than at its next poll. Only a hint: the worker still polls, which is how it finds
/// what another process (or node) wrote.
/// </summary>
public sealed class OutboxSignal
{
    /// <summary>Raised after messages are committed.</summary>
    public event Action? Enqueued;

    public void Raise() => Enqueued?.Invoke();
}

/// <summary>
/// An outbox that raises <see cref="OutboxSignal"/> once what it enqueued is committed: at once for a
/// write of its own, after the commit when it joined an open unit of work (never, if that rolls back).
/// </summary>
public sealed class SignallingOutboxStore(IOutboxStore inner, OutboxSignal signal) : DelegatingOutboxStore(inner)
{
    public override async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        await Inner.EnqueueAsync(entries, cancellationToken).ConfigureAwait(false);
        if (entries.Count > 0) UnitOfWorkContext.AfterCommit(signal.Raise);
    }
}

/// <summary>An outbox store that passes every call to another; a decorator overrides what it adds to.</summary>
public abstract class DelegatingOutboxStore(IOutboxStore inner) : IOutboxStore
{
    public IOutboxStore Inner => inner;

    /// <summary>
    /// The store, or the first one it wraps, that is a <typeparamref name="T"/>: a decorator passes on
    /// only <see cref="IOutboxStore"/>, so an operator's view (<see cref="IOutboxAdmin"/>, <see cref="IOutboxInspection"/>)
    /// is found beneath it.
    /// </summary>
    public static T? Find<T>(IOutboxStore store) where T : class
    {
        for (IOutboxStore? s = store; s is not null; s = (s as DelegatingOutboxStore)?.Inner)
            if (s is T found) return found;
        return null;
    }

    public virtual Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default) =>
        inner.EnqueueAsync(entries, cancellationToken);

    public Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default) =>
        inner.LeaseDueAsync(now, lease, max, cancellationToken);

    public Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default) =>
        inner.MarkDeliveredAsync(sequence, deliveredAt, cancellationToken);

    public Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) =>
        inner.ScheduleRetryAsync(sequence, nextAttemptAt, error, cancellationToken);

    public Task RecordAttemptsAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default) =>
        inner.RecordAttemptsAsync(outcomes, cancellationToken);

    public Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default) => inner.CountUndeliveredAsync(cancellationToken);
}
