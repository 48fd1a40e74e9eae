namespace OpenDuis.Core.Alerts;

/// <summary>
/// Allots the counters of the ResponseIDs the DCC originates (DCC Alerts; SMETS1 Device alerts): from the start time
/// in microseconds, one more each, so they stay unique and rising across restarts without a stored sequence. A node
/// sharing its database with others has a node number (<see cref="NodeNumbers"/> of them, taken from the database at
/// start): it is the counter's low <see cref="NodeBits"/> bits, so two nodes never allot the same counter, even started
/// in the same millisecond or with one's count running into the other's start. The counter stays an unsigned 64-bit
/// decimal of at most 20 digits, as a DUIS Request ID's is (until the year 2540).
/// </summary>
public sealed class ResponseCounter
{
    /// <summary>How many low bits carry the node number.</summary>
    public const int NodeBits = 10;

    /// <summary>How many node numbers there are (nodes started further apart than this many starts may share one).</summary>
    public const int NodeNumbers = 1 << NodeBits;

    private readonly int? _node;
    private long _last;

    /// <param name="node">This node's number (0 to <see cref="NodeNumbers"/> − 1) among nodes sharing a database; null for a node alone (SQLite).</param>
    public ResponseCounter(TimeProvider clock, int? node = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (node is < 0 or >= NodeNumbers) throw new ArgumentOutOfRangeException(nameof(node), node, $"A node number is 0 to {NodeNumbers - 1}.");
        _node = node;
        _last = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>The next counter.</summary>
    public ulong Next()
    {
        var next = (ulong)Interlocked.Increment(ref _last);
        return _node is { } node ? (next << NodeBits) | (uint)node : next;
    }
}
