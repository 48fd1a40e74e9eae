using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// The service-specific Response Codes of the Non-Device requests that change the Smart Metering
/// Inventory (XSD sr:ResponseCode enumeration): 8.3 Decommission Device, 8.4 Update Inventory,
/// 8.6 Service Opt In, 8.14.x Communications Hub Status Update and 12.2 Device Pre-notification.
/// </summary>
/// <remarks>
/// The XSD lists these codes without their meanings, and the DUIS service definitions held here do
/// not give them. The meaning of each below is this implementation's choice, one rule of the
/// service's definition (DUIS 3.8) per code in the order of its data items; codes the XSD lists
/// that no rule here needs (E080412–E080415) are not used, nor is E081406, which the schema DCC Boxed
/// validates against does not know. A DeviceID that is not in the Smart
/// Metering Inventory is answered E19 ("Device doesn't exist", Table 1), as 8.2 Read Inventory is,
/// and so is an 8.14.3 OtherDeviceID the inventory does not hold.
/// </remarks>
public static class InventoryResponseCodes
{
    /// <summary>8.3: the User's Party is not the Registered Supplier of the Device's MPxN now.</summary>
    public static readonly ResponseCode DecommissionNotResponsibleSupplier = ResponseCode.Parse("E080301");

    /// <summary>8.3: the Device's SMI Status cannot move to Decommissioned (SEC Appendix AC, <see cref="SmiLifecycle"/>).</summary>
    public static readonly ResponseCode DecommissionNotAllowedFromStatus = ResponseCode.Parse("E080302");

    /// <summary>8.4: the User's Party is not the Registered Supplier of the Device's MPxN now.</summary>
    public static readonly ResponseCode UpdateNotResponsibleSupplier = ResponseCode.Parse("E080405");

    /// <summary>8.4: UpdateDeviceStatusCH names a Device that is not a Communications Hub Function, or UpdateDeviceStatusExceptCH one that is.</summary>
    public static readonly ResponseCode UpdateStatusWrongDeviceType = ResponseCode.Parse("E080406");

    /// <summary>8.4: the SMI Status change is not allowed from the Device's current status (SEC Appendix AC).</summary>
    public static readonly ResponseCode UpdateStatusNotAllowed = ResponseCode.Parse("E080407");

    /// <summary>8.4 UpdateDeviceDetails: the resulting manufacturer, model and firmware version is not on the Central Products List (SEC F2).</summary>
    public static readonly ResponseCode UpdateDetailsNotOnCpl = ResponseCode.Parse("E080408");

    /// <summary>8.4 DeleteDevice: only a Pending Device (pre-notified, never installed) may be deleted.</summary>
    public static readonly ResponseCode DeleteNotPending = ResponseCode.Parse("E080409");

    /// <summary>8.4 UpdateMPxN: the Device is not a Smart Meter, or the ImportMPxN is not of its fuel (an MPAN for an ESME, an MPRN for a GSME).</summary>
    public static readonly ResponseCode UpdateMpxnWrongFuel = ResponseCode.Parse("E080410");

    /// <summary>8.4 UpdateMPxN: a SecondaryImportMPAN or ExportMPAN for a Device that is not an ESME.</summary>
    public static readonly ResponseCode UpdateMpanNotEsme = ResponseCode.Parse("E080411");

    /// <summary>8.6: the Device is not Withdrawn (opted out), so there is nothing to opt in.</summary>
    public static readonly ResponseCode OptInNotOptedOut = ResponseCode.Parse("E080601");

    /// <summary>8.6: the DeviceType given is not the Device's type in the inventory.</summary>
    public static readonly ResponseCode OptInDeviceTypeMismatch = ResponseCode.Parse("E080602");

    /// <summary>8.6: the ImportMPxN is not of the Device's fuel.</summary>
    public static readonly ResponseCode OptInMpxnWrongFuel = ResponseCode.Parse("E080604");

    /// <summary>8.6: the OptInDate is in the future.</summary>
    public static readonly ResponseCode OptInDateInFuture = ResponseCode.Parse("E080606");

    /// <summary>8.6: the User's Party is not the Registered Supplier of the ImportMPxN.</summary>
    public static readonly ResponseCode OptInNotResponsibleSupplier = ResponseCode.Parse("E080607");

    /// <summary>8.14.x: the DeviceID is not a Communications Hub Function.</summary>
    public static readonly ResponseCode HubStatusNotCommsHub = ResponseCode.Parse("E081401");

    /// <summary>8.14.x: the Communications Hub Function's SMI Status does not allow this update.</summary>
    public static readonly ResponseCode HubStatusNotAllowed = ResponseCode.Parse("E081402");

    /// <summary>8.14.1/8.14.2: the User's Party is not the Registered Supplier of the MPxN it installs for.</summary>
    public static readonly ResponseCode HubInstallNotResponsibleSupplier = ResponseCode.Parse("E081405");


    /// <summary>8.14.1/8.14.2: accepted, but CHFInstallType contradicts the variant (a warning).</summary>
    public static readonly ResponseCode HubInstallTypeContradictsVariant = ResponseCode.Parse("W081401");

    /// <summary>12.2: the DeviceID is already in the inventory, or is the AssociatedGPFDeviceID too (DP316).</summary>
    public static readonly ResponseCode PrenotificationDeviceIdInUse = ResponseCode.Parse("E120201");

    /// <summary>12.2: AssociatedGPFDeviceID given for a Device that is not a Communications Hub Function.</summary>
    public static readonly ResponseCode PrenotificationGpfNotForCommsHub = ResponseCode.Parse("E120203");

    /// <summary>12.2: ESMEVariant given for a Device that is not an ESME.</summary>
    public static readonly ResponseCode PrenotificationEsmeVariantNotEsme = ResponseCode.Parse("E120204");

    /// <summary>12.2: the manufacturer and model (and firmware version, when given) are not on the Central Products List (SEC F2).</summary>
    public static readonly ResponseCode PrenotificationNotOnCpl = ResponseCode.Parse("E120207");
}
