using System.Globalization;
using System.Numerics;
using System.Xml;
using OpenDuis.Protocol.Domain;
using static OpenDuis.Protocol.Messages.Alerts.AlertXml;

namespace OpenDuis.Protocol.Messages.Alerts;

// The DCC Alert formats of DUIS 3.9.1 Table 2 whose bodies are flat sequences. Each record is one
// XSD complex type of the same name; elements are written in the XSD's order.

/// <summary>AD1: a device's power has failed (DUIS 3.9.2, sr:PowerOutageEvent).</summary>
public sealed record PowerOutageEvent(Eui CommsHubDeviceId, DateTimeOffset StartDateTime, string Mpxn) : DccAlertBody
{
    public string Mpxn { get; init; } = AlertXml.Mpxn(Mpxn, nameof(Mpxn));
    public override string Format => "PowerOutageEvent";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "CommsHubDeviceID", CommsHubDeviceId);
        Add(e, "StartDateTime", StartDateTime);
        Add(e, "MPxN", Mpxn);
    }
}

/// <summary>N4, N5, N6, N17, N37, N40: a DCC Schedule is to be deleted (DUIS 3.9.4, sr:DSPScheduleRemoval).</summary>
public sealed record DspScheduleRemoval(Eui DeviceId, ulong DspScheduleId) : DccAlertBody
{
    public ulong DspScheduleId { get; init; } = ScheduleId(DspScheduleId, nameof(DspScheduleId));
    public override string Format => "DSPScheduleRemoval";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Add(e, "DSPScheduleID", DspScheduleId);
    }
}

/// <summary>
/// N3, N7, N10–N15, N33–N36, N38, N41, N53: a Command has failed (DUIS 3.9.5, sr:CommandFailure);
/// <paramref name="DspScheduleId"/> when the Command was a DCC Scheduled one.
/// </summary>
public sealed record CommandFailure(RequestId CommandRequestId, Eui DeviceId, ulong? DspScheduleId = null) : DccAlertBody
{
    public ulong? DspScheduleId { get; init; } = ScheduleId(DspScheduleId, nameof(DspScheduleId));
    public override string Format => "CommandFailure";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "CommandRequestID", CommandRequestId);
        if (DspScheduleId is { } s) Add(e, "DSPScheduleID", s);
        Add(e, "DeviceID", DeviceId);
    }
}

/// <summary>
/// N18–N23: a firmware distribution to the CSP failed for some of the Devices (DUIS 3.9.6,
/// sr:FirmwareDistributionFailure).
/// </summary>
public sealed record FirmwareDistributionFailure(RequestId UpdateFirmwareRequestId, IReadOnlyList<Eui> MeterIds) : DccAlertBody
{
    public IReadOnlyList<Eui> MeterIds { get; init; } = Devices(MeterIds, nameof(MeterIds));
    public override string Format => "FirmwareDistributionFailure";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "UpdateFirmwareRequestID", UpdateFirmwareRequestId);
        AddDeviceList(e, "MeterIDs", MeterIds);
    }
}

/// <summary>
/// N24, N25: the outcome of an Update HAN Device Log (addition) request (DUIS 3.9.7,
/// sr:UpdateHANDeviceLogResult).
/// </summary>
public sealed record UpdateHanDeviceLogResult(RequestId UpdateHanDeviceLogServiceRequestId) : DccAlertBody
{
    public override string Format => "UpdateHANDeviceLogResult";

    protected override void WriteContent(AlertContent e) =>
        Add(e, "UpdateHANDeviceLogServiceRequestID", UpdateHanDeviceLogServiceRequestId);
}

/// <summary>
/// N26, N27: an Update Security Credentials (CoS) succeeded or failed the CoS Party's checks (DUIS
/// 3.9.8, sr:ChangeOfSupplier): either the request with an optional 3-character ECoS error code, or
/// the Device whose supplier changed.
/// </summary>
public sealed record ChangeOfSupplier : DccAlertBody
{
    private ChangeOfSupplier() { }

    public RequestId? ChangeOfSupplierServiceRequestId { get; private init; }
    public string? EcosErrorCode { get; private init; }
    public DeviceChangeOfSupplier? Device { get; private init; }

    public override string Format => "ChangeOfSupplier";

    public static ChangeOfSupplier ForRequest(RequestId changeOfSupplierRequest, string? ecosErrorCode = null) =>
        ecosErrorCode is not null && ecosErrorCode.Length != 3
            ? throw new ArgumentException($"'{ecosErrorCode}' is not an ECoS error code (3 characters).", nameof(ecosErrorCode))
            : new() { ChangeOfSupplierServiceRequestId = changeOfSupplierRequest, EcosErrorCode = ecosErrorCode };

    public static ChangeOfSupplier ForDevice(DeviceChangeOfSupplier device) => new() { Device = device };

    protected override void WriteContent(AlertContent e)
    {
        if (Device is { } d)
        {
            var x = Add(e, "DeviceChangeOfSupplier");
            Add(x, "DeviceID", d.DeviceId);
            Add(x, "DeviceType", Text(d.DeviceType));
            d.Mpxns.Write(Add(x, "MPxNs"));
            return;
        }
        Add(e, "ChangeOfSupplierServiceRequestID", ChangeOfSupplierServiceRequestId!.Value);
        if (EcosErrorCode is not null) Add(e, "ECoSErrorCode", EcosErrorCode);
    }
}

/// <summary>sr:DeviceChangeOfSupplier: the Device and the meter points it serves.</summary>
public sealed record DeviceChangeOfSupplier(Eui DeviceId, DeviceType DeviceType, MeterMpxns Mpxns);

/// <summary>sr:MeterMPxNs: the import MPxN, and for an ESME its secondary import and export MPANs.</summary>
public sealed record MeterMpxns(string ImportMpxn, string? SecondaryImportMpan = null, string? ExportMpan = null)
{
    public string ImportMpxn { get; init; } = Mpxn(ImportMpxn, nameof(ImportMpxn));
    public string? SecondaryImportMpan { get; init; } = Mpan(SecondaryImportMpan, nameof(SecondaryImportMpan));
    public string? ExportMpan { get; init; } = Mpan(ExportMpan, nameof(ExportMpan));

    internal void Write(AlertContent e)
    {
        Add(e, "ImportMPxN", ImportMpxn);
        if (SecondaryImportMpan is not null) Add(e, "SecondaryImportMPAN", SecondaryImportMpan);
        if (ExportMpan is not null) Add(e, "ExportMPAN", ExportMpan);
    }
}

/// <summary>Which Device Log was restored (the sr:DeviceLogRestored choice).</summary>
public enum RestoredDeviceLog
{
    Chf,
    Gpf,
}

/// <summary>
/// N30, N31: the CHF or GPF Device Log has been restored onto a replacement Communications Hub
/// (DUIS 3.9.9, sr:DeviceLogRestored).
/// </summary>
public sealed record DeviceLogRestored(DateOnly RestoredDate, RestoredDeviceLog Log, Eui OldChfDeviceId, Eui NewChfDeviceId, Eui OldGpfDeviceId, Eui NewGpfDeviceId)
    : DccAlertBody
{
    public override string Format => "DeviceLogRestored";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "RestoredDate", RestoredDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var log = Add(e, Log == RestoredDeviceLog.Chf ? "CHFDeviceLog" : "GPFDeviceLog");
        Add(log, "OldCHFDeviceID", OldChfDeviceId);
        Add(log, "NewCHFDeviceID", NewChfDeviceId);
        Add(log, "OldGPFDeviceID", OldGpfDeviceId);
        Add(log, "NewGPFDeviceID", NewGpfDeviceId);
    }
}

/// <summary>N39: an Alert generated by a PPMID (DUIS 3.9.10, sr:PPMIDAlert).</summary>
public sealed record PpmidAlert(Eui DeviceId, ushort DeviceAlertCode, DateTimeOffset? Timestamp = null, PpmidFirmwareUpgrade? FirmwareUpgrade = null)
    : DccAlertBody
{
    public override string Format => "PPMIDAlert";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        AddHex(e, "DeviceAlertCode", DeviceAlertCode);
        if (Timestamp is { } t) Add(e, "Timestamp", t);
        if (FirmwareUpgrade is { } f)
        {
            var x = Add(e, "PPMIDFirmwareUpgradeAlert");
            Add(x, "FirmwareVersion", f.FirmwareVersion);
            Add(x, "ActivateImageResultCode", f.Activated ? "ActivationSuccess" : "ActivationFailure");
        }
    }
}

/// <summary>sr:PPMIDFirmwareUpgradeAlert: the version activated on a PPMID, and whether activation succeeded.</summary>
public sealed record PpmidFirmwareUpgrade(string FirmwareVersion, bool Activated)
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
}

/// <summary>The Remote Party roles of sr:RemotePartyRole (whose certificate was placed on a Device).</summary>
public enum CredentialsRemoteParty
{
    Acb,
    NetworkOperator,
    Recovery,
    Root,
    Supplier,
    TransCoS,
    LoadController,
}

/// <summary>The certificate kinds of sr:Certificates/CertificateType.</summary>
public enum DeviceCertificateType
{
    DigitalSigning,
    KeyAgreement,
    KeyAgreementTopUp,
}

/// <summary>sr:Certificates: a certificate placed on the Device and its SHA-1 hash.</summary>
public sealed record PlacedCertificate(DeviceCertificateType Type, ReadOnlyMemory<byte> Sha1Hash)
{
    public ReadOnlyMemory<byte> Sha1Hash { get; init; } = Sha1Hash.Length == 20 ? Sha1Hash
        : throw new ArgumentException($"A SHA-1 certificate hash is 20 octets, not {Sha1Hash.Length}.", nameof(Sha1Hash));
}

/// <summary>sr:RemotePartySeqNumberChange: the new floor sequence numbers for the Remote Party.</summary>
public sealed record RemotePartySeqNumberChange(long FloorSeqNumber, long? PrepaymentTopUpFloorSeqNumber = null)
{
    public long FloorSeqNumber { get; init; } = FloorSeqNumber >= 0 ? FloorSeqNumber : throw new ArgumentOutOfRangeException(nameof(FloorSeqNumber));
    public long? PrepaymentTopUpFloorSeqNumber { get; init; } = PrepaymentTopUpFloorSeqNumber is null or >= 0 ? PrepaymentTopUpFloorSeqNumber
        : throw new ArgumentOutOfRangeException(nameof(PrepaymentTopUpFloorSeqNumber));
}

/// <summary>
/// N42: an Update Security Credentials succeeded and placed the certificate of a Remote Party that
/// did not send the request (DUIS 3.9.11, sr:SecurityCredentialsUpdated). One to three certificates.
/// </summary>
public sealed record SecurityCredentialsUpdated(Eui DeviceId, CredentialsRemoteParty RemotePartyRole, IReadOnlyList<PlacedCertificate> Certificates,
    RemotePartySeqNumberChange? SeqNumberChange = null) : DccAlertBody
{
    public IReadOnlyList<PlacedCertificate> Certificates { get; init; } = Certificates is { Count: >= 1 and <= 3 } ? Certificates.ToArray()
        : throw new ArgumentException("One to three certificates are reported (sr:SecurityCredentialsUpdated/Certificates).", nameof(Certificates));

    public override string Format => "SecurityCredentialsUpdated";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Add(e, "RemotePartyRole", RemotePartyRole switch
        {
            CredentialsRemoteParty.Acb => "ACB",
            _ => RemotePartyRole.ToString(),
        });
        if (SeqNumberChange is { } s)
        {
            var x = Add(e, "RemotePartySeqNumberChange");
            Add(x, "RemotePartyFloorSeqNumber", (ulong)s.FloorSeqNumber);
            if (s.PrepaymentTopUpFloorSeqNumber is { } p) Add(x, "RemotePartyPrepaymentTopUpFloorSeqNumber", (ulong)p);
        }
        foreach (var c in Certificates)
        {
            var x = Add(e, "Certificates");
            Add(x, "CertificateType", c.Type.ToString());
            Add(x, "CertificateHash", Convert.ToBase64String(c.Sha1Hash.Span));
        }
    }
}

/// <summary>
/// N43: a PPMID joined to both the ESME and the GSME was removed from a Device Log (DUIS 3.9.12,
/// sr:PPMIDRemoval).
/// </summary>
public sealed record PpmidRemoval(Eui PpmidDeviceId, Eui ChfDeviceId) : DccAlertBody
{
    public override string Format => "PPMIDRemoval";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "PPMIDDeviceID", PpmidDeviceId);
        Add(e, "CHFDeviceID", ChfDeviceId);
    }
}

/// <summary>
/// Which Anomaly Detection Threshold a quarantined communication breached (the sr:QuarantinedRequest
/// choice; SEC Section A "Threshold Anomaly Detection" (a), (b)(i) and (b)(ii)).
/// </summary>
public enum AnomalyBreach
{
    /// <summary>N46, sr:ADUserThresholdBreach: the User ID's volume threshold (SEC A, Threshold Anomaly Detection (a)).</summary>
    UserThreshold,
    /// <summary>N47, sr:ADDCCThresholdBreach: the DCC's volume threshold over all Users (Threshold Anomaly Detection (b)(i)).</summary>
    DccThreshold,
    /// <summary>N48, sr:ADAttributeLimitsBreach: a data value beyond its limit (Threshold Anomaly Detection (b)(ii)).</summary>
    AttributeLimits,
}

/// <summary>
/// N46, N47, N48: the Service Request has been quarantined because an Anomaly Detection volume
/// threshold or attribute limit has been breached (DUIS 3.9.17, sr:QuarantinedRequest).
/// <paramref name="QuarantineEventRef"/> is the DCC's reference of the quarantine event (at most 20 digits).
/// </summary>
public sealed record QuarantinedRequest(AnomalyBreach Breach, RequestId RequestId, ulong QuarantineEventRef) : DccAlertBody
{
    public override string Format => "QuarantinedRequest";

    /// <summary>The DCC Alert Code of each breach (DUIS 3.9.1 Table 2 and the XSD choice order).</summary>
    public DccAlertCode AlertCode => DccAlertCode.Parse(Breach switch
    {
        AnomalyBreach.UserThreshold => "N46",
        AnomalyBreach.DccThreshold => "N47",
        _ => "N48",
    });

    protected override void WriteContent(AlertContent e)
    {
        var x = Add(e, Breach switch
        {
            AnomalyBreach.UserThreshold => "ADUserThresholdBreach",
            AnomalyBreach.DccThreshold => "ADDCCThresholdBreach",
            _ => "ADAttributeLimitsBreach",
        });
        Add(x, "RequestID", RequestId);
        Add(x, "QuarantineEventRef", QuarantineEventRef);
    }
}

/// <summary>
/// N49–N52: the Device's firmware version in the SMI differs from the one the Device reported (DUIS
/// 3.9.13, sr:FirmwareVersionMismatch).
/// </summary>
public sealed record FirmwareVersionMismatch(Eui DeviceId, DeviceType DeviceType, string FirmwareVersionSmi, string FirmwareVersionDevice) : DccAlertBody
{
    public string FirmwareVersionSmi { get; init; } = FirmwareVersion(FirmwareVersionSmi, nameof(FirmwareVersionSmi));
    public string FirmwareVersionDevice { get; init; } = FirmwareVersion(FirmwareVersionDevice, nameof(FirmwareVersionDevice));
    public override string Format => "FirmwareVersionMismatch";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Add(e, "DeviceType", Text(DeviceType));
        Add(e, "FirmwareVersionSMI", FirmwareVersionSmi);
        Add(e, "FirmwareVersionDevice", FirmwareVersionDevice);
    }
}

/// <summary>sr:SMETS1CHFirmwareNotification/FirmwareVersionUpdateStatus.</summary>
public enum Smets1ChFirmwareStatus
{
    UpdateRequested,
    ActivationSuccessful,
}

/// <summary>N57: a SMETS1 Communications Hub firmware update was requested or activated (DUIS 1.4.7.13–14, 3.9.18).</summary>
public sealed record Smets1ChFirmwareNotification(Eui DeviceId, string FirmwareVersion, Smets1ChFirmwareStatus Status) : DccAlertBody
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
    public override string Format => "SMETS1CHFirmwareNotification";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Add(e, "FirmwareVersion", FirmwareVersion);
        Add(e, "FirmwareVersionUpdateStatus", Status.ToString());
    }
}

/// <summary>N58: the ESME's ALCS/HCALCS/APC configuration has changed (DUIS 3.9.19, sr:ALCSHCALCSConfigurationChange).</summary>
public sealed record AlcsHcalcsConfigurationChange(Eui EsmeDeviceId, EsmeVariant? EsmeVariant = null, string? DeviceGbcsVersion = null) : DccAlertBody
{
    public override string Format => "ALCSHCALCSConfigurationChange";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "ESMEDeviceID", EsmeDeviceId);
        if (EsmeVariant is { } v) Add(e, "ESMEVariant", v.Code);
        if (DeviceGbcsVersion is not null) Add(e, "DeviceGBCSVersion", DeviceGbcsVersion);
    }
}

/// <summary>N59: the Devices the CSPs approved for a firmware update (DUIS 3.9.20, sr:FirmwareUpgradeRequested).</summary>
public sealed record FirmwareUpgradeRequested(DeviceType DeviceType, string FirmwareVersion, IReadOnlyList<Eui> DeviceList) : DccAlertBody
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
    public IReadOnlyList<Eui> DeviceList { get; init; } = Devices(DeviceList, nameof(DeviceList));
    public override string Format => "FirmwareUpgradeRequested";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceType", Text(DeviceType));
        Add(e, "FirmwareVersion", FirmwareVersion);
        AddDeviceList(e, "DeviceList", DeviceList);
    }
}

/// <summary>
/// N60, N61: the CSP's notice of a firmware image transfer to a Communications Hub, success or
/// failure (DUIS 3.9.21, sr:CSPFirmwareDeliveryStatus).
/// </summary>
public sealed record CspFirmwareDeliveryStatus(RequestId UpdateFirmwareRequestId, Eui CommsHubDeviceId, Eui TargetDeviceId, string FirmwareVersion,
    DateTimeOffset TimeStamp, bool Transferred) : DccAlertBody
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
    public override string Format => "CSPFirmwareDeliveryStatus";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "UpdateFirmwareRequestID", UpdateFirmwareRequestId);
        Add(e, "CommsHubDeviceID", CommsHubDeviceId);
        Add(e, "TargetDeviceID", TargetDeviceId);
        Add(e, "FirmwareVersion", FirmwareVersion);
        Add(e, "TimeStamp", TimeStamp);
        Add(e, "CommsHubTransferStatus", Transferred ? "Success" : "Failure");
    }
}

/// <summary>sr:FirmwareTransferAlert/TransferResponseCode.</summary>
public enum FirmwareTransferResult
{
    FileTransferSuccess,
    FirmwareImageDiscarded,
    HardwareVersionMismatch,
    FileTransferFailure,
}

/// <summary>sr:FirmwareTransferAlert: the outcome of a firmware image transfer from the Communications Hub to another Device.</summary>
public sealed record FirmwareTransferAlert(Eui OtherDeviceId, string FirmwareVersion, FirmwareTransferResult Result, RequestId? UpdateFirmwareRequestId = null)
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
}

/// <summary>N62: an Alert generated by the Communications Hub (DUIS 3.9.22, sr:CommsHubAlert).</summary>
public sealed record CommsHubAlert(Eui CommsHubDeviceId, ushort AlertCode, DateTimeOffset? TimeStamp = null, FirmwareTransferAlert? FirmwareTransfer = null)
    : DccAlertBody
{
    public override string Format => "CommsHubAlert";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "CommsHubDeviceID", CommsHubDeviceId);
        AddHex(e, "AlertCode", AlertCode);
        if (TimeStamp is { } t) Add(e, "TimeStamp", t);
        if (FirmwareTransfer is { } f)
        {
            var x = Add(e, "FirmwareTransferAlert");
            if (f.UpdateFirmwareRequestId is { } r) Add(x, "UpdateFirmwareRequestID", r);
            Add(x, "OtherDeviceID", f.OtherDeviceId);
            Add(x, "FirmwareVersion", f.FirmwareVersion);
            Add(x, "TransferResponseCode", f.Result.ToString());
        }
    }
}

/// <summary>N63: the ECoS Party has generated an ECoS Alert (DUIS 3.9.23, sr:ECoSAlert).</summary>
public sealed record EcosAlert(RequestId AlertId, string EcosAlertCode, Eui DeviceId, RequestId? RequestId = null, string? AdditionalInformation = null)
    : DccAlertBody
{
    public string EcosAlertCode { get; init; } = Required(EcosAlertCode, nameof(EcosAlertCode), "An ECoS Alert Code");
    public override string Format => "ECoSAlert";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "AlertID", AlertId);
        if (RequestId is { } r) Add(e, "RequestID", r);
        Add(e, "ECoSAlertCode", EcosAlertCode);
        Add(e, "DeviceID", DeviceId);
        if (AdditionalInformation is not null) Add(e, "AdditionalInformation", AdditionalInformation);
    }
}

/// <summary>N64: a new firmware version has been activated on a SMETS2+ Communications Hub (DUIS 3.9.25, sr:CommsHubFirmwareActivation).</summary>
public sealed record CommsHubFirmwareActivation(Eui DeviceId, string FirmwareVersion) : DccAlertBody
{
    public string FirmwareVersion { get; init; } = AlertXml.FirmwareVersion(FirmwareVersion, nameof(FirmwareVersion));
    public override string Format => "CommsHubFirmwareActivation";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        Add(e, "FirmwareVersion", FirmwareVersion);
    }
}

/// <summary>
/// N65: a Device was installed with a certificate in its CoS Trust Anchor Cell that does not match an
/// active CoS Party (DUIS 3.9.24, sr:CoSCertificateAlert).
/// </summary>
public sealed record CosCertificateAlert(Eui DeviceId, BigInteger? CertificateSerialNumber = null) : DccAlertBody
{
    public BigInteger? CertificateSerialNumber { get; init; } = CertificateSerialNumber is null || CertificateSerialNumber.Value.Sign >= 0
        ? CertificateSerialNumber : throw new ArgumentOutOfRangeException(nameof(CertificateSerialNumber), "A certificate serial number is not negative.");
    public override string Format => "CoSCertificateAlert";

    protected override void WriteContent(AlertContent e)
    {
        Add(e, "DeviceID", DeviceId);
        if (CertificateSerialNumber is { } s) Add(e, "CertificateSerialNumber", s.ToString(CultureInfo.InvariantCulture));
    }
}
