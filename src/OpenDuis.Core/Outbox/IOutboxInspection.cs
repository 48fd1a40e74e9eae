using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Outbox;

/// <summary>What one User is owed: messages not yet accepted by its endpoint, and since when.</summary>
public sealed record OutboxRecipientState(Eui Recipient, long Waiting, DateTimeOffset OldestCreatedAt);

/// <summary>An undelivered message whose last attempt failed, and when the next one is due.</summary>
public sealed record OutboxFailure(long Sequence, string ResponseId, Eui Recipient, string Kind, int Attempts, DateTimeOffset NextAttemptAt, string Error);

/// <summary>The operator's view of the outbox (the console's Deliveries page): read it, and send again now.</summary>
public interface IOutboxInspection
{
    Task<IReadOnlyList<OutboxRecipientState>> WaitingByRecipientAsync(CancellationToken cancellationToken = default);

    /// <summary>The latest undelivered messages whose last attempt failed, newest first.</summary>
    Task<IReadOnlyList<OutboxFailure>> RecentFailuresAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>Makes every undelivered message (of <paramref name="recipient"/>, or all) due now, ending its back-off; returns how many.</summary>
    Task<int> RetryNowAsync(Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default);
}
