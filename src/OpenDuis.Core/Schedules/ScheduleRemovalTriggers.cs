using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Schedules;

/// <summary>Why the DCC deletes a DCC Schedule itself (R-SR-5.1: "until deleted by the User or by the DCC, e.g. on Decommission").</summary>
public enum ScheduleRemovalTrigger
{
    DeviceDecommissioned,
    DeviceWithdrawn,
    DeviceSuspended,
    /// <summary>The owner is no longer authorised for the device (e.g. a change of supplier or network operator, E4).</summary>
    OwnerNotAuthorisedForDevice,
    /// <summary>The owner is no longer an Active User (withdrawn or suspended, E1/E3).</summary>
    OwnerNoLongerUser,
    /// <summary>The owner's roles no longer allow the scheduled Service Request on the device (E2, E11, E19).</summary>
    ScheduledServiceNoLongerAllowed,
}

/// <summary>A decision to remove a schedule: the trigger, the DSPScheduleRemoval DCC Alert Code and why.</summary>
public sealed record ScheduleRemoval(ScheduleRemovalTrigger Trigger, DccAlertCode AlertCode, string Reason);

/// <summary>
/// Which DSPScheduleRemoval DCC Alert announces each removal trigger, and which access-control
/// refusals at execution time remove a schedule (DUIS 3.9.1 Table 2: DSPScheduleRemoval is the
/// format of N4, N5, N6, N17, N37 and N40, "a DCC Schedule is to be deleted").
/// </summary>
/// <remarks>
/// The DUIS DCC Alert Code table that gives each code's trigger is not among the texts held here
/// (the XSD lists the codes without annotations; the MP260 text names only the format). The
/// assignment below is this implementation's reading, kept in this one table: N4 decommissioned,
/// N5 withdrawn, N6 suspended, N17 change of Registered Supplier / Network Operator, N37 the owner
/// is no longer a User, N40 the scheduled Service Request is no longer allowed for the owner.
/// </remarks>
internal static class ScheduleRemovalTriggers
{
    private static readonly Dictionary<ScheduleRemovalTrigger, DccAlertCode> Codes = new()
    {
        [ScheduleRemovalTrigger.DeviceDecommissioned] = DccAlertCode.Parse("N4"),
        [ScheduleRemovalTrigger.DeviceWithdrawn] = DccAlertCode.Parse("N5"),
        [ScheduleRemovalTrigger.DeviceSuspended] = DccAlertCode.Parse("N6"),
        [ScheduleRemovalTrigger.OwnerNotAuthorisedForDevice] = DccAlertCode.Parse("N17"),
        [ScheduleRemovalTrigger.OwnerNoLongerUser] = DccAlertCode.Parse("N37"),
        [ScheduleRemovalTrigger.ScheduledServiceNoLongerAllowed] = DccAlertCode.Parse("N40"),
    };

    public static DccAlertCode AlertCodeFor(ScheduleRemovalTrigger trigger) => Codes[trigger];

    public static ScheduleRemoval Remove(ScheduleRemovalTrigger trigger, string reason) => new(trigger, Codes[trigger], reason);

    /// <summary>The trigger of a device's SMI Status, when that status ends its schedules.</summary>
    public static ScheduleRemovalTrigger? ForDeviceStatus(SmiStatus status) => status switch
    {
        SmiStatus.Decommissioned => ScheduleRemovalTrigger.DeviceDecommissioned,
        SmiStatus.Withdrawn => ScheduleRemovalTrigger.DeviceWithdrawn,
        SmiStatus.Suspended => ScheduleRemovalTrigger.DeviceSuspended,
        _ => null,
    };

    /// <summary>
    /// Whether an access-control refusal at execution time ends the schedule (the owner lost the
    /// right, or the device left service), and as which trigger; null when only this occurrence is
    /// missed (e.g. E5 for a device in Recovery, E57, E60).
    /// </summary>
    public static ScheduleRemovalTrigger? ForRefusal(ResponseCode code, SmiStatus? deviceStatus)
    {
        if (code == ResponseCode.E1 || code == ResponseCode.E3) return ScheduleRemovalTrigger.OwnerNoLongerUser;
        if (code == ResponseCode.E4) return ScheduleRemovalTrigger.OwnerNotAuthorisedForDevice;
        if (code == ResponseCode.E2 || code == ResponseCode.E11 || code == ResponseCode.E19) return ScheduleRemovalTrigger.ScheduledServiceNoLongerAllowed;
        if (code == ResponseCode.E5 && deviceStatus is { } status) return ForDeviceStatus(status);
        return null;
    }
}
