using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Outbox;

/// <summary>What the DCC sends a User asynchronously (R-WS-2, DUIS 3.4.2): Service Responses and DCC Alerts.</summary>
public enum OutboxKind
{
    ServiceResponse,
    DccAlert,
}

/// <summary>
/// One signed message owed to a User, as written in the same transaction as the state change that
/// produced it. <paramref name="ResponseId"/> is stable across retries so receivers can de-duplicate;
/// <paramref name="OrderingKey"/> groups messages that must arrive in order (the Request ID for
/// responses to one request; R-WS-2 "in order per request").
/// </summary>
public sealed record OutboxEntry(string ResponseId, Eui Recipient, string OrderingKey, OutboxKind Kind, byte[] Body)
{
    /// <summary>
    /// Whether an entry whose <see cref="ResponseId"/> is stored already is the same message written again and is
    /// skipped, instead of refusing the write: a device response of a command executed again after a crash or a
    /// takeover (its key is the Request ID and acceptance time, so the first execution's response is this one).
    /// </summary>
    public bool SkipIfStored { get; init; }

    /// <summary>
    /// Written as the owner of a Device under this lease (a database several nodes share): the write lands only while
    /// the Device's lease still holds it, or the whole write is refused with <see cref="Requests.DeviceFencedException"/>.
    /// </summary>
    public Requests.DeviceFence? Fence { get; init; }

    public static OutboxEntry ForRequest(RequestId request, string responseId, OutboxKind kind, byte[] body) =>
        new(responseId, request.Originator, request.ToString(), kind, body);
}

/// <summary>An undelivered outbox message leased to one delivery worker.</summary>
public sealed record PendingDelivery(
    long Sequence,
    string ResponseId,
    Eui Recipient,
    string OrderingKey,
    OutboxKind Kind,
    byte[] Body,
    int Attempts,
    DateTimeOffset CreatedAt);
