using System.Collections.Frozen;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Messages.Alerts;

/// <summary>Who receives a DCC Alert, resolved from the event that raised it.</summary>
public enum AlertRecipient
{
    /// <summary>The User whose Service Request the alert is about (its RequestID's originator).</summary>
    RequestOriginator,
    /// <summary>The User who created the DCC Schedule (DUIS 3.9.4).</summary>
    ScheduleOwner,
    /// <summary>The Registered Supplier of the Device's MPxN: Import Supplier for electricity, Gas Supplier for gas.</summary>
    RegisteredSupplier,
    /// <summary>The Registered Network Operator of the Device's MPxN: Electricity Distributor or Gas Transporter.</summary>
    NetworkOperator,
    /// <summary>The Remote Party whose certificate was placed on the Device by another User's request (DUIS 3.9.11).</summary>
    CredentialsHolder,
    /// <summary>The User a message was owed to but could not be sent to in its DUIS version (DUIS 3.9.16).</summary>
    MessageRecipient,
}

/// <summary>One DCC Alert Code: its format, its trigger, the Response Codes it carries (the first is the usual one) and its recipients.</summary>
public sealed record DccAlertDefinition(DccAlertCode Code, string Format, string Trigger, IReadOnlyList<ResponseCode> ResponseCodes,
    IReadOnlyList<AlertRecipient> Recipients)
{
    public ResponseCode DefaultResponseCode => ResponseCodes[0];
}

/// <summary>
/// DUIS 3.9.1 Table 2 with the Response Codes of DUIS 3.5.10 Table 1 that apply to DCC Alerts: the one
/// table of what each DCC Alert Code means, what it carries and who receives it.
/// </summary>
public static class DccAlertCatalogue
{
    private static readonly ResponseCode[] Success = [ResponseCode.I0];

    // Table 1 codes whose type includes DCC Alert and that report a failed Command: access control at
    // execution time (E1, E3–E5; DCC Scheduled and Future Dated (DSP) requests are checked again when
    // they run), communications (E20, E21, E30, E31, E58), sequencing (E43, E44, E46, E47), E56, E57.
    private static readonly ResponseCode[] Failure =
    [
        ResponseCode.E21, ResponseCode.E20, ResponseCode.E30, ResponseCode.E31, ResponseCode.E58, ResponseCode.E1, ResponseCode.E3,
        ResponseCode.E4, ResponseCode.E5, ResponseCode.E43, ResponseCode.E44, ResponseCode.E46, ResponseCode.E47, ResponseCode.E56, ResponseCode.E57,
    ];

    // Table 1: E66–E71 are the CoS Party failures.
    private static readonly ResponseCode[] CosFailure =
        [ResponseCode.E68, ResponseCode.E66, ResponseCode.E67, ResponseCode.E69, ResponseCode.E70, ResponseCode.E71];

    private static readonly AlertRecipient[] Originator = [AlertRecipient.RequestOriginator];
    private static readonly AlertRecipient[] Supplier = [AlertRecipient.RegisteredSupplier];
    private static readonly AlertRecipient[] NetworkOperator = [AlertRecipient.NetworkOperator];
    private static readonly AlertRecipient[] SupplierAndNetworkOperator = [AlertRecipient.RegisteredSupplier, AlertRecipient.NetworkOperator];

    private static DccAlertDefinition Row(string code, string trigger, ResponseCode[] responseCodes, AlertRecipient[] recipients)
    {
        var c = DccAlertCode.Parse(code);
        return new DccAlertDefinition(c, c.Format, trigger, responseCodes, recipients);
    }

    /// <summary>Every DCC Alert Code (AD1, N1–N65 without N32, N999), in the XSD enumeration's order.</summary>
    public static readonly IReadOnlyList<DccAlertDefinition> Table =
    [
        Row("AD1", "A device's power has failed (DUIS 3.9.2)", Success, NetworkOperator),
        Row("N1", "A meter was commissioned: its MPxNs (sr:MeterIdentity, DUIS 3.9.3)", Success, NetworkOperator),
        Row("N2", "A meter was decommissioned or withdrawn (sr:MeterDecommissioningOrWithdrawal, DUIS 3.9.3)", Success, NetworkOperator),
        Row("N3", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N4", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N5", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N6", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N7", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N8", "A Device was suspended: its product left the Central Products List (sr:DeviceSuspended, DUIS 3.9.3, SEC F2)", Success, Supplier),
        Row("N9", "A suspended Device was restored (sr:DeviceRestored, DUIS 3.9.3, SEC F2)", Success, Supplier),
        Row("N10", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N11", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N12", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N13", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N14", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N15", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N16", "A Device was removed from the Smart Metering Inventory (sr:DeviceRemovedFromInventory, DUIS 3.9.3)", Success, Supplier),
        Row("N17", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N18", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N19", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N20", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N21", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N22", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N23", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6)", Success, Originator),
        Row("N24", "An Update HAN Device Log (addition) succeeded (DUIS 3.9.7)", Success, Originator),
        Row("N25", "No Alert was received for an Update HAN Device Log (addition) (DUIS 3.9.7)", Success, Originator),
        Row("N26", "An Update Security Credentials (CoS) succeeded (DUIS 3.9.8)", Success, Originator),
        Row("N27", "An Update Security Credentials (CoS) failed the CoS Party's checks (DUIS 3.9.8)", CosFailure, Originator),
        Row("N28", "A Communications Hub Function was decommissioned (sr:CHFDecommissioning, DUIS 3.9.3)", Success, Supplier),
        Row("N29", "A Device's SMI Status has changed (DUIS 3.9.3)", Success, Supplier),
        Row("N30", "The CHF Device Log has been restored (DUIS 3.9.9)", Success, Supplier),
        Row("N31", "The GPF Device Log has been restored (DUIS 3.9.9)", Success, Supplier),
        Row("N33", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N34", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N35", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N36", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N37", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N38", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N39", "An Alert was generated by a PPMID (DUIS 3.9.10)", Success, Supplier),
        Row("N40", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N41", "A Command has failed (DUIS 3.9.5)", Failure, Originator),
        Row("N42", "Update Security Credentials placed the certificate of a Remote Party other than the sender (DUIS 3.9.11)", Success,
            [AlertRecipient.CredentialsHolder]),
        Row("N43", "A PPMID joined to both the ESME and the GSME was removed from a Device Log (DUIS 3.9.12)", Success, Supplier),
        Row("N44", "SMKI Recovery completed with ACB credentials placed (sr:RecoveryCompleteACBCredentials, DUIS 3.9.3, SEC L)", Success, SupplierAndNetworkOperator),
        Row("N45", "SMKI Recovery completed (sr:RecoveryComplete, DUIS 3.9.3, SEC L)", Success, SupplierAndNetworkOperator),
        Row("N46", "Request quarantined: the User's Anomaly Detection volume threshold was breached (DUIS 3.9.17)", Success, Originator),
        Row("N47", "Request quarantined: the DCC's Anomaly Detection volume threshold was breached (DUIS 3.9.17)", Success, Originator),
        Row("N48", "Request quarantined: an Anomaly Detection attribute limit was breached (DUIS 3.9.17)", Success, Originator),
        Row("N49", "Firmware Version in the SMI differs from the Device's, which is on the CPL as \"Current\" (DUIS 3.9.13)", Success, Supplier),
        Row("N50", "Firmware Version in the SMI differs from the Device's, which is on the CPL as \"Removed\" (DUIS 3.9.13)", Success, Supplier),
        Row("N51", "Firmware Version in the SMI differs from the Device's, which is not on the CPL (DUIS 3.9.13)", Success, Supplier),
        Row("N52", "The GSME's Firmware Version in the SMI differs from the one read through the GPF (DUIS 3.9.13)", Success, Supplier),
        Row("N53", "A Command has failed (DUIS 3.9.5); E58 when the CHF could not deliver it to the ESME (alert 0x8F84)", [ResponseCode.E58, .. Failure.Where(c => c != ResponseCode.E58)], Originator),
        Row("N54", "An Alert was generated by a Dual Band CHF (DUIS 3.9.14; E59 for Sub GHz events, 3.5.10)", [ResponseCode.E59, ResponseCode.I0], Supplier),
        Row("N55", "A SMETS1 Service Provider reports a validation error or other notification (DUIS 3.9.15; E62, 3.5.10)", [ResponseCode.E62], Originator),
        Row("N56", "A prepayment top-up UTRN in response to a Service Request of SRV 2.2 (DUIS 3.9.15)", Success, Originator),
        Row("N57", "A SMETS1 Communications Hub firmware update was requested or activated (DUIS 1.4.7.13, 1.4.7.14, 3.9.18)", Success, Supplier),
        Row("N58", "The ESME's ALCS/HCALCS/APC configuration has changed (DUIS 3.9.19)", Success, SupplierAndNetworkOperator),
        Row("N59", "The Devices approved by CSPs for a firmware update (DUIS 3.9.20)", Success, Supplier),
        Row("N60", "The CSP reports a firmware image transferred to a Communications Hub (DUIS 3.9.21)", Success, Originator),
        Row("N61", "The CSP reports a firmware image transfer to a Communications Hub failed (DUIS 3.9.21)", Success, Originator),
        Row("N62", "An Alert was generated by the Communications Hub (DUIS 3.9.22)", Success, Supplier),
        Row("N63", "The ECoS Party has generated an ECoS Alert (DUIS 3.9.23)", Success, Originator),
        Row("N64", "A new firmware version was activated on a SMETS2+ Communications Hub (DUIS 3.9.25)", Success, Supplier),
        Row("N65", "A Device's CoS Trust Anchor Cell holds a certificate of no active CoS Party (DUIS 3.9.24)", Success, Supplier),
        Row("N999", "The DCC Alert or Service Response owed to the User is not compatible with its DUIS XSD version (DUIS 3.9.16)", Success,
            [AlertRecipient.MessageRecipient]),
    ];

    private static readonly FrozenDictionary<string, DccAlertDefinition> ByCode = Table.ToFrozenDictionary(d => d.Code.Code, StringComparer.Ordinal);

    public static DccAlertDefinition Of(DccAlertCode code) => ByCode[code.Code];

    /// <summary>The N49–N52 code for a firmware mismatch, from the CPL status of the version the Device reported (DUIS 3.9.1 Table 2).</summary>
    public static DccAlertCode FirmwareMismatchCode(bool gsmeReadThroughGpf, CplFirmwareStatus? statusOfReportedVersion) =>
        DccAlertCode.Parse(gsmeReadThroughGpf ? "N52" : statusOfReportedVersion switch
        {
            CplFirmwareStatus.Current => "N49",
            CplFirmwareStatus.Removed => "N50",
            _ => "N51",
        });
}

/// <summary>The Central Products List status of a firmware version, as N49–N52 distinguish them.</summary>
public enum CplFirmwareStatus
{
    Current,
    Removed,
}
