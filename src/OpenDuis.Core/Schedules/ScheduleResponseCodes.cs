using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The service-specific Response Codes of 5.1, 5.2 and 5.3 (XSD sr:ResponseCode enumeration) and the
/// rule each answers here.
/// </summary>
/// <remarks>
/// The XSD lists the codes without their meanings and the DUIS service definitions held here do not
/// give them; the meaning of each below is this implementation's choice, following the order of the
/// data items in DUIS 3.8.43.2. Numbers 04 and 06 are absent from the XSD and not used. E050111 and
/// E050112 are not in the 5.1 schema (<see cref="ResponseCodes.IsDefinedIn"/>); what a 5.1 request
/// is answered with instead is not decided here.
/// </remarks>
public static class ScheduleResponseCodes
{
    /// <summary>ScheduleStartDate is not a date in the future (DUIS 3.8.43.2 "Valid date in the future").</summary>
    public static readonly ResponseCode StartDateNotInFuture = ResponseCode.Parse("E050101");

    /// <summary>ScheduleEndDate is before ScheduleStartDate (DUIS 3.8.43.2 "&gt;= ScheduleStartDate").</summary>
    public static readonly ResponseCode EndDateBeforeStartDate = ResponseCode.Parse("E050102");

    /// <summary>ScheduleEndDate is missing for User Role OU (DUIS 3.8.43.2: mandatory for OU).</summary>
    public static readonly ResponseCode EndDateRequired = ResponseCode.Parse("E050103");

    /// <summary>The scheduled Service Reference / Variant is not DCC Scheduled in clause 3.1, or the variant is not of that reference.</summary>
    public static readonly ResponseCode NotDccSchedulable = ResponseCode.Parse("E050105");

    /// <summary>KAPublicSecurityCredential given where it is N/A (User Roles IS, ES, ED).</summary>
    public static readonly ResponseCode KaCredentialNotApplicable = ResponseCode.Parse("E050107");

    /// <summary>KAPublicSecurityCredential missing where required (GT on a GSME, or OU, for a sensitive response).</summary>
    public static readonly ResponseCode KaCredentialRequired = ResponseCode.Parse("E050108");

    /// <summary>The scheduled request element is not the one for DSPScheduledServiceReferenceVariant.</summary>
    public static readonly ResponseCode BodyDoesNotMatchVariant = ResponseCode.Parse("E050109");

    /// <summary>The User Role may not send the scheduled Service Request (to a device of this generation).</summary>
    public static readonly ResponseCode RoleNotEligibleForScheduledService = ResponseCode.Parse("E050110");

    /// <summary>4.2 is DCC Schedulable only for SMETS1 devices (MP260), and the DeviceID is not one.</summary>
    public static readonly ResponseCode SchedulableOnlyForSmets1 = ResponseCode.Parse("E050111");

    /// <summary>The DeviceID's device type is not one the scheduled Service Request may target.</summary>
    public static readonly ResponseCode DeviceTypeNotTargeted = ResponseCode.Parse("E050112");

    /// <summary>5.2: no schedule has the DSPScheduleID.</summary>
    public static readonly ResponseCode ReadUnknownSchedule = ResponseCode.Parse("E050201");

    /// <summary>5.2: the schedule belongs to another User.</summary>
    public static readonly ResponseCode ReadOtherUsersSchedule = ResponseCode.Parse("E050202");

    /// <summary>5.2 by DeviceID: the User has no schedule on the device (a warning: the answer is an empty list).</summary>
    public static readonly ResponseCode ReadNoSchedulesOnDevice = ResponseCode.Parse("W050201");

    /// <summary>5.3: no schedule has the DSPScheduleID.</summary>
    public static readonly ResponseCode DeleteUnknownSchedule = ResponseCode.Parse("E050301");

    /// <summary>5.3: the schedule belongs to another User.</summary>
    public static readonly ResponseCode DeleteOtherUsersSchedule = ResponseCode.Parse("E050302");

    /// <summary>5.3 by DeviceID: the User has no schedule on the device (a warning: nothing is deleted).</summary>
    public static readonly ResponseCode DeleteNoSchedulesOnDevice = ResponseCode.Parse("W050301");
}
