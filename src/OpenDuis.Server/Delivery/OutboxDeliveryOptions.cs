using OpenDuis.Core.Outbox;

namespace OpenDuis.Server.Delivery;

/// <summary>How the delivery worker drains the outbox.</summary>
public sealed record OutboxDeliveryOptions
{
    /// <summary>Messages leased per round; they are heads of distinct ordering keys, so they go out in parallel.</summary>
    /// <remarks>
    /// A round ends when its last POST does, so its size and parallelism bound delivery's rate: at 64 and 16
    /// it fell behind about 2,700 device responses a second on two cores (1,900/s delivered); at 256 and 32 it keeps up.
    /// </remarks>
    public int BatchSize { get; init; } = 256;

    /// <summary>POSTs in flight at once in a round.</summary>
    public int Parallelism { get; init; } = 32;

    /// <summary>How often the outbox is looked at when nothing woke the worker.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a leased message is reserved; after a crash it is sent again once this passes.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one POST to a User's endpoint.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public DeliveryBackoff Backoff { get; init; } = DeliveryBackoff.Default;
}
