using Microsoft.Extensions.Logging;
using OpenDuis.Core.Outbox;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Hosting;

namespace OpenDuis.TestSupport;

/// <summary>
/// Outbox delivery tuned for tests: the worker looks often and retries within 50–400 ms, so a test
/// waits for a delivery in milliseconds rather than the production poll and back-off.
/// </summary>
internal static class FastDelivery
{
    /// <param name="lease">How long a leased message is reserved (and an attempt may take); null keeps the production lease and a 5 s attempt.</param>
    public static OutboxDeliveryOptions Options(int pollMs = 50, TimeSpan? lease = null)
    {
        var options = new OutboxDeliveryOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(pollMs),
            AttemptTimeout = lease ?? TimeSpan.FromSeconds(5),
            Backoff = new DeliveryBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400)),
        };
        return lease is { } l ? options with { Lease = l } : options;
    }

    /// <summary>A server on a free port with <see cref="Options"/>, logging at <paramref name="level"/> and above.</summary>
    public static ServerOptions Server(int pollMs = 50, TimeSpan? lease = null, LogLevel level = LogLevel.Error) => new()
    {
        Port = 0,
        MinimumLogLevel = level,
        Delivery = Options(pollMs, lease),
    };
}
