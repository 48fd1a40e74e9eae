using Microsoft.Extensions.Time.Testing;
using OpenDuis.Core.Alerts;

namespace OpenDuis.Core.Tests.Alerts;

/// <summary>
/// The counters of ResponseIDs the DCC originates: a node alone counts from its start time in microseconds, as
/// before; nodes sharing a database carry their node number, so two started in the same millisecond never collide.
/// </summary>
public sealed class ResponseCounterTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_node_alone_counts_up_from_its_start_time_in_microseconds()
    {
        var counter = new ResponseCounter(new FakeTimeProvider(Start));
        var first = (ulong)Start.ToUnixTimeMilliseconds() * 1000 + 1;
        Assert.Equal([first, first + 1, first + 2], [counter.Next(), counter.Next(), counter.Next()]);
    }

    [Fact]
    public void Two_nodes_started_in_the_same_millisecond_or_close_together_never_allot_the_same_counter()
    {
        var clock = new FakeTimeProvider(Start);
        var a = new ResponseCounter(clock, node: 0);
        var b = new ResponseCounter(clock, node: 1);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var c = new ResponseCounter(clock, node: 2); // a and b will count past c's start
        var seen = new HashSet<ulong>();
        for (var i = 0; i < 5_000; i++)
        {
            Assert.True(seen.Add(a.Next()));
            Assert.True(seen.Add(b.Next()));
            Assert.True(seen.Add(c.Next()));
        }
        // Still rising per node, and within the 20 digits of a DUIS Request ID's counter.
        var last = a.Next();
        Assert.True(last > seen.Where(s => s % ResponseCounter.NodeNumbers == 0).Max());
        Assert.True(last.ToString(System.Globalization.CultureInfo.InvariantCulture).Length <= 20);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResponseCounter(clock, ResponseCounter.NodeNumbers));
    }
}
