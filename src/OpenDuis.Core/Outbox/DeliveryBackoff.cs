namespace OpenDuis.Core.Outbox;

/// <summary>
/// Exponential back-off between delivery attempts, capped so a User's endpoint that comes back is
/// served again within <see cref="Maximum"/> (R-WS-2: retries, exponential, bounded). Attempts never
/// stop: delivery is at least once.
/// </summary>
public sealed record DeliveryBackoff(TimeSpan Initial, TimeSpan Maximum, double Factor = 2.0)
{
    public static DeliveryBackoff Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(60));

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th consecutive failure (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var ms = Initial.TotalMilliseconds * Math.Pow(Factor, Math.Min(failedAttempts - 1, 62));
        return ms >= Maximum.TotalMilliseconds ? Maximum : TimeSpan.FromMilliseconds(ms);
    }
}
