using OpenDuis.Core.AccessControl;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Schedules;

/// <summary>A schedule the DCC removed, and why (the DSPScheduleRemoval alert sent to its owner).</summary>
public sealed record RemovedSchedule(StoredScheduleRef Schedule, ScheduleRemoval Removal, ResponseCode RefusedWith);

/// <summary>
/// Ends DCC Schedules as soon as a change to Registration Data or to the Users takes away their
/// owner's right to them (R-SR-5.1: "until deleted by the User or by the DCC"), each with its
/// DSPScheduleRemoval alert to the owner (<see cref="ScheduleRemovalTriggers"/>): N17 when the owner
/// is no longer the Registered Supplier (or Network Operator) of the device's MPxN (E4), N37 when
/// it is no longer an Active User (E1, E3), N40 when its roles no longer allow the scheduled Service
/// Request (E2, E11, E19) — not only when the next occurrence would have run and been refused.
/// </summary>
/// <remarks>
/// The test is the executor's own: each candidate schedule's request is put to the
/// <see cref="AccessPipeline"/> as it stands after the change, at the pipeline's clock, and a
/// refusal that <see cref="ScheduleRemovalTriggers.ForRefusal"/> maps to a trigger ends it. So
/// the two paths cannot disagree. A change that takes effect later (a registration from a future
/// date) is no refusal yet; the executor removes the schedule at the first occurrence after it.
/// Each removal is the delete followed by its alert in the caller's async flow, so a unit of work
/// around the call (<c>IUnitOfWork.RunAsync</c>) commits the deletions and their alerts together.
/// </remarks>
public sealed class ScheduleRemovalOnRightsChange(IScheduleStore schedules, IScheduleNotices notices, AccessPipeline pipeline, TimeProvider clock)
{
    /// <summary>After Registration Data changed for the MPxNs of <paramref name="devices"/>: their schedules, whoever owns them, re-checked.</summary>
    public async Task<IReadOnlyList<RemovedSchedule>> RegistrationChangedAsync(IEnumerable<Eui> devices, string change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var candidates = new List<StoredSchedule>();
        foreach (var device in devices.Distinct())
            candidates.AddRange(await schedules.OnDeviceAsync(device, cancellationToken).ConfigureAwait(false));
        return await ReviewAsync(candidates, change, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After <paramref name="users"/> changed (roles, status, or gone): the schedules they own, re-checked.</summary>
    public async Task<IReadOnlyList<RemovedSchedule>> UsersChangedAsync(IEnumerable<Eui> users, string change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        var candidates = new List<StoredSchedule>();
        foreach (var user in users.Distinct())
            candidates.AddRange(await schedules.OwnedByAsync(user, cancellationToken).ConfigureAwait(false));
        return await ReviewAsync(candidates, change, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<RemovedSchedule>> ReviewAsync(IReadOnlyList<StoredSchedule> candidates, string change, CancellationToken cancellationToken)
    {
        var removed = new List<RemovedSchedule>();
        foreach (var schedule in candidates)
        {
            var definition = schedule.Definition;
            var now = clock.GetUtcNow();
            DuisRequest request;
            try { request = ScheduledRequest.Build(schedule.Id, definition, now, DuisSchemaVersion.V5_4); }
            catch (InvalidDataException) { continue; } // a body no request can be built from: its occurrences fail the same way, and are logged there
            var decision = pipeline.Evaluate(new AccessRequest(request, request.CommandVariant.WebService(), Authentication.Verified, definition.Owner));
            if (decision.IsAccepted) continue;
            var status = pipeline.Snapshot.TryGetDevice(definition.DeviceId, out var device) ? device.Status : (SmiStatus?)null;
            if (ScheduleRemovalTriggers.ForRefusal(decision.Code, status) is not { } trigger) continue;
            var removal = ScheduleRemovalTriggers.Remove(trigger, $"{decision.Code} after {change}: {decision.Reason} ({decision.FailedCheck!.Clause})");
            // A schedule deleted meanwhile (5.3, the executor, another node) has had its alert already.
            if (!await schedules.DeleteAsync(schedule.Id, cancellationToken).ConfigureAwait(false)) continue;
            var reference = new StoredScheduleRef(schedule.Id, definition.Owner, definition.DeviceId);
            await notices.ScheduleRemovedAsync(reference, removal, now, cancellationToken).ConfigureAwait(false);
            removed.Add(new RemovedSchedule(reference, removal, decision.Code));
        }
        return removed;
    }
}
