namespace OpenDuis.Core.Outbox;

/// <summary>
/// What one delivery attempt of a leased message came to: accepted by the User's endpoint (the
/// message leaves the outbox), or failed and due again at <see cref="NextAttemptAt"/> (R-WS-2:
/// retried with back-off, at least once). Either way the attempt is counted and the lease released.
/// </summary>
public sealed record DeliveryOutcome(long Sequence, DateTimeOffset At, DateTimeOffset? NextAttemptAt, string? Error)
{
    public bool Delivered => NextAttemptAt is null;

    public static DeliveryOutcome Accepted(long sequence, DateTimeOffset at) => new(sequence, at, null, null);

    public static DeliveryOutcome Retry(long sequence, DateTimeOffset at, DateTimeOffset nextAttemptAt, string error) => new(sequence, at, nextAttemptAt, error);
}
