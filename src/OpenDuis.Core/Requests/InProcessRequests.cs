using System.Collections.Concurrent;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// The request path's view of which Request IDs the DCC Systems are still processing (E55, DUIS
/// 3.5.10 Table 1). The door asks <see cref="TryBegin"/> before access control and gets the
/// request's <see cref="RequestLease"/>, which from then on owns the request's life: it is admitted,
/// recorded, carried with the command and ended through the lease alone. Thread-safe.
/// </summary>
public interface IRequestsInProcess
{
    /// <summary>Null when a request with that ID is still in process (E55); otherwise the new request's lease.</summary>
    RequestLease? TryBegin(RequestId id);

    /// <summary>
    /// The lease of a request admitted before a restart whose command is executed again, accepted at
    /// <paramref name="acceptedAt"/> (the key its command was recorded under).
    /// </summary>
    RequestLease Resume(RequestId id, DateTimeOffset acceptedAt, DeviceFence? fence = null);
}

/// <summary>
/// Request IDs the DCC Systems are still processing, for E55 (DUIS 3.5.10 Table 1: "duplicate
/// Request ID of a request still being processed"). A Non-Device request is in process until its
/// answer is written; a device request until its Service Response is produced, or — when no
/// response ever comes — until <see cref="DeviceRequestHold"/> passes. Thread-safe.
/// </summary>
public sealed class InProcessRequests(TimeProvider clock, TimeSpan deviceRequestHold) : IRequestsInProcess, IRequestLeaseIssuer
{
    private readonly ConcurrentDictionary<RequestId, long> _until = new();
    private long _nextSweep;

    public TimeSpan DeviceRequestHold { get; } = deviceRequestHold;

    public int Count => _until.Count;

    /// <summary>Marks the request in process; null when a request with that ID still is (E55).</summary>
    public RequestLease? TryBegin(RequestId id) => TryReserve(id) ? new RequestLease(id, this) : null;

    public RequestLease Resume(RequestId id, DateTimeOffset acceptedAt, DeviceFence? fence = null)
    {
        TryReserve(id);
        return new RequestLease(id, this, admitted: true, recordedAt: acceptedAt, fence);
    }

    private bool TryReserve(RequestId id)
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

    // Nothing outlives the process here: there is nothing to record.
    ValueTask<DeviceHolding> IRequestLeaseIssuer.RecordAsync(RequestLease lease, AcceptedCommand? command, CancellationToken cancellationToken) => ValueTask.FromResult(default(DeviceHolding));

    // One process owns every Device: nothing is handed over, nor fenced.
    void IRequestLeaseIssuer.HandOver(RequestLease lease) => _until.TryRemove(lease.Id, out _);

    void IRequestLeaseIssuer.StepDown(RequestLease lease) => _until.TryRemove(lease.Id, out _);

    void IRequestLeaseIssuer.End(RequestLease lease, AccessControl.RequestState? outcome) => _until.TryRemove(lease.Id, out _);

    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + 60_000, due) != due) return;
        foreach (var (id, until) in _until)
            if (until <= now) _until.TryRemove(KeyValuePair.Create(id, until));
    }
}
