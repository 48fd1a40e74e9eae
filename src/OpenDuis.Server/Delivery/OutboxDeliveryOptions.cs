using OpenDuis.Core.Outbox;

namespace OpenDuis.Server.Delivery;

/// <summary>How the delivery worker drains the outbox.</summary>
public sealed record OutboxDeliveryOptions
{
    /// <summary>Messages leased per round; they are heads of distinct ordering keys, so they go out in parallel.</summary>
    public int BatchSize { get; init; } = 64;

    public int Parallelism { get; init; } = 16;

    /// <summary>How often the outbox is looked at when nothing woke the worker.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a leased message is reserved; after a crash it is sent again once this passes.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one POST to a User's endpoint.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public DeliveryBackoff Backoff { get; init; } = DeliveryBackoff.Default;
}
