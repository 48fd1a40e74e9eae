namespace OpenDuis.Core.Outbox;

/// <summary>
/// The durable outbox (R-WS-2). Delivery is at least once: a message leaves the outbox only when
/// the User's endpoint has accepted it; a lease stops two workers (or two server nodes sharing one
/// database) from sending the same message at once, and expires so a crashed worker's messages are
/// sent again.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Adds messages in one transaction of their own (for writers with no other state to change).</summary>
    Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="max"/> messages that are due and are the oldest undelivered one of
    /// their ordering key, so a later message never overtakes an earlier one of the same request.
    /// </summary>
    Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default);

    Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default);

    /// <summary>Records a failed attempt and when to try again; the lease is released.</summary>
    Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a round of delivery attempts together (one transaction where the store has them), so
    /// a busy outbox costs one write per round rather than one per message.
    /// </summary>
    async Task RecordAttemptsAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        foreach (var o in outcomes)
        {
            if (o.Delivered) await MarkDeliveredAsync(o.Sequence, o.At, cancellationToken).ConfigureAwait(false);
            else await ScheduleRetryAsync(o.Sequence, o.NextAttemptAt!.Value, o.Error ?? "", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Messages not yet accepted by their recipient (the outbox depth).</summary>
    Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default);
}
