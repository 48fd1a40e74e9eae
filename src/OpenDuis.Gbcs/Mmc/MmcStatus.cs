namespace OpenDuis.Gbcs.Mmc;

/// <summary>The status enumerations of the MMC schema's debug information, keyed by the octet the device sent.</summary>
internal static class MmcStatus
{
    /// <summary>Data-Access-Result (IEC 62056-5-3), as MMC StatusCOSEM/DataAccessResult names them.</summary>
    public static string DataAccessResult(byte code) => code switch
    {
        0 => "success", 1 => "hardware-fault", 2 => "temporary-failure", 3 => "read-write-denied", 4 => "object-undefined",
        9 => "object-class-inconsistent", 11 => "object-unavailable", 12 => "type-unmatched", 13 => "scope-of-access-violated",
        14 => "data-block-unavailable", 15 => "long-get-aborted", 16 => "no-long-get-in-progress", 17 => "long-set-aborted",
        18 => "no-long-set-in-progress", 19 => "data-block-number-invalid", 250 => "other-reason",
        _ => "response-code-not-known",
    };

    /// <summary>Action-Result (IEC 62056-5-3), as MMC StatusCOSEM/ActionResult names them.</summary>
    public static string ActionResult(byte code) => code switch
    {
        0 => "success", 1 => "hardware-fault", 2 => "temporary-failure", 3 => "read-write-denied", 4 => "object-undefined",
        9 => "object-class-inconsistent", 11 => "object-unavailable", 12 => "type-unmatched", 13 => "scope-of-access-violated",
        14 => "data-block-unavailable", 15 => "long-action-aborted", 16 => "no-long-action-in-progress", 250 => "other-reason",
        _ => "response-code-not-known",
    };

    /// <summary>ZCL status (ZigBee Cluster Library 2.5.3), as MMC StatusZIGBEE/ZCLStatus names them.</summary>
    public static string Zcl(byte code) => code switch
    {
        0x00 => "SUCCESS", 0x01 => "FAILURE", 0x7E => "NOT_AUTHORIZED", 0x7F => "RESERVED_FIELD_NOT_ZERO", 0x80 => "MALFORMED_COMMAND",
        0x81 => "UNSUP_CLUSTER_COMMAND", 0x82 => "UNSUP_GENERAL_COMMAND", 0x83 => "UNSUP_MANUF_CLUSTER_COMMAND",
        0x84 => "UNSUP_MANUF_GENERAL_COMMAND", 0x85 => "INVALID_FIELD", 0x86 => "UNSUPPORTED_ATTRIBUTE", 0x87 => "INVALID_VALUE",
        0x88 => "READ_ONLY", 0x89 => "INSUFFICIENT_SPACE", 0x8A => "DUPLICATE_EXISTS", 0x8B => "NOT_FOUND",
        0x8C => "UNREPORTABLE_ATTRIBUTE", 0x8D => "INVALID_DATA_TYPE", 0x8E => "INVALID_SELECTOR", 0x8F => "WRITE_ONLY",
        0x90 => "INCONSISTENT_STARTUP_STATE", 0x91 => "DEFINED_OUT_OF_BAND", 0x92 => "INCONSISTENT", 0x93 => "ACTION_DENIED",
        0x94 => "TIMEOUT", 0x95 => "ABORT", 0x96 => "INVALID_IMAGE", 0x97 => "WAIT_FOR_DATA", 0x98 => "NO_IMAGE_AVAILABLE",
        0x99 => "REQUIRE_MORE_IMAGE", 0xC0 => "HARDWARE_FAILURE", 0xC1 => "SOFTWARE_FAILURE", 0xC2 => "CALIBRATION_ERROR",
        _ => "RESPONSE_CODE_NOT_KNOWN",
    };

    /// <summary>ZCL cluster names (ZigBee Smart Energy 1.x clusters GBCS uses), for the debug information's ClusterName.</summary>
    public static string Cluster(ushort id) => id switch
    {
        0x0000 => "Basic", 0x000A => "Time", 0x0019 => "OTA Upgrade", 0x0700 => "Price", 0x0701 => "Demand Response and Load Control",
        0x0702 => "Metering", 0x0703 => "Messaging", 0x0704 => "Tunneling", 0x0705 => "Prepayment", 0x0707 => "Calendar",
        0x0708 => "Device Management", 0x0709 => "Events", 0x070A => "MDU Pairing", 0x0800 => "Key Establishment",
        _ => $"Cluster 0x{id:X4}",
    };

    /// <summary>
    /// Alert descriptions (GBCS Table 16.2 Alert Code names; 0x8F85–0x8F88 as the MMC schema's alert types name them).
    /// An alert outside the table is described by its code.
    /// </summary>
    public static string Alert(ushort code) => KnownAlert(code) ?? $"Device Alert 0x{code:X4}";

    /// <summary>The GBCS Table 16.2 description of an alert or event code, or null when the table does not name it.</summary>
    public static string? KnownAlert(ushort code) => code switch
    {
        0x8071 => "GPF Device Log Changed",
        0x810E => "Credit Added Locally",
        0x81A0 => "Smart Meter Integrity Issue Warning",
        0x8F0A => "Billing Data Log Updated",
        0x8F12 => "CHF Device Log Changed",
        0x8F1C => "Firmware Verification Failed",
        0x8F20 => "Limited Duty Cycle Action Taken",
        0x8F26 => "Sub GHz Channel Changed",
        0x8F28 => "Sub GHz Channel Scan Request Assessment Outcome",
        0x8F2A => "Sub GHz Configuration Changed",
        0x8F2C => "Message Discarded Due to Duty Cycle Management",
        0x8F2D => "No More Sub GHz Device Capacity",
        0x8F30 => "Source Does not have Authority for Command",
        0x8F35 => "Supply Outage Restored",
        0x8F36 => "Supply Outage Restored - Outage >= 3 minutes",
        0x8F66 => "Future date HAN Interface Command Successfully Actioned",
        0x8F67 => "Future date HAN Interface Command not Successfully Actioned",
        0x8F72 => "Firmware Verification Successful",
        0x8F85 => "Command Not Supported by Device",
        0x8F86 => "Limit APC Level Command Processed",
        0x8F87 => "Limit APC Level Ended",
        0x8F88 => "Operational Update",
        _ => null,
    };

    /// <summary>Smart Meter Integrity Issue Warning values (GBCS 16.?, alert 0x81A0), as the MMC enumeration spells them.</summary>
    public static string IntegrityWarning(ushort code) => code switch
    {
        1 => "Error Non Volatile Memory", 2 => "Error Program Execution", 3 => "Error Program Storage", 4 => "Error RAM",
        5 => "Error Unexpected Hardware Reset", 6 => "Error Watchdog", 7 => "Error Metrology Firmware Verification Failure",
        8 => "Error Measurement Fault", 9 => "Unspecified Smart Meter Operational Integrity Error",
        _ => "Other",
    };
}
