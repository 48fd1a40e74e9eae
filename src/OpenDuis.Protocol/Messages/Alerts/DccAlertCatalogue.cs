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

/// <summary>
/// Which failed Command a CommandFailure code reports (DUIS 3.9.5). DUIS 3.9.1 Table 2 gives one
/// trigger, "a Command has failed", to all fifteen codes; the DUIS alert-code annex that tells them
/// apart is not among the texts held here, so which failure raises which code is this
/// implementation's reading, by the Response Code of the failure and the kind of Command or Device.
/// </summary>
public enum CommandFailureKind
{
    /// <summary>N3: an On Demand Command to an ESME (or a Device of no other kind below) was not delivered or not answered (E20, E21).</summary>
    OnDemandToMeter,
    /// <summary>N7: a Future Dated (Device) Command got no Response on its execution date (E30).</summary>
    FutureDatedDeviceNoResponse,
    /// <summary>N10: a Future Dated (DSP) or DCC Scheduled Command could not be executed at its execution date-time (E31).</summary>
    FutureDatedDspNotExecuted,
    /// <summary>N11: an On Demand Command to a GSME was not delivered or not answered (E20, E21).</summary>
    OnDemandToGsme,
    /// <summary>N12: a sequenced Command failed because the previous Request in the sequence failed (E43).</summary>
    SequencePreviousFailed,
    /// <summary>N13: a sequenced Command failed because no Response to the previous Request came within the Wait Period (E44).</summary>
    SequenceWaitPeriodExpired,
    /// <summary>N14: a sequenced Command failed because the Device did not answer the previous On Demand Command (E47).</summary>
    SequencePreviousNoDeviceResponse,
    /// <summary>N15: an On Demand Command to a Communications Hub Function was not delivered or not answered (E20, E21).</summary>
    OnDemandToChf,
    /// <summary>N33: a Command to a SMETS1 Device was not delivered or not answered (E20, E21).</summary>
    Smets1Device,
    /// <summary>N34: an On Demand Command to a Gas Proxy Function was not delivered or not answered (E20, E21).</summary>
    OnDemandToGpf,
    /// <summary>N35: an On Demand Command to a PPMID was not delivered or not answered (E20, E21).</summary>
    OnDemandToPpmid,
    /// <summary>N36: an On Demand Command to an HCALCS or another Type 1 / Type 2 Device was not delivered or not answered (E20, E21).</summary>
    OnDemandToOtherHanDevice,
    /// <summary>N38: a Critical Command (a Signed Pre-Command, Command Variants 5–7) was not delivered or not answered (E20, E21).</summary>
    CriticalCommand,
    /// <summary>N41: a held Future Dated (DSP) Command failed access control checked again at its execution: the Device's SMI Status no longer allows it (E5).</summary>
    DeviceStatusAtExecution,
    /// <summary>N53: the CHF could not deliver the Command to the ESME and raised Alert 0x8F84 (E58).</summary>
    EsmeUndeliverable,
}

/// <summary>One DCC Alert Code: its format, its trigger, the Response Codes it carries (the first is the usual one) and its recipients.</summary>
public sealed record DccAlertDefinition(DccAlertCode Code, string Format, string Trigger, IReadOnlyList<ResponseCode> ResponseCodes,
    IReadOnlyList<AlertRecipient> Recipients)
{
    public ResponseCode DefaultResponseCode => ResponseCodes[0];

    /// <summary>For a CommandFailure code: the failure it reports.</summary>
    public CommandFailureKind? CommandFailure { get; init; }
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

    // A CommandFailure row: the trigger is DUIS 3.9.5's, narrowed to the failure the code reports (our reading, CommandFailureKind).
    private static DccAlertDefinition Failed(string code, CommandFailureKind kind, string which, ResponseCode[] responseCodes) =>
        Row(code, $"A Command has failed (DUIS 3.9.5): {which}. Which failure raises which CommandFailure code is our reading", responseCodes, Originator)
            with { CommandFailure = kind };

    private static readonly ResponseCode[] NotDelivered = [ResponseCode.E21, ResponseCode.E20];

    /// <summary>Every DCC Alert Code (AD1, N1–N65 without N32, N999), in the XSD enumeration's order.</summary>
    public static readonly IReadOnlyList<DccAlertDefinition> Table =
    [
        Row("AD1", "A device's power has failed (DUIS 3.9.2): injected device event power-outage on the Communications Hub, which leaves it and the Devices behind it unreachable", Success, NetworkOperator),
        Row("N1", "A meter was commissioned: its MPxNs (sr:MeterIdentity, DUIS 3.9.3)", Success, NetworkOperator),
        Row("N2", "A meter was decommissioned or withdrawn (sr:MeterDecommissioningOrWithdrawal, DUIS 3.9.3)", Success, NetworkOperator),
        Failed("N3", CommandFailureKind.OnDemandToMeter, "an On Demand Command to an ESME, or to a Device no other code names, was not delivered (E20) or not answered (E21)", [.. NotDelivered, .. Failure.Except(NotDelivered)]),
        Row("N4", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N5", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N6", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Failed("N7", CommandFailureKind.FutureDatedDeviceNoResponse, "a Future Dated (Device) Command got no Response on its execution date (E30)", [ResponseCode.E30]),
        Row("N8", "A Device was suspended: its product left the Central Products List (sr:DeviceSuspended, DUIS 3.9.3, SEC F2)", Success, Supplier),
        Row("N9", "A suspended Device was restored (sr:DeviceRestored, DUIS 3.9.3, SEC F2)", Success, Supplier),
        Failed("N10", CommandFailureKind.FutureDatedDspNotExecuted, "a Future Dated (DSP) or DSP Scheduled Command could not be executed at its execution date-time (E31, DUIS 3.5.10)", [ResponseCode.E31]),
        Failed("N11", CommandFailureKind.OnDemandToGsme, "an On Demand Command to a GSME was not delivered (E20) or not answered (E21)", NotDelivered),
        Failed("N12", CommandFailureKind.SequencePreviousFailed, "a sequenced Command: the previous Request in the sequence failed (E43, DUIS 3.4.3)", [ResponseCode.E43]),
        Failed("N13", CommandFailureKind.SequenceWaitPeriodExpired, "a sequenced Command: no Response to the previous Request within the Wait Period (E44, DUIS 3.4.3)", [ResponseCode.E44]),
        Failed("N14", CommandFailureKind.SequencePreviousNoDeviceResponse, "a sequenced Command: the Device did not answer the previous On Demand Command (E47, DUIS 3.4.3)", [ResponseCode.E47]),
        Failed("N15", CommandFailureKind.OnDemandToChf, "an On Demand Command to a Communications Hub Function was not delivered (E20) or not answered (E21)", NotDelivered),
        Row("N16", "A Device was removed from the Smart Metering Inventory (sr:DeviceRemovedFromInventory, DUIS 3.9.3): a Device other than a meter or CHF (GPF, PPMID, HCALCS, Type 2) Decommissioned or Withdrawn (our reading)", Success, Supplier),
        Row("N17", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Row("N18", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the North region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N19", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the Central region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N20", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the South region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N21", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the North 4G region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N22", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the Central 4G region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N23", "A Firmware Distribution Command to the CSP failed for some Devices (DUIS 3.9.6): an Update Firmware (11.1) whose target the CSP of the South 4G region could not reach. One code per CSP region is our reading", Success, Originator),
        Row("N24", "An Update HAN Device Log (addition) succeeded (DUIS 3.9.7): the CHF answered an 8.11 RequestType Add and the Device joined", Success, Originator),
        Row("N25", "No Alert was received for an Update HAN Device Log (addition) (DUIS 3.9.7): the CHF answered an 8.11 RequestType Add, but the Device to join is silent (an unreachable or no-response fault on it, our reading)", Success, Originator),
        Row("N26", "An Update Security Credentials (CoS) succeeded (DUIS 3.9.8): the Device answered a 6.23 request", Success, Originator),
        Row("N27", "An Update Security Credentials (CoS) failed the CoS Party's checks (DUIS 3.9.8)", CosFailure, Originator),
        Row("N28", "A Communications Hub Function was decommissioned (sr:CHFDecommissioning, DUIS 3.9.3)", Success, Supplier),
        Row("N29", "A Device's SMI Status has changed (DUIS 3.9.3): a meter Commissioned, its sr:MeterIdentity to the Registered Supplier as N1 goes to the Network Operator (our reading)", Success, Supplier),
        Row("N30", "The CHF Device Log has been restored (DUIS 3.9.9): injected device event chf-log-restored on the replacement CHF", Success, Supplier),
        Row("N31", "The GPF Device Log has been restored (DUIS 3.9.9): injected device event gpf-log-restored on the replacement CHF", Success, Supplier),
        Failed("N33", CommandFailureKind.Smets1Device, "a Command to a SMETS1 Device was not delivered (E20) or not answered (E21) by the SMETS1 Service Provider", NotDelivered),
        Failed("N34", CommandFailureKind.OnDemandToGpf, "an On Demand Command to a Gas Proxy Function was not delivered (E20) or not answered (E21)", NotDelivered),
        Failed("N35", CommandFailureKind.OnDemandToPpmid, "an On Demand Command to a PPMID was not delivered (E20) or not answered (E21)", NotDelivered),
        Failed("N36", CommandFailureKind.OnDemandToOtherHanDevice, "an On Demand Command to an HCALCS or other Type 1 / Type 2 Device was not delivered (E20) or not answered (E21)", NotDelivered),
        Row("N37", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Failed("N38", CommandFailureKind.CriticalCommand, "a Critical Command (a Signed Pre-Command, Command Variant 5, 6 or 7) was not delivered (E20) or not answered (E21)", NotDelivered),
        Row("N39", "An Alert was generated by a PPMID (DUIS 3.9.10): injected device event ppmid-alert", Success, Supplier),
        Row("N40", "A DCC Schedule is to be deleted (DUIS 3.9.4)", Success, [AlertRecipient.ScheduleOwner]),
        Failed("N41", CommandFailureKind.DeviceStatusAtExecution, "a held Future Dated (DSP) Command failed access control checked again at its execution: the Device's SMI Status no longer allows it (E5)", [ResponseCode.E5, ResponseCode.E1, ResponseCode.E3, ResponseCode.E4]),
        Row("N42", "Update Security Credentials (6.15.1) placed the certificate of a Remote Party other than the sender (DUIS 3.9.11): sent to the User the placed certificate names", Success,
            [AlertRecipient.CredentialsHolder]),
        Row("N43", "A PPMID joined to both the ESME and the GSME was removed from a Device Log (DUIS 3.9.12): an 8.11 RequestType Remove of a PPMID the SMI holds in both the CHF's and the GPF's Device Logs", Success, Supplier),
        Row("N44", "SMKI Recovery completed with ACB credentials placed (sr:RecoveryCompleteACBCredentials, DUIS 3.9.3, SEC L): injected device event smki-recovery-acb", Success, SupplierAndNetworkOperator),
        Row("N45", "SMKI Recovery completed (sr:RecoveryComplete, DUIS 3.9.3, SEC L)", Success, SupplierAndNetworkOperator),
        Row("N46", "Request quarantined: the User's Anomaly Detection volume threshold was breached (DUIS 3.9.17)", Success, Originator),
        Row("N47", "Request quarantined: the DCC's Anomaly Detection volume threshold was breached (DUIS 3.9.17)", Success, Originator),
        Row("N48", "Request quarantined: an Anomaly Detection attribute limit was breached (DUIS 3.9.17): a value in the request's body beyond the DCC's limit for that element of its variant (openduis anomaly-threshold limit)", Success, Originator),
        Row("N49", "Firmware Version in the SMI differs from the Device's, which is on the CPL as \"Current\" (DUIS 3.9.13)", Success, Supplier),
        Row("N50", "Firmware Version in the SMI differs from the Device's, which is on the CPL as \"Removed\" (DUIS 3.9.13)", Success, Supplier),
        Row("N51", "Firmware Version in the SMI differs from the Device's, which is not on the CPL (DUIS 3.9.13)", Success, Supplier),
        Row("N52", "The GSME's Firmware Version in the SMI differs from the one read through the GPF (DUIS 3.9.13): a firmware version a GSME reports (Read Firmware Version 11.2, Activate Firmware 11.3), which reaches the DCC through the GPF (our reading)", Success, Supplier),
        Failed("N53", CommandFailureKind.EsmeUndeliverable, "the CHF could not deliver the Command to the ESME and raised Alert 0x8F84 (E58, DUIS 3.9.1 Table 2)", [ResponseCode.E58]),
        Row("N54", "An Alert was generated by a Dual Band CHF (DUIS 3.9.14; E59 for Sub GHz events, 3.5.10)", [ResponseCode.E59, ResponseCode.I0], Supplier),
        Row("N55", "A SMETS1 Service Provider reports a validation error or other notification (DUIS 3.9.15; E62, 3.5.10)", [ResponseCode.E62], Originator),
        Row("N56", "A prepayment top-up UTRN in response to a Service Request of SRV 2.2 (DUIS 3.9.15)", Success, Originator),
        Row("N57", "A SMETS1 Communications Hub firmware update was requested or activated (DUIS 1.4.7.13, 1.4.7.14, 3.9.18): injected device event smets1-ch-firmware", Success, Supplier),
        Row("N58", "The ESME's ALCS/HCALCS/APC configuration has changed (DUIS 3.9.19): injected device event alcs-configuration-change", Success, SupplierAndNetworkOperator),
        Row("N59", "The Devices approved by CSPs for a firmware update (DUIS 3.9.20): injected device event firmware-upgrade-requested", Success, Supplier),
        Row("N60", "The CSP reports a firmware image transferred to a Communications Hub (DUIS 3.9.21): injected device event csp-firmware-delivered", Success, Originator),
        Row("N61", "The CSP reports a firmware image transfer to a Communications Hub failed (DUIS 3.9.21): injected device event csp-firmware-failed", Success, Originator),
        Row("N62", "An Alert was generated by the Communications Hub (DUIS 3.9.22): injected device event comms-hub-alert", Success, Supplier),
        Row("N63", "The ECoS Party has generated an ECoS Alert (DUIS 3.9.23): injected device event ecos-alert, about a Service Request of the recipient", Success, Originator),
        Row("N64", "A new firmware version was activated on a SMETS2+ Communications Hub (DUIS 3.9.25): injected device event ch-firmware-activated, after which the hub reports that version", Success, Supplier),
        Row("N65", "A Device's CoS Trust Anchor Cell holds a certificate of no active CoS Party (DUIS 3.9.24): injected device event cos-certificate", Success, Supplier),
        Row("N999", "The DCC Alert or Service Response owed to the User is not compatible with its DUIS XSD version (DUIS 3.9.16)", Success,
            [AlertRecipient.MessageRecipient]),
    ];

    private static readonly FrozenDictionary<string, DccAlertDefinition> ByCode = Table.ToFrozenDictionary(d => d.Code.Code, StringComparer.Ordinal);

    public static DccAlertDefinition Of(DccAlertCode code) => ByCode[code.Code];

    /// <summary>The CommandFailure code that reports <paramref name="kind"/> (DUIS 3.9.5; see <see cref="CommandFailureKind"/>).</summary>
    public static DccAlertCode CommandFailureCode(CommandFailureKind kind) => ByFailure[kind];

    private static readonly FrozenDictionary<CommandFailureKind, DccAlertCode> ByFailure =
        Table.Where(d => d.CommandFailure is not null).ToFrozenDictionary(d => d.CommandFailure!.Value, d => d.Code);

    /// <summary>
    /// The FirmwareDistributionFailure code (N18–N23, DUIS 3.9.6) for a Device behind the CSP of
    /// <paramref name="region"/>: one per CSP region, in the order of sr:CSPRegion (our reading); null
    /// for a SMETS1 Device or an unknown region, which no CSP serves.
    /// </summary>
    public static DccAlertCode? FirmwareDistributionFailureCode(CspRegion region) => region switch
    {
        CspRegion.North => DccAlertCode.Parse("N18"),
        CspRegion.Central => DccAlertCode.Parse("N19"),
        CspRegion.South => DccAlertCode.Parse("N20"),
        CspRegion.North4G => DccAlertCode.Parse("N21"),
        CspRegion.Central4G => DccAlertCode.Parse("N22"),
        CspRegion.South4G => DccAlertCode.Parse("N23"),
        _ => null,
    };

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
