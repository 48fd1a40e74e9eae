using OpenDuis.Core.Inventory;
using OpenDuis.Core.Transactions;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// Deletes a device's DCC Schedules as soon as an inventory request moves it to a status that ends
/// them (R-SR-5.1: "until deleted by the User or by the DCC, e.g. on Decommission"), each with its
/// DSPScheduleRemoval alert to the owner (<see cref="ScheduleRemovalTriggers"/>: N4, N5, N6) — not
/// only when the next occurrence would have run. The deletions and their alerts are written in one
/// unit of work, the inventory request's own when it runs in one (R-WS-2: with the SMI change).
/// </summary>
public sealed class ScheduleRemovalOnStatusChange(IScheduleStore schedules, IScheduleNotices notices, IUnitOfWork? unitOfWork = null) : ISmiStatusChangeListener
{
    public async ValueTask StatusChangedAsync(SmiStatusChange change, CancellationToken cancellationToken)
    {
        if (change.Before.Status == change.After.Status || ScheduleRemovalTriggers.ForDeviceStatus(change.After.Status) is not { } trigger)
            return;
        var removal = ScheduleRemovalTriggers.Remove(trigger, $"device {change.After.Id} became {change.After.Status} by {change.By} from {change.ChangedBy}");
        await (unitOfWork ?? NoUnitOfWork.Instance).RunAsync(async ct =>
        {
            foreach (var schedule in await schedules.OnDeviceAsync(change.After.Id, ct).ConfigureAwait(false))
            {
                // A schedule deleted meanwhile (5.3, or another node) has had its alert already.
                if (await schedules.DeleteAsync(schedule.Id, ct).ConfigureAwait(false))
                    await notices.ScheduleRemovedAsync(new StoredScheduleRef(schedule.Id, schedule.Definition.Owner, schedule.Definition.DeviceId),
                        removal, change.At, ct).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }
}
