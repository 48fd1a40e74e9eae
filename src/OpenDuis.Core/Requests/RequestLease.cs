using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// An accepted device command as kept until its request ends, so that a restart executes it again
/// (or reports its failure): the request as the User sent it (signed), its sender, when it was
/// accepted and, for a DCC Schedule's occurrence, the schedule. With the Request ID and the
/// acceptance time it names the same Service Response on every execution (a stable ResponseID).
/// </summary>
public sealed record AcceptedCommand(RequestId RequestId, Eui Sender, DateTimeOffset AcceptedAt, byte[] RequestXml, DspScheduleId? Schedule = null)
{
    /// <summary>The Device's lease it was taken under, on a database several nodes share (its owner writes only under it).</summary>
    public DeviceFence? Fence { get; init; }
}

/// <summary>
/// The request could not be recorded durably, so it must not be acknowledged: the User is answered
/// HTTP 503 with the reason and may send it again.
/// </summary>
public sealed class RequestNotRecordedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The shared request log refused the request when it was recorded: another node sharing the database
/// holds its Request ID in process (E55) or already admitted a counter as high to the SMETS1 Device (E63).
/// The User is answered with <see cref="Code"/>, as the same node would have answered.
/// </summary>
public sealed class RequestRefusedException(ResponseCode code, string message) : Exception(message)
{
    public ResponseCode Code { get; } = code;
}

/// <summary>
/// What a <see cref="RequestLease"/> reports to: the request log (or the in-process set) that issued it.
/// Only leases call it, so a Request ID is started, admitted and ended in one place.
/// </summary>
internal interface IRequestLeaseIssuer
{
    /// <summary>
    /// The admitted request's command (or, without one, its request-log entry) is made durable. Returns where the
    /// command is executed: by another node sharing the database that owns its Device, or here under a fence.
    /// </summary>
    ValueTask<DeviceHolding> RecordAsync(RequestLease lease, AcceptedCommand? command, CancellationToken cancellationToken);

    /// <summary>The recorded command goes to <see cref="RequestLease.DeviceOwner"/> to be executed and ended there.</summary>
    void HandOver(RequestLease lease);

    /// <summary>
    /// This node lost the command's Device (its write as owner was fenced off): the command is left to the node
    /// that owns the Device now, and the request is not ended here.
    /// </summary>
    void StepDown(RequestLease lease);

    /// <summary>The request ended: <paramref name="outcome"/> null when it was refused before admission (nothing kept).</summary>
    void End(RequestLease lease, RequestState? outcome);
}

/// <summary>
/// One request's life, from the door's duplicate check (E55) to its end: begun by
/// <see cref="IRequestsInProcess.TryBegin"/>, admitted by the access-control pipeline, made durable
/// with its command before the acknowledgement (<see cref="RecordAsync"/>), carried with the command
/// into the Smart Metering WAN (<see cref="DeviceCommand.Lease"/>), and ended exactly once by whoever
/// finishes the request: <see cref="Complete"/> when its answer, Service Response or failure alert is
/// produced, <see cref="Abandon"/> when it was refused before admission. Later calls are ignored, so
/// a late completion can never end a newer request that reuses the Request ID. Thread-safe.
/// </summary>
public sealed class RequestLease
{
    private readonly IRequestLeaseIssuer? _issuer;
    private int _ended;
    private volatile bool _admitted;

    internal RequestLease(RequestId id, IRequestLeaseIssuer? issuer, bool admitted = false, DateTimeOffset? recordedAt = null, DeviceFence? fence = null)
    {
        Id = id;
        _issuer = issuer;
        _admitted = admitted;
        RecordedAt = recordedAt;
        Fence = fence;
    }

    /// <summary>A lease nothing tracks (a DCC Schedule's occurrence, a command built by hand): ending it changes nothing.</summary>
    public static RequestLease Untracked(RequestId id) => new(id, null);

    public RequestId Id { get; }

    /// <summary>Whether the access-control pipeline admitted the request.</summary>
    public bool IsAdmitted => _admitted;

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>When the recorded command was accepted (its key in the durable queue), once <see cref="RecordAsync"/> kept one.</summary>
    public DateTimeOffset? RecordedAt { get; private set; }

    /// <summary>
    /// The node that owns the command's Device, when another node sharing the database does (set by
    /// <see cref="RecordAsync"/>): the network here gives only its synchronous answer, and the command is
    /// executed by that node (<see cref="HandOver"/>), so a Device's state lives in one place.
    /// </summary>
    public string? DeviceOwner { get; private set; }

    /// <summary>
    /// The Device's lease this node executes the command under (a database several nodes share): every write it
    /// makes as the Device's owner for the command carries it, and is refused once another node took the Device.
    /// </summary>
    public DeviceFence? Fence { get; private set; }

    /// <summary>
    /// A DCC Schedule's occurrence whose command an earlier run queued already (a database several nodes share): nothing
    /// was queued by <see cref="RecordAsync"/>, and the command is not to be executed again here.
    /// </summary>
    public bool QueuedBefore { get; private set; }

    /// <summary>The access-control pipeline admitted the request: from now on it ends by <see cref="Complete"/>.</summary>
    public void Admitted() => _admitted = true;

    /// <summary>
    /// Makes the admitted request durable before it is acknowledged: its command (when it goes to the
    /// SM WAN), its request-log entry and its SMETS1 counter (E63) in one transaction. Throws
    /// <see cref="RequestNotRecordedException"/> when the store cannot take it.
    /// </summary>
    public async ValueTask RecordAsync(AcceptedCommand? command, CancellationToken cancellationToken = default)
    {
        if (_issuer is null) return;
        var holding = await _issuer.RecordAsync(this, command, cancellationToken).ConfigureAwait(false);
        if (command is null) return;
        RecordedAt = command.AcceptedAt;
        DeviceOwner = holding.OtherOwner;
        Fence = holding.Fence;
        QueuedBefore = holding.QueuedBefore;
    }

    /// <summary>
    /// The recorded command is handed to <see cref="DeviceOwner"/> through the database's command queue: it
    /// is executed and its request ended there, not here. Ignored when the request already ended (the
    /// network refused it at once) or has no other owner.
    /// </summary>
    public void HandOver()
    {
        if (DeviceOwner is null || Interlocked.Exchange(ref _ended, 1) != 0) return;
        _issuer?.HandOver(this);
    }

    /// <summary>
    /// This node's write as the Device's owner was refused (<see cref="DeviceFencedException"/>): another node took the
    /// Device, and the command with it, while this one stalled. The request is left to that node, not ended here.
    /// </summary>
    public void StepDown()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _issuer?.StepDown(this);
    }

    /// <summary>The request's processing ended: its answer, Service Response or failure alert is produced.</summary>
    public void Complete(bool succeeded) => Complete(succeeded ? RequestState.Succeeded : RequestState.Failed);

    /// <summary>The request's processing ended with <paramref name="outcome"/> (a failure the sequencing rules tell apart: E43 or E47).</summary>
    public void Complete(RequestState outcome)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _issuer?.End(this, outcome);
    }

    /// <summary>The request was refused at or before admission: whatever it reserved is released.</summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _issuer?.End(this, null);
    }

    public override string ToString() => $"{Id} ({(IsEnded ? "ended" : IsAdmitted ? "admitted" : "begun")})";
}
