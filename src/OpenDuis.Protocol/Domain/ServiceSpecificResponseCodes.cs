namespace OpenDuis.Protocol.Domain;

/// <summary>
/// What each service-specific Response Code OpenDUIS raises means (XSD sr:ResponseCode lists the
/// codes without meanings): one row per code, the rule of the service's definition (DUIS 3.8) it
/// answers, in the words of the rule that raises it (Core's ScheduleResponseCodes,
/// InventoryResponseCodes and the access-control checks; a test keeps them in step). The XSD's other
/// service-specific codes are not raised by OpenDUIS.
/// </summary>
public static class ServiceSpecificResponseCodes
{
    public static readonly IReadOnlyDictionary<string, string> Meanings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["E050101"] = "ScheduleStartDate is not a date in the future (DUIS 3.8.43.2 \"Valid date in the future\").",
        ["E050102"] = "ScheduleEndDate is before ScheduleStartDate (DUIS 3.8.43.2 \">= ScheduleStartDate\").",
        ["E050103"] = "ScheduleEndDate is missing for User Role OU (DUIS 3.8.43.2: mandatory for OU).",
        ["E050105"] = "The scheduled Service Reference / Variant is not DCC Scheduled in clause 3.1, or the variant is not of that reference.",
        ["E050107"] = "KAPublicSecurityCredential given where it is N/A (User Roles IS, ES, ED).",
        ["E050108"] = "KAPublicSecurityCredential missing where required (GT on a GSME, or OU, for a sensitive response).",
        ["E050109"] = "The scheduled request element is not the one for DSPScheduledServiceReferenceVariant.",
        ["E050110"] = "The User Role may not send the scheduled Service Request (to a device of this generation).",
        ["E050111"] = "4.2 is DCC Schedulable only for SMETS1 devices (MP260), and the DeviceID is not one.",
        ["E050112"] = "The DeviceID's device type is not one the scheduled Service Request may target.",
        ["E050201"] = "No schedule has the DSPScheduleID.",
        ["E050202"] = "The schedule belongs to another User.",
        ["W050201"] = "5.2 by DeviceID: the User has no schedule on the device (a warning: the answer is an empty list).",
        ["E050301"] = "No schedule has the DSPScheduleID.",
        ["E050302"] = "The schedule belongs to another User.",
        ["W050301"] = "5.3 by DeviceID: the User has no schedule on the device (a warning: nothing is deleted).",
        ["E080301"] = "The User's Party is not the Registered Supplier of the Device's MPxN now.",
        ["E080302"] = "The Device's SMI Status cannot move to Decommissioned (SEC Appendix AC, SmiLifecycle).",
        ["E080405"] = "The User's Party is not the Registered Supplier of the Device's MPxN now.",
        ["E080406"] = "UpdateDeviceStatusCH names a Device that is not a Communications Hub Function, or UpdateDeviceStatusExceptCH one that is.",
        ["E080407"] = "The SMI Status change is not allowed from the Device's current status (SEC Appendix AC).",
        ["E080408"] = "The resulting manufacturer, model and firmware version is not on the Central Products List (SEC F2).",
        ["E080409"] = "Only a Pending Device (pre-notified, never installed) may be deleted.",
        ["E080410"] = "The Device is not a Smart Meter, or the ImportMPxN is not of its fuel (an MPAN for an ESME, an MPRN for a GSME).",
        ["E080411"] = "A SecondaryImportMPAN or ExportMPAN for a Device that is not an ESME.",
        ["E080601"] = "The Device is not Withdrawn (opted out), so there is nothing to opt in.",
        ["E080602"] = "The DeviceType given is not the Device's type in the inventory.",
        ["E080604"] = "The ImportMPxN is not of the Device's fuel.",
        ["E080606"] = "The OptInDate is in the future.",
        ["E080607"] = "The User's Party is not the Registered Supplier of the ImportMPxN.",
        ["E081401"] = "8.14.x: the DeviceID is not a Communications Hub Function.",
        ["E081402"] = "8.14.x: the Communications Hub Function's SMI Status does not allow this update.",
        ["E081405"] = "8.14.1/8.14.2: the User's Party is not the Registered Supplier of the MPxN it installs for.",
        ["W081401"] = "8.14.1/8.14.2: accepted, but CHFInstallType contradicts the variant (a warning).",
        ["E120201"] = "The DeviceID is already in the inventory, or is the AssociatedGPFDeviceID too (DP316).",
        ["E120203"] = "AssociatedGPFDeviceID given for a Device that is not a Communications Hub Function.",
        ["E120204"] = "ESMEVariant given for a Device that is not an ESME.",
        ["E120207"] = "The manufacturer and model (and firmware version, when given) are not on the Central Products List (SEC F2).",
        ["E062801"] = "A lower-band Sub GHz channel mask (Pages 28–30) sets no channel.",
        ["E062802"] = "A lower-band Page in use configures fewer than two channels.",
        ["E081301"] = "The response is not one DUIS 3.8.117.2 lets be returned from a Local Command.",
    };

    /// <summary>The meaning of a service-specific code OpenDUIS raises; null for one it does not (or a common code).</summary>
    public static string? MeaningOf(ResponseCode code) => Meanings.TryGetValue(code.Code, out var meaning) ? meaning : null;
}
