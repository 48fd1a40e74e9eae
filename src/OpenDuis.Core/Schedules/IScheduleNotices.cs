using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// What the schedule executor tells a schedule's owner, asynchronously (through the outbox): that
/// the DCC removed a schedule (a DSPScheduleRemoval DCC Alert), and that an occurrence's command
/// could not reach its device (E31, DUIS 3.5.10 Table 1: "cannot establish communications with or
/// get response from Device for a DSP Scheduled command"). Implementations write durably before
/// returning.
/// </summary>
public interface IScheduleNotices
{
    Task ScheduleRemovedAsync(StoredScheduleRef schedule, ScheduleRemoval removal, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task DeviceUnreachableAsync(StoredScheduleRef schedule, RequestId command, DateTimeOffset at, string reason, CancellationToken cancellationToken = default);
}

/// <summary>A schedule as a notice names it: its DSPScheduleID, owner and device.</summary>
public readonly record struct StoredScheduleRef(DspScheduleId Id, Eui Owner, Eui DeviceId);
