namespace OpenDuis.Network;

/// <summary>How the emulated SM WAN behaves.</summary>
public sealed record EmulatedSmWanOptions
{
    /// <summary>Time from acceptance to the device's response being written to the outbox (each provider's round trip).</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A folder of RTDS GBCS messages (<c>&lt;use case&gt;/*_GBCS.HEX</c>) replayed for Message Codes the devices have no encoder for.</summary>
    public string? RtdsFolder { get; init; }

    /// <summary>The GBCS version Pre-Commands name (sr:PreCommand/sr:GBCSVersion).</summary>
    public string GbcsVersion { get; init; } = "4.0";

    /// <summary>Most commands executed and written to the outbox in one transaction.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Most commands waiting for their devices; past it a device request's acknowledgement waits until
    /// the devices have answered enough (no DUIS code refuses a request for being too many, so the DCC is slower instead).
    /// </summary>
    public int MaxQueued { get; init; } = 10_000;

    /// <summary>Most Transform Pre-Commands remembered for matching their Signed Pre-Commands (E51); the oldest is forgotten first.</summary>
    public int IssuedPreCommandLimit { get; init; } = 100_000;

    /// <summary>How long after a failed outbox write a batch is tried again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
