using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// A fault injected on a device, as kept: its mode and parameter in the words of the admin API and
/// <c>openduis fault</c> (e.g. "slow" and "250"), read back through the network's own parser.
/// </summary>
public sealed record StoredDeviceFault(Eui Device, string Mode, string? Parameter);

/// <summary>
/// A Future Dated (DSP) request the DCC holds until its execution date-time (DUIS 3.4.2), as kept:
/// the accepted request's XML (already authenticated and admitted; it is not checked again when read back).
/// </summary>
public sealed record HeldDeviceRequest(RequestId RequestId, Eui Sender, DateTimeOffset AcceptedAt, DateTimeOffset ExecuteAt, byte[] RequestXml,
    DspScheduleId? Schedule = null)
{
    /// <summary>Held by its Device's owner under this lease: refused once another node took the Device (issue 22). Not kept.</summary>
    public DeviceFence? Fence { get; init; }

    /// <summary>
    /// Not held yet: a queued command on a database several nodes share, being handed to its Device's owner (issue 22).
    /// Its <see cref="ExecuteAt"/> is not known to the store (read it from the request).
    /// </summary>
    public bool Queued { get; init; }
}

/// <summary>
/// What the emulated SM WAN's execution layer keeps across a restart of the server (issue 6): the
/// faults injected per device and the Future Dated (DSP) requests held for release.
/// </summary>
public interface ISmWanExecutionStore
{
    /// <summary>Sets (or replaces) the device's fault.</summary>
    Task SaveFaultAsync(StoredDeviceFault fault, CancellationToken cancellationToken = default);

    /// <summary>Clears the device's fault; false when it had none.</summary>
    Task<bool> ClearFaultAsync(Eui device, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredDeviceFault>> FaultsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps a held request; with a <see cref="HeldDeviceRequest.Fence"/> (its Device's owner, on a database several nodes
    /// share) only while its Device's lease holds it (else <see cref="DeviceFencedException"/>) and its queued command is
    /// still there: false, nothing kept, when a cancellation took it while it was handed to the owner.
    /// </summary>
    Task<bool> HoldAsync(HeldDeviceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets a held request (released or cancelled); false when it was not held. With <paramref name="fence"/> (its
    /// Device's owner releasing it) nothing is forgotten once another node took the Device: <see cref="DeviceFencedException"/>.
    /// </summary>
    Task<bool> ForgetHeldAsync(RequestId requestId, CancellationToken cancellationToken = default, DeviceFence? fence = null);

    /// <summary>
    /// Every held request whose command is not in the durable command queue, earliest execution first: one still
    /// queued returns through the queue to its Device's owner, which holds it again.
    /// </summary>
    Task<IReadOnlyList<HeldDeviceRequest>> HeldAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels, in one transaction, the held requests of <paramref name="sender"/> to <paramref name="device"/> that
    /// <paramref name="matches"/> says a cancellation names (DUIS 3.4.2): forgets them, ends their requests Failed in
    /// the request log and drops their queued commands, so a node that does not own the Device answers the
    /// cancellation from the database (I99, or E52 when nothing was cancelled) and the owner finds them gone.
    /// Returns those cancelled. Two cancellations never both take the same held request.
    /// On a database several nodes share, the sender's queued commands to the Device that are not held yet (being handed
    /// to its owner, <see cref="HeldDeviceRequest.Queued"/>) are offered to <paramref name="matches"/> too, so one is
    /// cancelled wherever it is in its hand-over; <paramref name="cancellation"/>, the cancelling request (never offered),
    /// is ended Succeeded with them. With <paramref name="fence"/> (the Device's owner cancelling) nothing is cancelled once
    /// another node took the Device: <see cref="DeviceFencedException"/>.
    /// </summary>
    Task<IReadOnlyList<HeldDeviceRequest>> CancelHeldAsync(Eui sender, Eui device, Func<HeldDeviceRequest, bool> matches,
        CancellationToken cancellationToken = default, DeviceFence? fence = null, RequestId? cancellation = null);
}

/// <summary>One line of an emulated Device's event log as kept: its number among all the Device's events (the newest the highest), and what it records.</summary>
public sealed record StoredDeviceEvent(long Sequence, DateTimeOffset At, string Variant, string RequestId);

/// <summary>
/// An emulated Device's state as kept (issue 22): <paramref name="State"/> is the network's own document of it,
/// <paramref name="Version"/> counts its writes (the first is 1). Written, <paramref name="Events"/> are the events
/// logged since the version before; read, the newest the store keeps, oldest first.
/// </summary>
public sealed record StoredDeviceState(Eui Device, long Version, string State, IReadOnlyList<StoredDeviceEvent> Events)
{
    /// <summary>Written by the Device's owner for a command taken under this lease: refused once another node took the Device (issue 22).</summary>
    public DeviceFence? Fence { get; init; }
}

/// <summary>
/// Another process wrote these Devices' states since this one read them (a node that owned them before, or a device
/// event admitted elsewhere): nothing of the write was kept, and the states are to be read again.
/// </summary>
public sealed class DeviceStateConflictException(IReadOnlyList<Eui> devices)
    : Exception($"The state of {string.Join(", ", devices)} was written elsewhere since it was read here.")
{
    public IReadOnlyList<Eui> Devices { get; } = devices;
}

/// <summary>
/// Where the emulated Devices' state is kept (issue 22), so that what a Device is does not depend on which node runs
/// it, nor on a restart: a node that takes a Device over reads it here instead of starting it from the inventory.
/// </summary>
public interface IDeviceStateStore
{
    /// <summary>The Device's kept state with its newest events (oldest first), or null when none was written.</summary>
    Task<StoredDeviceState?> FindDeviceStateAsync(Eui device, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes each state as its <see cref="StoredDeviceState.Version"/> when the kept one is the version before (or
    /// there is none), with its new events, keeping each Device's newest <paramref name="eventsKept"/>; in the open
    /// unit of work when there is one, so the states commit with the responses that report them. Throws
    /// <see cref="DeviceStateConflictException"/> when any kept version is not the one before, and
    /// <see cref="DeviceFencedException"/> (nothing written) when a state's <see cref="StoredDeviceState.Fence"/> no longer holds.
    /// </summary>
    Task SaveDeviceStatesAsync(IReadOnlyList<StoredDeviceState> states, int eventsKept, CancellationToken cancellationToken = default);
}
