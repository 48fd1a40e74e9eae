using System.Collections.Concurrent;
using OpenDuis.Core.Outbox;

namespace OpenDuis.Storage.Outbox;

/// <summary>
/// The bodies of the messages this process committed to the outbox, by Response ID, until its delivery worker
/// leases them: a node that writes and delivers its own messages sends them from memory instead of reading back
/// what it has just written. The outbox stays the record (what is here is also stored, byte for byte): a lease
/// finding no body here (written by another node, evicted, or tried before) reads it from the database.
/// </summary>
/// <param name="capacity">Bodies kept at most; past it the oldest are forgotten (a node whose messages another node delivers).</param>
internal sealed class RecentOutboxBodies(int capacity = 4096)
{
    private readonly ConcurrentDictionary<string, byte[]> _bodies = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private int _count;

    public void Remember(IReadOnlyList<OutboxEntry> written)
    {
        foreach (var entry in written)
        {
            if (!_bodies.TryAdd(entry.ResponseId, entry.Body)) continue;
            _order.Enqueue(entry.ResponseId);
            // The order queue also holds IDs taken since: forgetting one of those removes nothing.
            if (Interlocked.Increment(ref _count) > capacity && _order.TryDequeue(out var oldest))
            {
                Interlocked.Decrement(ref _count);
                _bodies.TryRemove(oldest, out _);
            }
        }
    }

    /// <summary>The body written under <paramref name="responseId"/>, removed: a later attempt reads the stored one.</summary>
    public byte[]? TryTake(string responseId) => _bodies.TryRemove(responseId, out var body) ? body : null;
}
