namespace OpenDuis.Core.Tests;

/// <summary>A clock that stands still at a chosen instant (rules take time from a TimeProvider).</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
