using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Outbox;

/// <summary>An undelivered message as the operator sees it (<c>openduis outbox list</c>).</summary>
/// <param name="Parked">Set aside until released: its User has no response endpoint (see <see cref="OutboxParking"/>).</param>
public sealed record UndeliveredMessage(long Sequence, string ResponseId, Eui Recipient, OutboxKind Kind, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, string? LastError, bool Parked);

/// <summary>What the operator may see and do to the outbox: list what waits, and release parked messages.</summary>
public interface IOutboxAdmin
{
    Task<IReadOnlyList<UndeliveredMessage>> ListUndeliveredAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>Makes parked messages (all, or one recipient's) due now; returns how many.</summary>
    Task<int> ReleaseParkedAsync(Eui? recipient, DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>
/// A message for a User with no response endpoint is parked rather than retried every few seconds
/// forever: it waits, due at <see cref="Until"/>, until the operator sets the endpoint (which releases
/// the User's messages) or releases it with <c>openduis outbox retry</c>.
/// </summary>
public static class OutboxParking
{
    /// <summary>The due time of a parked message: never, until released.</summary>
    public static readonly DateTimeOffset Until = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);
}
