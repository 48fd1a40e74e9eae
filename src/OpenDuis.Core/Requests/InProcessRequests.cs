using System.Collections.Concurrent;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// The request path's view of which Request IDs the DCC Systems are still processing (E55, DUIS
/// 3.5.10 Table 1). The door asks <see cref="TryBegin"/> before access control; a request refused
/// afterwards is <see cref="Abandon"/>ed; an admitted one is <see cref="Complete"/>d when its answer
/// (Non-Device) or its Service Response (device request) is produced. Thread-safe.
/// </summary>
public interface IRequestsInProcess
{
    /// <summary>False when a request with that ID is still in process (E55); otherwise it may reserve the ID.</summary>
    bool TryBegin(RequestId id);

    /// <summary>The request was refused after <see cref="TryBegin"/>: whatever it reserved is released.</summary>
    void Abandon(RequestId id);

    /// <summary>The admitted request's processing ended (answered, or its Service Response produced).</summary>
    void Complete(RequestId id, bool succeeded);
}

/// <summary>
/// Request IDs the DCC Systems are still processing, for E55 (DUIS 3.5.10 Table 1: "duplicate
/// Request ID of a request still being processed"). A Non-Device request is in process until its
/// answer is written; a device request until its Service Response is produced, or — when no
/// response ever comes — until <see cref="DeviceRequestHold"/> passes. Thread-safe.
/// </summary>
public sealed class InProcessRequests(TimeProvider clock, TimeSpan deviceRequestHold) : IRequestsInProcess
{
    private readonly ConcurrentDictionary<RequestId, long> _until = new();
    private long _nextSweep;

    public TimeSpan DeviceRequestHold { get; } = deviceRequestHold;

    public int Count => _until.Count;

    /// <summary>Marks the request in process; false when a request with that ID still is (E55).</summary>
    public bool TryBegin(RequestId id)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        SweepIfDue(now);
        var until = now + (long)DeviceRequestHold.TotalMilliseconds;
        while (true)
        {
            if (_until.TryAdd(id, until)) return true;
            if (!_until.TryGetValue(id, out var held)) continue;
            if (held > now) return false;
            if (_until.TryUpdate(id, until, held)) return true;
        }
    }

    /// <summary>The request's processing ended (answered, or its Service Response produced).</summary>
    public void Complete(RequestId id) => _until.TryRemove(id, out _);

    void IRequestsInProcess.Abandon(RequestId id) => Complete(id);

    void IRequestsInProcess.Complete(RequestId id, bool succeeded) => Complete(id);

    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + 60_000, due) != due) return;
        foreach (var (id, until) in _until)
            if (until <= now) _until.TryRemove(KeyValuePair.Create(id, until));
    }
}
