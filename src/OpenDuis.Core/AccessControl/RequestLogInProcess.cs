using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The door's duplicate check (E55) read from the pipeline's <see cref="IRequestLog"/>, so that one
/// log serves both: the door only asks whether the ID is in progress; the pipeline records the
/// request atomically when it admits it (<see cref="AccessPipeline.Decide"/>), so nothing is counted
/// twice and a refused request leaves no trace. The leases it issues record and end the request in
/// that log.
/// </summary>
public sealed class RequestLogInProcess(IRequestLog log) : IRequestsInProcess, IRequestLeaseIssuer
{
    public IRequestLog Log => log;

    public RequestLease? TryBegin(RequestId id) =>
        log.TryGet(id, out var entry) && entry.State == RequestState.InProgress ? null : new RequestLease(id, this);

    public RequestLease Resume(RequestId id, DateTimeOffset acceptedAt, DeviceFence? fence = null) => new(id, this, admitted: true, recordedAt: acceptedAt, fence);

    ValueTask<DeviceHolding> IRequestLeaseIssuer.RecordAsync(RequestLease lease, AcceptedCommand? command, CancellationToken cancellationToken) =>
        log.RecordAsync(lease.Id, command, cancellationToken);

    void IRequestLeaseIssuer.HandOver(RequestLease lease)
    {
        if (lease.RecordedAt is { } at && lease.DeviceOwner is { } owner) log.HandOver(lease.Id, at, owner);
    }

    void IRequestLeaseIssuer.StepDown(RequestLease lease)
    {
        if (lease.RecordedAt is { } at) log.StepDown(lease.Id, at);
    }

    // A request refused before admission left no entry to end.
    void IRequestLeaseIssuer.End(RequestLease lease, RequestState? outcome)
    {
        if (outcome is { } o) log.Complete(lease.Id, o, lease.RecordedAt);
    }
}
