using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network.Events;

/// <summary>
/// What a device, its Communications Hub, its CSP, the SMETS1 Service Provider or the ECoS Party does
/// of its own accord, which the DCC reports as a DCC Alert (DUIS 3.9). Injected into the emulated
/// SM WAN through <see cref="DeviceEvents"/>.
/// </summary>
public enum DeviceEventKind
{
    PowerOutage,
    PpmidAlert,
    CommsHubAlert,
    ChfLogRestored,
    GpfLogRestored,
    Smets1ChFirmware,
    AlcsConfigurationChange,
    FirmwareUpgradeRequested,
    CspFirmwareDelivered,
    CspFirmwareFailed,
    EcosAlert,
    ChFirmwareActivated,
    CosCertificate,
    SmkiRecoveryAcb,
    DeviceAlert,
}

/// <summary>The parameters an event may take; which it needs is in its <see cref="DeviceEventDefinition"/>.</summary>
public enum DeviceEventParameter
{
    AlertCode,
    FirmwareVersion,
    OtherDevice,
    RequestId,
    Code,
    Activated,
}

/// <summary>One injectable event: its name (admin API and CLI), the DCC Alert Code it raises, the Devices it happens on, and its parameters.</summary>
/// <param name="AlertCode">The DCC Alert the event raises; null for the Device's own alert (a Device Alert, its code given with --alert-code).</param>
/// <param name="Required">Parameters the event cannot be raised without; the others in <paramref name="Optional"/>.</param>
public sealed record DeviceEventDefinition(DeviceEventKind Kind, string Name, DccAlertCode? AlertCode, IReadOnlyList<DeviceType> DeviceTypes,
    DeviceGeneration? Generation, string Description, IReadOnlyList<DeviceEventParameter> Required, IReadOnlyList<DeviceEventParameter> Optional)
{
    /// <summary>What the event raises, as listed: its DCC Alert Code, or "Device Alert".</summary>
    public string Raises => AlertCode?.Code ?? "Device Alert";
}

/// <summary>
/// The one table of injectable device events, the DCC Alert each raises (its trigger in
/// DccAlertCatalogue cites this name) and what they need. Which Device an event is raised on is our
/// reading where DUIS 3.9 does not say: a Communications Hub's events on its CHF.
/// </summary>
public static class DeviceEventKinds
{
    private static readonly DeviceType[] Chf = [DeviceType.CHF];
    private static readonly DeviceType[] Any = Enum.GetValues<DeviceType>();

    private static DeviceEventDefinition Row(DeviceEventKind kind, string name, string? code, DeviceType[] types, string description,
        DeviceEventParameter[]? required = null, DeviceEventParameter[]? optional = null, DeviceGeneration? generation = null) =>
        new(kind, name, code is null ? null : DccAlertCode.Parse(code), types, generation, description, required ?? [], optional ?? []);

    public static readonly IReadOnlyList<DeviceEventDefinition> Table =
    [
        Row(DeviceEventKind.PowerOutage, "power-outage", "AD1", Chf,
            "The Communications Hub lost power (DUIS 3.9.2): PowerOutageEvent to the Network Operator of its electricity meter; the hub and the Devices behind it are unreachable (E20) until their faults are cleared"),
        Row(DeviceEventKind.PpmidAlert, "ppmid-alert", "N39", [DeviceType.PPMID],
            "The PPMID raised an Alert (DUIS 3.9.10): PPMIDAlert to the Registered Supplier; with --firmware-version, its firmware upgrade alert",
            [DeviceEventParameter.AlertCode], [DeviceEventParameter.FirmwareVersion, DeviceEventParameter.Activated]),
        Row(DeviceEventKind.CommsHubAlert, "comms-hub-alert", "N62", Chf,
            "The Communications Hub raised an Alert (DUIS 3.9.22): CommsHubAlert to the Registered Suppliers of its meters; with --other-device and --firmware-version, a firmware transfer to that Device",
            [DeviceEventParameter.AlertCode], [DeviceEventParameter.OtherDevice, DeviceEventParameter.FirmwareVersion, DeviceEventParameter.RequestId]),
        Row(DeviceEventKind.ChfLogRestored, "chf-log-restored", "N30", Chf,
            "The replaced Communications Hub's CHF Device Log was restored onto this one (DUIS 3.9.9): DeviceLogRestored to the Registered Suppliers",
            [DeviceEventParameter.OtherDevice]),
        Row(DeviceEventKind.GpfLogRestored, "gpf-log-restored", "N31", Chf,
            "The replaced Communications Hub's GPF Device Log was restored onto this one (DUIS 3.9.9): DeviceLogRestored to the Registered Suppliers",
            [DeviceEventParameter.OtherDevice]),
        Row(DeviceEventKind.Smets1ChFirmware, "smets1-ch-firmware", "N57", Chf,
            "A SMETS1 Communications Hub firmware update was requested, or with --activated activated (DUIS 3.9.18): SMETS1CHFirmwareNotification to the Registered Suppliers",
            [DeviceEventParameter.FirmwareVersion], [DeviceEventParameter.Activated], DeviceGeneration.Smets1),
        Row(DeviceEventKind.AlcsConfigurationChange, "alcs-configuration-change", "N58", [DeviceType.ESME],
            "The ESME's ALCS/HCALCS/APC configuration changed (DUIS 3.9.19): ALCSHCALCSConfigurationChange to the Registered Supplier and Network Operator"),
        Row(DeviceEventKind.FirmwareUpgradeRequested, "firmware-upgrade-requested", "N59", Any,
            "The CSP approved the Device for a firmware update (DUIS 3.9.20): FirmwareUpgradeRequested to the Registered Supplier",
            [DeviceEventParameter.FirmwareVersion]),
        Row(DeviceEventKind.CspFirmwareDelivered, "csp-firmware-delivered", "N60", Any,
            "The CSP transferred a firmware image for the Device to its Communications Hub (DUIS 3.9.21): CSPFirmwareDeliveryStatus to the sender of the Update Firmware request",
            [DeviceEventParameter.RequestId, DeviceEventParameter.FirmwareVersion]),
        Row(DeviceEventKind.CspFirmwareFailed, "csp-firmware-failed", "N61", Any,
            "The CSP failed to transfer a firmware image for the Device to its Communications Hub (DUIS 3.9.21): CSPFirmwareDeliveryStatus to the sender of the Update Firmware request",
            [DeviceEventParameter.RequestId, DeviceEventParameter.FirmwareVersion]),
        Row(DeviceEventKind.EcosAlert, "ecos-alert", "N63", Any,
            "The ECoS Party raised an ECoS Alert about the Device and a Service Request (DUIS 3.9.23): ECoSAlert to the request's sender",
            [DeviceEventParameter.RequestId, DeviceEventParameter.Code]),
        Row(DeviceEventKind.ChFirmwareActivated, "ch-firmware-activated", "N64", Chf,
            "A new firmware version was activated on the SMETS2+ Communications Hub (DUIS 3.9.25): CommsHubFirmwareActivation to the Registered Suppliers; the hub then reports that version",
            [DeviceEventParameter.FirmwareVersion], generation: DeviceGeneration.Smets2Plus),
        Row(DeviceEventKind.CosCertificate, "cos-certificate", "N65", Any,
            "The Device's CoS Trust Anchor Cell holds a certificate of no active CoS Party (DUIS 3.9.24): CoSCertificateAlert to the Registered Supplier"),
        Row(DeviceEventKind.SmkiRecoveryAcb, "smki-recovery-acb", "N44", Any,
            "SMKI Recovery of the Device completed with ACB credentials placed (SEC Appendix L; DUIS 3.9.3): DeviceStatusChangeEvent to the Registered Supplier and Network Operator"),
        Row(DeviceEventKind.DeviceAlert, "device-alert", null, [DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF, DeviceType.PPMID],
            "The SMETS1 Device raised an Alert (R-S1-1): the S1SP-signed sr:SMETS1ResponseMessage with its DeviceAlertMessage to the Registered Supplier",
            [DeviceEventParameter.AlertCode], generation: DeviceGeneration.Smets1),
    ];

    public static DeviceEventDefinition Of(DeviceEventKind kind) => Table[(int)kind];

    public static IEnumerable<string> Names => Table.Select(d => d.Name);

    public static bool TryFind(string? name, out DeviceEventDefinition definition)
    {
        definition = Table.FirstOrDefault(d => string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return definition is not null;
    }

    /// <summary>The parameter's name in the admin API (camelCase) and the CLI (--kebab-case).</summary>
    public static string OptionName(DeviceEventParameter parameter) => parameter switch
    {
        DeviceEventParameter.AlertCode => "--alert-code",
        DeviceEventParameter.FirmwareVersion => "--firmware-version",
        DeviceEventParameter.OtherDevice => "--other-device",
        DeviceEventParameter.RequestId => "--request-id",
        DeviceEventParameter.Code => "--code",
        _ => "--activated",
    };
}
