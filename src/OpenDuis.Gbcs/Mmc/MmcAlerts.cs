using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The alert payloads the MMC schema defines (DeviceAlertMessagePayload), one writer per alert code,
/// each reading the alert's fields as GBCS lays them out for that code. An alert whose payload has no
/// MMC form (or whose values fall outside it) is rendered without a Payload, which the schema allows.
/// </summary>
internal static class MmcAlerts
{
    private delegate bool PayloadWriter(MmcWriter w, ushort code, ParsedGbcsMessage m);

    private static readonly Dictionary<ushort, PayloadWriter> Writers = new()
    {
        // GBCS 9.2.2.6: outcome of a Future Dated command (DLMS: its Message Code, counter and COSEM attribute; GBZ: cluster, frame control, command).
        [0x8F66] = FutureDated,
        [0x8F67] = FutureDated,
        // GBCS 11.? firmware verification: the calculated manufacturer image hash.
        [0x8F1C] = FirmwareVerification,
        [0x8F72] = FirmwareVerification,
        [0x81A0] = IntegrityWarning,
        // Supply outage restored (interruption and restoration date-times).
        [0x8F35] = SupplyOutage, [0x8F36] = SupplyOutage, [0x8F37] = SupplyOutage, [0x8F38] = SupplyOutage,
        [0x8F39] = SupplyOutage, [0x8F3A] = SupplyOutage, [0x8F3B] = SupplyOutage, [0x8F3C] = SupplyOutage,
        [0x8F85] = CommandNotSupported,
        [0x8F86] = LimitApcProcessed,
        [0x8F87] = LimitApcEnded,
        [0x8F88] = OperationalUpdate,
    };

    /// <summary>The billing data log alert (GBCS ECS68, GCS53): its entry is encrypted, so it is read only once decrypted.</summary>
    private const ushort BillingDataLog = 0x8F0A;

    public static void WritePayload(MmcWriter w, ushort code, ParsedGbcsMessage m, IReadOnlyList<byte[]> plaintexts)
    {
        if (code == BillingDataLog) MmcFields.BillingDataLogAlert(w, m, plaintexts);
        else if (Writers.TryGetValue(code, out var writer)) writer(w, code, m);
    }

    private static IReadOnlyList<DlmsData> Items(ParsedGbcsMessage m) =>
        m.Payload is DlmsDataNotification { Body: { Type: DlmsType.Structure } body } ? body.Items : [];

    private static bool FutureDated(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (m.Payload is GbzPayload { Alert.FutureDated: { } fd })
        {
            Open(w, "FutureDatedCommandOutcomeDeviceAlert");
            w.WriteStartElement("GBZFutureDatedAlert", Namespace);
            Element(w, "FutureDatedCommandMessageCode", fd.MessageCode.ToString("X4", CultureInfo.InvariantCulture));
            Element(w, "FutureDatedCommandOriginatorCounter", fd.OriginatorCounter.ToString(CultureInfo.InvariantCulture));
            w.WriteStartElement("GBZFDInstructionIdentification", Namespace);
            Element(w, "ExtendedHeaderClusterID", fd.ClusterId.ToString("X4", CultureInfo.InvariantCulture));
            Element(w, "FrameControl", fd.FrameControl.ToString("X2", CultureInfo.InvariantCulture));
            Element(w, "CommandIdentifier", fd.CommandId.ToString("X2", CultureInfo.InvariantCulture));
            Close(w, 4);
            return true;
        }
        // ASN.1 (GBCS CS02b/CS02g, CS06): the alert SEQUENCE {code, time, …} carries the deferred command's outcome.
        if (m.Payload is Asn1Payload { Root.Children: [_, { TagNumber: Asn1Node.GeneralizedTime } at, ..] alert })
        {
            if (alert is [_, _, var outcome] && MmcExecutionOutcome.Is(outcome))
            {
                Open(w, "FutureDatedCommandOutcomeDeviceAlert");
                w.WriteStartElement("UpdateSecurityCredentialsDeviceAlert", Namespace);
                MmcExecutionOutcome.Write(w, "UpdateSecurityCredentialsExecutionOutcome", outcome);
                Close(w, 3);
                return true;
            }
            // CS06 (11.3): originator counter of the Activate Firmware command, then {ActivateImageResponseCode, firmware version}.
            if (alert is [_, _, { TagNumber: Asn1Node.Integer } counter, { Constructed: true, Children: [{ TagNumber: Asn1Node.Integer or Asn1Node.Enumerated } result, ..] activation }])
            {
                Open(w, "FutureDatedCommandOutcomeDeviceAlert");
                w.WriteStartElement("FirmwareActivationDeviceAlert", Namespace);
                if (Asn1Time(at) is { } executed) Element(w, "ExecutionDateTime", DateTimeText(executed));
                Element(w, "OriginatorCounterFromCommand", counter.AsInteger().ToString(CultureInfo.InvariantCulture));
                Asn1StatusCodes.Write(w, "ActivateImageResponseCode", (long)result.AsInteger(), Asn1CodeList.ActivateFirmware);
                // The MMC FirmwareVersion is at most 8 characters: the version's octets as hex, when they fit.
                if (activation is [_, { TagNumber: Asn1Node.OctetString, Value.Length: >= 1 and <= 4 } v]) Element(w, "FirmwareVersion", Convert.ToHexString(v.Value.Span));
                Close(w, 3);
                return true;
            }
        }
        // DLMS: an octet-string of Message Code (2), originator counter (8), class (2), OBIS (6), attribute (1).
        if (Items(m) is [_, _, { Type: DlmsType.OctetString } p, ..] && p.Octets.Length == 19)
        {
            var o = p.Octets.Span;
            Open(w, "FutureDatedCommandOutcomeDeviceAlert");
            w.WriteStartElement("COSEMFutureDatedAlert", Namespace);
            Element(w, "FutureDatedCommandMessageCode", Convert.ToHexString(o[..2]));
            Element(w, "FutureDatedCommandOriginatorCounter", BinaryPrimitives.ReadUInt64BigEndian(o[2..10]).ToString(CultureInfo.InvariantCulture));
            w.WriteStartElement("DLMSCOSEMFDInstructionIdentification", Namespace);
            Element(w, "ClassId", Convert.ToHexString(o[10..12]));
            Element(w, "InstanceId", Convert.ToHexString(o[12..18]));
            Element(w, "AttributeId", Convert.ToHexString(o[18..19]));
            Close(w, 4);
            return true;
        }
        return false;
    }

    private static bool FirmwareVerification(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        var hash = m.Payload switch
        {
            GbzPayload { Alert.ImageHash: { } h } => h,
            _ when Items(m) is [_, _, { Type: DlmsType.OctetString } p, ..] => p.Octets,
            _ => (ReadOnlyMemory<byte>?)null,
        };
        if (hash is not { } value) return false;
        Open(w, "FirmwareVerificationDeviceAlert");
        Element(w, "ManufacturerImageHash", Convert.ToHexString(value.Span));
        Close(w, 2);
        return true;
    }

    private static bool IntegrityWarning(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        ushort? warning = m.Payload switch
        {
            GbzPayload { Alert.IntegrityWarning: { } v } => v,
            _ when Items(m) is [_, _, { Type: DlmsType.OctetString } p, ..] && p.Octets.Length == 2 => BinaryPrimitives.ReadUInt16BigEndian(p.Octets.Span),
            _ => null,
        };
        if (warning is not { } value) return false;
        Open(w, "SmartMeterIntegrityIssueWarningDeviceAlert");
        Element(w, "Warning", MmcStatus.IntegrityWarning(value));
        Close(w, 2);
        return true;
    }

    private static bool SupplyOutage(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (Items(m) is not [_, _, var interruption, var restoration, ..]
            || interruption.AsDateTime() is not { } from || restoration.AsDateTime() is not { } to) return false;
        Open(w, "SupplyOutageRestoreAlert");
        Element(w, "interruptionValue", DateTimeText(from));
        Element(w, "restorationValue", DateTimeText(to));
        Close(w, 2);
        return true;
    }

    private static bool CommandNotSupported(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (Items(m) is not [_, _, { Type: DlmsType.OctetString } p, ..] || p.Octets.Length != 10) return false;
        var o = p.Octets.Span;
        Open(w, "CommandNotSupportedbyDevice");
        Element(w, "MessageCodeofCommandReceived", Convert.ToHexString(o[..2]));
        Element(w, "OriginatorCounterfromCommandReceived", BinaryPrimitives.ReadUInt64BigEndian(o[2..]).ToString(CultureInfo.InvariantCulture));
        Close(w, 2);
        return true;
    }

    /// <summary>The Auxiliary Controller octet: its number (1–5) in the low nibble, "input from controlled load" in the high nibble (as the RTDS ECS101/ECS102 alerts lay it out).</summary>
    private static (int N, bool Input)? Controller(DlmsData d) =>
        d.Type == DlmsType.Unsigned && (d.Value & 0x0F) is >= 1 and <= 5 ? ((int)(d.Value & 0x0F), (d.Value & 0xF0) != 0) : null;

    private static bool LimitApcProcessed(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (Items(m) is not [_, _, var ctl, var start, var end, { Type: DlmsType.Unsigned, Value: <= 100 } level, ..]
            || Controller(ctl) is not { } c || start.AsDateTime() is not { } from || end.AsDateTime() is not { } to) return false;
        Open(w, "LimitAPCLevelCommandProcessedDeviceAlert");
        Element(w, "APCLimitPeriodStart", DateTimeText(from));
        Element(w, "APCLimitPeriodEnd", DateTimeText(to));
        ControllerLevel(w, c, level);
        Close(w, 2);
        return true;
    }

    private static void ControllerLevel(MmcWriter w, (int N, bool Input) controller, DlmsData level)
    {
        Element(w, "AuxiliaryControllerN", controller.N.ToString(CultureInfo.InvariantCulture));
        Element(w, "ResultingLevel", level.Text);
        if (controller.Input) { w.WriteStartElement("InputFromControlledLoad", Namespace); w.WriteEndElement(); }
    }

    private static bool LimitApcEnded(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (Items(m) is not [_, _, var ctl, { Type: DlmsType.Unsigned, Value: <= 100 } level, ..] || Controller(ctl) is not { } c) return false;
        Open(w, "LimitAPCLevelEndedDeviceAlert");
        ControllerLevel(w, c, level);
        Close(w, 2);
        return true;
    }

    /// <summary>0x8F88: the state as a JSON text (outputState, inputState, other data), as the RTDS ECS200 alert carries it.</summary>
    private static bool OperationalUpdate(MmcWriter w, ushort code, ParsedGbcsMessage m)
    {
        if (Items(m) is not [_, _, { Type: DlmsType.VisibleString or DlmsType.Utf8String or DlmsType.OctetString } p, ..]) return false;
        var text = System.Text.Encoding.UTF8.GetString(p.Octets.Span);
        int? output = null, input = null;
        try
        {
            using var json = JsonDocument.Parse(text);
            output = Level(json.RootElement, "outputState");
            input = Level(json.RootElement, "inputState");
        }
        catch (JsonException) { }
        Open(w, "OperationalUpdateDeviceAlert");
        if (output is { } o) Element(w, "OutputState", o.ToString(CultureInfo.InvariantCulture));
        if (input is { } i) Element(w, "InputState", i.ToString(CultureInfo.InvariantCulture));
        if (text.Length <= 1200) Element(w, "StateAndAssociatedInformation", text);
        Close(w, 2);
        return true;
    }

    private static int? Level(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v)
        && int.TryParse(v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
        && n is >= 0 and <= 100 ? n : null;

    private static DateTimeOffset? Asn1Time(Asn1Node time) =>
        DateTimeOffset.TryParseExact(System.Text.Encoding.ASCII.GetString(time.Value.Span), "yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private static void Open(MmcWriter w, string element)
    {
        w.WriteStartElement("Payload", Namespace);
        w.WriteStartElement(element, Namespace);
    }

    private static void Close(MmcWriter w, int levels)
    {
        for (var i = 0; i < levels; i++) w.WriteEndElement();
    }
}
