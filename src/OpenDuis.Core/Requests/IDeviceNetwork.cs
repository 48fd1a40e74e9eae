using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Requests;

/// <summary>
/// A device request the DCC Systems accepted (it passed the door and access control), on its way to
/// the Smart Metering WAN: sent by a User on serviceS/T/D, or raised by the DSP itself when a DCC
/// Schedule falls due (<paramref name="Schedule"/> set; DUIS 3.5.7: its responses carry the
/// DSPScheduleID).
/// </summary>
/// <param name="Sender">The User the request is executed for and whose responses it receives.</param>
/// <param name="AcceptedAt">When access control accepted it (execution time for a DCC Schedule's occurrence).</param>
public sealed record DeviceCommand(DuisRequest Request, Eui Sender, DateTimeOffset AcceptedAt, DspScheduleId? Schedule = null)
{
    /// <summary>The request's lease, carried with the command: whoever finishes the request completes it.</summary>
    public RequestLease Lease { get; init; } = RequestLease.Untracked(Request.RequestId);

    /// <summary>The command as the durable queue keeps it: <paramref name="requestXml"/> is the request as received (copied: its buffer may be reused).</summary>
    public AcceptedCommand ToAccepted(ReadOnlyMemory<byte> requestXml) => new(Request.RequestId, Sender, AcceptedAt, requestXml.ToArray(), Schedule);
}

/// <summary>
/// What the network answers at once for an accepted device request. Most are acknowledged (I99) and
/// answered later through the outbox; a Transform (Command Variant 4) is answered with the
/// PreCommand the User must sign (DUIS 3.4.2, 3.5.5), and a request the network refuses before it
/// is queued (E51 for a SignedPreCommand that does not match its PreCommand, say) with that code.
/// </summary>
/// <param name="Answer">The synchronous answer to send instead of an acknowledgement (e.g. the PreCommand), unsigned.</param>
public readonly record struct DeviceAcceptance(ResponseCode Code, DuisResponse? Answer = null)
{
    public static DeviceAcceptance Acknowledged => new(ResponseCode.I99);
}

/// <summary>
/// The Smart Metering WAN as the DCC Systems see it: Communication Service Providers per region and
/// the SMETS1 Service Provider, in front of the devices. It owns what happens after acceptance —
/// device responses, failures, Future Dated and sequenced execution — and writes every Service
/// Response and DCC Alert it produces to the outbox, completing the command's <see cref="RequestLease"/>
/// when its processing ends. Thread-safe.
/// </summary>
public interface IDeviceNetwork
{
    /// <summary>
    /// Takes an accepted device request. Returns once the request is in the network's hands (or
    /// answered at once, or refused with a code); the device's answer arrives later, through the
    /// outbox. From here on the network, not the caller, completes the command's
    /// <see cref="DeviceCommand.Lease"/>: at once when it answers synchronously (Transform, local
    /// delivery only) or refuses, otherwise when the Service Response or failure alert is written.
    /// </summary>
    ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default);
}
