using System.Text;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Schedules;

/// <summary>
/// On a database several nodes share (issue 22), a DCC Schedule's occurrence runs against its Device's owner, not
/// on whichever node holds the schedule's lease: its command is recorded in the durable command queue (the Device
/// claimed when no live node owns it) and, when another node owns the Device, handed to that node there, as a
/// User's request admitted off the owner is. The owner executes it against the Device's state and answers the
/// schedule's owner with the DSPScheduleID (DUIS 3.5.7); a node that dies with it queued leaves it to the takeover.
/// An occurrence is queued once (dcc_schedule_occurrences): a run of it again, by any node, queues and executes nothing.
/// </summary>
internal sealed class ScheduledCommandsToOwner(IDeviceNetwork network, DurableRequestLog log, IRequestsInProcess inProcess) : IDeviceNetwork
{
    public async ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Schedule is null || !log.IsShared || !command.Request.CommandVariant.SendsOverSmWan())
            return await network.AcceptAsync(command, cancellationToken);
        // Tracked as a command the queue keeps, not as a User's request (no E55 or sequencing claim: DCC-generated).
        var lease = inProcess.Resume(command.Request.RequestId, command.AcceptedAt);
        await lease.RecordAsync(command.ToAccepted(Encoding.UTF8.GetBytes(command.Request.ToXmlDocument().OuterXml)), cancellationToken);
        // Run again after the schedule's lease ran out (the first run stalled before marking it done): its command is
        // queued, or was executed, once; this run has nothing more to do (the occurrence fired).
        if (lease.QueuedBefore) return DeviceAcceptance.Acknowledged;
        var acceptance = await network.AcceptAsync(command with { Lease = lease }, cancellationToken);
        lease.HandOver();
        return acceptance;
    }
}
