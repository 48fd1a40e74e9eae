using System.Collections.Frozen;

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// The Response Code table: every value of the DUIS 5.4 XSD's sr:ResponseCode enumeration, and for
/// the codes the DCC Systems generate themselves the row of DUIS 3.5.10 Table 1 (as amended by MP260).
/// Where the MP260 redline shows a struck "TBC" beside a procedure (E60–E71), the amended procedure is used.
/// </summary>
public static class ResponseCodes
{
    // DUIS Schema V5.4.xsd, simpleType ResponseCode, in its order.
    private static readonly string[] XsdEnumeration =
    [
        "I0", "I99", "E1", "E2", "E3", "E4", "E5", "E11", "E12", "E13",
        "E17", "E19", "E20", "E21", "E30", "E31", "E40", "E41", "E42", "E43",
        "E44", "E45", "E46", "E47", "E48", "E49", "E50", "E51", "E52", "E53",
        "E54", "E55", "E56", "E57", "E58", "E59", "E60", "E61", "E62", "E63",
        "E64", "E65", "E66", "E67", "E68", "E69", "E70", "E71", "E100", "E1000",
        "E1001", "E1003", "E1004", "E1006", "E1007", "E1008", "E1010", "E1011", "E010101", "E010102",
        "E010201", "E030301", "E030302", "E040101", "E041701", "E050101", "E050102", "E050103", "E050105", "E050107",
        "E050108", "E050109", "E050110", "E050111", "E050112", "E050201", "E050202", "W050201", "E050301", "E050302",
        "W050301", "E060501", "E060502", "E060701", "E060801", "E060802", "E060803", "E061301", "E061304", "E061305",
        "E061501", "E061504", "E061505", "E061506", "E061507", "E061508", "E061509", "E061801", "E061802", "E061803",
        "E062101", "E062102", "E062103", "E062105", "E062201", "E062202", "E062203", "E062301", "E062302", "E062303",
        "E062304", "E062305", "E062306", "E062401", "E062402", "E062403", "E062801", "E062802", "E062803", "E080201",
        "E080202", "E080301", "E080302", "E080405", "E080406", "E080407", "E080408", "E080409", "E080410", "E080411",
        "E080412", "E080413", "E080414", "E080415", "E080501", "E080502", "E080503", "E080601", "E080602", "E080604",
        "E080606", "E080607", "E080702", "E080721", "E080722", "E080723", "E080801", "E080821", "E080822", "E080901",
        "E080902", "E080903", "E081101", "E081102", "E081104", "E081105", "E081106", "E081107", "E081108", "E081109",
        "E081110", "E081111", "E081202", "E081204", "E081205", "E081221", "E081222", "E081223", "E081301", "E081302",
        "E081303", "E081401", "E081402", "E081405", "E081406", "W081401", "E110101", "E110102", "E110103", "E110105",
        "E110106", "W110101", "E110401", "E110402", "E110403", "E110405", "W110401", "E120101", "E120102", "E120103",
        "E120201", "E120203", "E120204", "E120207",
    ];

    // Present in the 5.4 enumeration but not in 5.1.
    private static readonly FrozenSet<string> AddedAfter51 = new[] { "E050111", "E050112", "E081406", "E110106", "E120103" }.ToFrozenSet(StringComparer.Ordinal);

    private const ResponseTypes Ack = ResponseTypes.Acknowledgement;
    private const ResponseTypes AckAndAlerts = ResponseTypes.Acknowledgement | ResponseTypes.DccAlert;
    private const ResponseTypes Alerts = ResponseTypes.DccAlert;

    private static ResponseCodeDefinition Row(ResponseCode code, string name, string description, ResponseTypes appliesTo, params string[] procedures) =>
        new(code, name, description, appliesTo, procedures);

    /// <summary>DUIS 3.5.10 Table 1: DCC Systems Response Codes.</summary>
    public static readonly IReadOnlyList<ResponseCodeDefinition> Table1 =
    [
        Row(ResponseCode.I0, "Success", "Request has had a successful outcome",
            ResponseTypes.ServiceResponse | ResponseTypes.DccAlert | ResponseTypes.DeviceAlert), // "All except Acknowledgement"; procedure N/A
        Row(ResponseCode.I99, "Acknowledgement", "Request received for sending to Device has been accepted and has passed access control, or response to a successful Non-Device Service Request where there is no specific XML data included in the Service Response",
            Ack),
        Row(ResponseCode.E1, "Failed Authorisation – Invalid User / User Role", "User / User Role combination is not a valid SEC party / User Role", AckAndAlerts, "V2", "Z1"),
        Row(ResponseCode.E2, "Failed Authorisation – Invalid User Role / Service Reference", "User Role not permitted to send Service Reference", Ack, "V4", "Z1"),
        Row(ResponseCode.E3, "Failed Authorisation – Invalid User Status", "User Status not permitted to send Service Reference", AckAndAlerts, "V3", "Z1"),
        Row(ResponseCode.E4, "Failed Authorisation – Invalid User / User Role for Device", "User Role not authorised for Device and required date & time", AckAndAlerts, "V1", "Z1"),
        Row(ResponseCode.E5, "Failed Authorisation – Invalid Device Status", "Device SMI Status incompatible with Service Reference", AckAndAlerts, "W6", "Z1"),
        Row(ResponseCode.E11, "Failed Validation – Invalid Service Request / device type combination", "Service Reference not compatible with the specified device", Ack, "W7", "Z1"),
        Row(ResponseCode.E12, "Failed Validation – Invalid Request / Command Variant combination", "Command Variant not applicable to the Request type", Ack, "W1", "Z1"),
        Row(ResponseCode.E13, "Failed Validation – Invalid Request Type for URL", "Request Type not valid for the URL, e.g. a \"Non-Device\" Service Request sent to the \"Transform\" URL", Ack, "W2", "Z1"),
        Row(ResponseCode.E17, "Failed Authorisation – Service Request or Signed Pre-Command is not available for Local Command Services", "User Role / Device status combination doesn't permit Request of Command for local delivery", Ack, "W6", "Z1"),
        Row(ResponseCode.E19, "Failed Authorisation – Device doesn't exist", "Device ID invalid", Ack, "W3", "Z1"),
        Row(ResponseCode.E20, "Communications Failure – Unable to Communicate with Device", "DCC Systems cannot establish communications with Device", Alerts, "X1"),
        Row(ResponseCode.E21, "Communications Failure – No Response Received from Device", "No Response received from Device for an \"On Demand\" Command or a \"Future Dated\" Command", Alerts, "X1"),
        Row(ResponseCode.E30, "Time-out – \"Future Dated\" Command", "DCC Systems doesn't get Response from Device on the expected date for \"Future Dated\" Command", Alerts, "X2", "X3"),
        Row(ResponseCode.E31, "Time-out – \"DSP Schedule\" / \"Future Dated (DSP)\" Command", "DCC Systems cannot establish communications with or get response from Device for \"DSP Scheduled\" or \"Future Dated (DSP)\" Command", Alerts, "X2", "X3"),
        Row(ResponseCode.E40, "Failed Sequenced Command – Invalid First Request", "DCC Systems fails a sequenced Request because it includes the \"First In Sequence\" flag set to true and the \"Preceding RequestID\" is populated", Ack, "Y1", "Z1"),
        Row(ResponseCode.E41, "Failed Sequenced Command – Invalid \"Preceding Request ID\"", "DCC Systems fails a sequenced Request, because its \"Preceding Request ID\" is also the \"Preceding RequestID\" of another Request in the same sequence", Ack, "Y1", "Z1"),
        Row(ResponseCode.E42, "Failed Sequenced Command – Circular Reference", "DCC Systems fails a sequenced Request, because its \"Request ID\" is the same as its \"Preceding Request ID\" or the \"Preceding RequestID\" of its preceding request or of one of its preceding requests", Ack, "Y1", "Z1"),
        Row(ResponseCode.E43, "Failed Sequenced Command – Previous Request(s) Failure", "DCC Systems fails a sequenced Request, because previous Request(s) in the sequence failed", AckAndAlerts, "Y2", "Z1"),
        Row(ResponseCode.E44, "Failed Sequenced Command – Previous Request(s) not received", "DCC Systems fails a sequenced Request, because a Response has not been received for previous Request(s) in the sequence during the \"Wait Period\"", AckAndAlerts, "Y2", "Z1"),
        Row(ResponseCode.E45, "Failed Sequenced Command – Invalid Command Variant", "DCC Systems fails a sequenced Request, because its Command Variant is not applicable to a sequenced Request", Ack, "Y2", "Z1"),
        Row(ResponseCode.E46, "Failed Sequenced Command – Request after Last In Sequence", "DCC Systems fails a sequenced Request, because it is dependent on the Last In Sequence", AckAndAlerts, "Y2", "Z1"),
        Row(ResponseCode.E47, "Failed Sequenced Command – Request failed because no response to \"On Demand\" Command received from device", "DCC Systems fails a sequenced Request, because no response received from device to previous Command", AckAndAlerts, "Y2", "Z1"),
        Row(ResponseCode.E48, "Failed Validation – Service Request Reference and Variant mismatch", "Invalid combination of Service Reference and Service Reference Variant", Ack, "W4", "Z1"),
        Row(ResponseCode.E49, "Failed Validation – Service Request Format and Service Reference Variant mismatch", "The Service Request format doesn't match the Service Reference Variant in the message header", Ack, "W5", "Z1"),
        Row(ResponseCode.E50, "Local Command Services Not Returned", "The Service Request requesting a Command for Local Delivery has not returned a Command", Ack, "W8"),
        Row(ResponseCode.E51, "Failed Validation – Signed Pre-Command Message Code and Service Reference Variant mismatch", "The GB Companion Specification Message Code in the Signed Pre-Command GBCS Payload doesn't map to the Service Reference Variant in the Signed Pre-Command XML header", Ack, "W5", "Z1"),
        Row(ResponseCode.E52, "Failed Validation – Unable to cancel Future Dated (DSP) Service Request", "The Service Request is to cancel a Future Dated (DSP) Service Request of the same type but DCC can't find a Service Request to cancel", Ack, "Y1", "Z1"),
        Row(ResponseCode.E53, "Failed Sequenced Command – Future Dated (DSP) not first in sequence", "The sequenced Service Request is Future Dated (DSP) and is not the first Request in the sequence", Ack, "Y2", "Z1"),
        Row(ResponseCode.E54, "Failed Sequenced Command – Gas Service Request returns encrypted data", "The sequenced Gas Service Request returns encrypted data", Ack, "Y2", "Z1"),
        Row(ResponseCode.E55, "Failed Validation – Duplicate Request ID", "The Request's Request ID is the duplicate of another Request being processed by the DCC Systems", Ack, "W5", "Z1"),
        Row(ResponseCode.E56, "Failed Validation – Service Request no longer supported", "The requested Service Request is no longer supported by the DCC Systems (a Service Request of an older DUIS XML schema that can no longer be accepted on that version); not applicable to this version of DUIS", AckAndAlerts, "W9", "Z1"),
        Row(ResponseCode.E57, "Failed Validation – Invalid Service Request / GBCS version combination", "The Service Request is not compatible with the target Device's Device Model as recorded in the Smart Metering Inventory and the GBCS version of that Device Model's Central Products List entry", AckAndAlerts, "W10", "Z1"),
        Row(ResponseCode.E58, "Communications Failure – Command not delivered to ESME", "The Communications Hub Function was unable to deliver the Command to the ESME (raised on receipt of Alert 0x8F84 from the Communications Hub Function)", Alerts, "X4", "Z1"),
        Row(ResponseCode.E59, "Dual Band CHF Sub GHz event", "The CHF sent an Alert indicating a communications event in the Sub GHz range (0x8F22, 0x8F24, 0x8F29, 0x8F2B without payload; 0x8F20, 0x8F2C, 0x8F2D with payload); the DCC Alert carries the Alert Code and any payload", Alerts, "X5", "Z1"),
        Row(ResponseCode.E60, "Failed Validation – Invalid Service Request for SMETS1 Devices", "The target device is a SMETS1 Device, but the Service Request is not a SMETS1 Service Request", Ack, "W11"),
        Row(ResponseCode.E61, "Failed Validation – Invalid Command Variant for SMETS1 Service Request", "The Command Variant is not valid for the SMETS1 Service Request", Ack, "W11"),
        // Table 1 types E62 "Error or information"; the code itself carries the E prefix.
        Row(ResponseCode.E62, "SMETS1 Service Provider error or information", "Error condition or notification from a SMETS1 Service Provider; details in the S1SPAlertCode of the DCC Alert payload", Alerts, "W12"),
        Row(ResponseCode.E63, "DCC Data Systems anti-Replay Intercept", "Protection against Replay mechanisms within the DCC have rejected a SMETS1 Service Request", Ack, "W13", "Z1"),
        Row(ResponseCode.E64, "Failed Validation – Originator ID is not the Notified Critical Supplier or Notified Critical Network Operator ID", "For a SMETS1 Critical Service Request or a SMETS1 'Top Up Device' Service Request, the Request was not originated by the Notified Critical Supplier or Notified Critical Network Operator", Ack, "W13", "Z1"),
        Row(ResponseCode.E65, "Failed Validation – Certificate Role Mismatch", "The Service Request or Signed Pre-Command is not signed using an Organisation Certificate with Remote Party Role 'xmlSign'", Ack, "U1", "Z1"),
        Row(ResponseCode.E66, "Failed Delivery – Unable to deliver to CoS Party", "DCC Data Systems cannot establish communications with the CoS Party", Alerts, "X6", "Z1"),
        Row(ResponseCode.E67, "Timeout – No response received from CoS Party", "No response received from the CoS Party within the timeout period", Alerts, "X6", "Z1"),
        Row(ResponseCode.E68, "Failed Validation – Service Request failed CoS Party Validation", "The Service Request failed validation checks performed by the CoS Party", Alerts, "W14", "Z1"),
        Row(ResponseCode.E69, "Failed Validation – CoS Service Request failed anti-replay checks", "Protection against Replay mechanisms within the DCC have rejected the Service Request", Alerts, "W15", "Z1"),
        Row(ResponseCode.E70, "Failed Validation – CoS Anomaly Detection Threshold Breach", "A CoS-specific Anomaly Detection volume threshold has been exceeded", Alerts, "W16", "Z1"),
        Row(ResponseCode.E71, "Failed Validation – Invalid Response from CoS Party", "Authorisation payload or Signed Pre-Command from the CoS Party is not consistent with the original Service Request", Alerts, "W17", "Z1"),
        Row(ResponseCode.E100, "Failed Authentication", "Request failed Authentication (as per checks in clause 3.2.3 Message Authentication)", Ack, "U1", "Z1"),
    ];

    private static readonly FrozenDictionary<string, int> Ordinals =
        XsdEnumeration.Select((c, i) => (c, i)).ToFrozenDictionary(p => p.c, p => p.i, StringComparer.Ordinal);

    private static readonly ResponseCode[] Codes = XsdEnumeration.Select(ResponseCode.Create).ToArray();

    private static readonly FrozenDictionary<string, ResponseCodeDefinition> Definitions =
        Table1.ToFrozenDictionary(d => d.Code.Code, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ResponseCode>.AlternateLookup<ReadOnlySpan<char>> ByText =
        Codes.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Every code of the DUIS 5.4 XSD enumeration, in its order.</summary>
    public static IReadOnlyList<ResponseCode> All => Codes;

    public static ResponseCodeDefinition? DefinitionOf(ResponseCode code) =>
        Definitions.TryGetValue(code.Code, out var d) ? d : null;

    /// <summary>
    /// What a code means, in one line for people (printed beside codes by send, listen, explain): its
    /// Table 1 name, or for a service-specific code its Service Request and the rule it answers.
    /// </summary>
    public static string MeaningOf(ResponseCode code)
    {
        if (DefinitionOf(code) is { } d) return d.Name;
        if (!code.TryGetServiceSpecific(out var reference, out var number)) return "not in DUIS 3.5.10 Table 1";
        var service = Catalogue.ServiceCatalogue.VariantsOf(reference).FirstOrDefault()?.Name is { } name ? $"{reference} {name}" : reference.ToString();
        var kind = code.Type == ResponseCodeType.Warning ? "warning" : "error";
        return ServiceSpecificResponseCodes.MeaningOf(code) is { } meaning
            ? $"{service}, {kind} {number}: {meaning}"
            : $"{service}, {kind} {number}, as its DUIS service definition gives it (OpenDUIS does not raise it)";
    }

    /// <summary>Whether the given DUIS schema version's XSD lists the code (5.1 lacks five service-specific codes).</summary>
    public static bool IsDefinedIn(this ResponseCode code, DuisSchemaVersion version) =>
        version.CompareTo(DuisSchemaVersion.V5_4) >= 0 || !AddedAfter51.Contains(code.Code);

    internal static ResponseCode? Lookup(ReadOnlySpan<char> text) =>
        ByText.TryGetValue(text, out var code) ? code : null;

    internal static int OrdinalOf(ResponseCode code) => Ordinals.TryGetValue(code.Code, out var i) ? i : -1;
}
