using System.Numerics;
using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;
using static OpenDuis.Protocol.Messages.Alerts.DeviceStatusChange;

namespace OpenDuis.Protocol.Tests.Messages.Alerts;

/// <summary>
/// Every DCC Alert Code built from its typed body, signed with the DSP's ZAZ1 key, is valid against
/// the DUIS 5.4 XSD, verifies, and is accepted by the official DCC Boxed tool's Validate.
/// </summary>
public class DccAlertBuilderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui Esme = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui Chf = Eui.Parse("00-DB-12-34-56-78-90-A2");
    private static readonly Eui Gpf = Eui.Parse("00-DB-12-34-56-78-90-A3");
    private static readonly Eui Gsme = Eui.Parse("00-DB-12-34-56-78-90-A1");
    private static readonly RequestId Request = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000");
    private static readonly RequestId AlertId = RequestId.Parse("90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:77");
    private static readonly Lazy<DuisSchemas> Schemas = new(() => DuisSchemas.Load(RepoPaths.Schemas54));
    private static SigningKey DspKey => SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.Dsp)!;

    public static TheoryData<string> AllCodes() => new(DccAlertCodes.All.Select(c => c.Code));

    /// <summary>A realistic body of the code's format.</summary>
    internal static DccAlertBody SampleBody(DccAlertCode code, SigningKey s1spKey) => code.Code switch
    {
        "AD1" => new PowerOutageEvent(Chf, At.AddMinutes(-2), "1234567890123"),
        "N1" => new DeviceStatusChangeEvent(Esme, new MeterIdentity(new MeterMpxns("1234567890123", "1234567890124", "1234567890125"), EsmeVariant.Parse("ADE"))),
        "N2" => new DeviceStatusChangeEvent(Esme, new MeterDecommissioningOrWithdrawal(new MeterMpxns("1234567890123"),
            [new AssociatedDevice(Chf, DeviceType.CHF), new AssociatedDevice(Eui.Parse("00-DB-12-34-56-78-90-A4"), DeviceType.PPMID)])),
        "N8" => new DeviceStatusChangeEvent(Esme, new DeviceSuspended()),
        "N9" => new DeviceStatusChangeEvent(Esme, new DeviceRestored()),
        "N16" => new DeviceStatusChangeEvent(Esme, new DeviceRemovedFromInventory()),
        "N28" => new DeviceStatusChangeEvent(Chf, new ChfDecommissioning()),
        "N29" => new DeviceStatusChangeEvent(Gsme, new MeterIdentity(new MeterMpxns("9876543210"))),
        "N44" => new DeviceStatusChangeEvent(Esme, new RecoveryCompleteAcbCredentials(
            [DeviceCertificateType.DigitalSigning, DeviceCertificateType.KeyAgreement, DeviceCertificateType.KeyAgreementTopUp], [DeviceCertificateType.DigitalSigning])),
        "N45" => new DeviceStatusChangeEvent(Esme, new RecoveryComplete()),
        "N4" or "N5" or "N6" or "N17" or "N37" or "N40" => new DspScheduleRemoval(Esme, 1_000_000_000_000),
        "N3" or "N7" or "N10" or "N11" or "N12" or "N13" or "N14" or "N15" or "N33" or "N34" or "N35" or "N36" or "N38" or "N41" or "N53" =>
            new CommandFailure(Request, Esme, code.Code == "N7" ? 42UL : null),
        "N18" or "N19" or "N20" or "N21" or "N22" or "N23" => new FirmwareDistributionFailure(Request, [Esme, Gsme]),
        "N24" or "N25" => new UpdateHanDeviceLogResult(Request),
        "N26" => ChangeOfSupplier.ForDevice(new DeviceChangeOfSupplier(Esme, DeviceType.ESME, new MeterMpxns("1234567890123"))),
        // The DCC Boxed tool validates against its own 5.1 XSD, which has no ECoSErrorCode (see below).
        "N27" => ChangeOfSupplier.ForRequest(Request),
        "N30" => new DeviceLogRestored(new DateOnly(2026, 11, 24), RestoredDeviceLog.Chf, Chf, Eui.Parse("00-DB-12-34-56-78-90-B2"), Gpf, Eui.Parse("00-DB-12-34-56-78-90-B3")),
        "N31" => new DeviceLogRestored(new DateOnly(2026, 11, 24), RestoredDeviceLog.Gpf, Chf, Eui.Parse("00-DB-12-34-56-78-90-B2"), Gpf, Eui.Parse("00-DB-12-34-56-78-90-B3")),
        "N39" => new PpmidAlert(Eui.Parse("00-DB-12-34-56-78-90-A4"), 0x8F71, At, new PpmidFirmwareUpgrade("01020304", Activated: true)),
        "N42" => new SecurityCredentialsUpdated(Esme, CredentialsRemoteParty.Supplier,
            [new PlacedCertificate(DeviceCertificateType.DigitalSigning, new byte[20]), new PlacedCertificate(DeviceCertificateType.KeyAgreement, Enumerable.Range(1, 20).Select(i => (byte)i).ToArray())],
            new RemotePartySeqNumberChange(9_223_372_036_854_775_807, 12)),
        "N43" => new PpmidRemoval(Eui.Parse("00-DB-12-34-56-78-90-A4"), Chf),
        "N46" => new QuarantinedRequest(AnomalyBreach.UserThreshold, Request, 18_446_744_073_709_551_615),
        "N47" => new QuarantinedRequest(AnomalyBreach.DccThreshold, Request, 1),
        "N48" => new QuarantinedRequest(AnomalyBreach.AttributeLimits, Request, 2),
        "N49" or "N50" or "N51" => new FirmwareVersionMismatch(Esme, DeviceType.ESME, "01000000", "01000100"),
        "N52" => new FirmwareVersionMismatch(Gpf, DeviceType.GSME, "02000000", "02000100"),
        "N54" => new DualBandChAlert(Chf, 0x8F2D, 0x00D1, new DualBandEvent.SubGhzConfigurationChanged(new SubGhzConfiguration(
            new HashSet<int> { 0, 5, 26, 27, 34, 35, 61 }, new HashSet<int> { 0, 26 }, 1.0m, 2.0m, 3, 60, 10, 5, 12.5m, 100, 120, 50m, 25.25m))),
        "N55" => new S1SpAlertDsp(new S1SpAlert("SP001", At, Request, Esme, "validation failed").Sign(s1spKey, DuisSchemaVersion.V5_4), 7),
        "N56" => new S1SpAlertDsp(new S1SpAlert("SP201", At, Request, Esme, Utrn: "73469876543210987654").Sign(s1spKey, DuisSchemaVersion.V5_4)),
        "N57" => new Smets1ChFirmwareNotification(Chf, "1.2.3", Smets1ChFirmwareStatus.ActivationSuccessful),
        "N58" => new AlcsHcalcsConfigurationChange(Esme, EsmeVariant.Parse("A"), "4.0"),
        "N59" => new FirmwareUpgradeRequested(DeviceType.ESME, "01000100", [Esme]),
        "N60" => new CspFirmwareDeliveryStatus(Request, Chf, Esme, "01000100", At, Transferred: true),
        "N61" => new CspFirmwareDeliveryStatus(Request, Chf, Esme, "01000100", At, Transferred: false),
        "N62" => new CommsHubAlert(Chf, 0x8F3E, At, new FirmwareTransferAlert(Esme, "01000100", FirmwareTransferResult.HardwareVersionMismatch, Request)),
        "N63" => new EcosAlert(AlertId, "ECOS01", Esme, Request, "credentials replaced"),
        "N64" => new CommsHubFirmwareActivation(Chf, "0A0B0C0D"),
        "N65" => new CosCertificateAlert(Esme, BigInteger.Parse("123456789012345678901234567")),
        "N999" => DuisVersionMismatch.ForAlert(DccAlertCode.Parse("N54"), DuisSchemaVersion.Parse("5.1"), Chf, Request),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code.Code, "no sample"),
    };

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void Alert_signed_by_the_DSP_is_valid_against_the_XSD_and_the_DCC_Boxed_tool(string text)
    {
        var code = DccAlertCode.Parse(text);
        var alert = DccAlerts.Create(DuisSchemaVersion.V5_4, code, SampleBody(code, DspKey), At, requestId: Request, responseId: AlertId);
        var bytes = DuisSigner.SignAndSerialise(alert.ToXmlDocument(), DspKey);

        var document = SecurityFixtures.Load(bytes);
        var schema = Schemas.Value.Validate(document);
        Assert.True(schema.IsValid, schema.ToString());
        var verified = DuisSignatureVerifier.Verify(document, SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
        Assert.True(verified.IsValid, verified.ToString());
        var back = DuisResponse.Read(document);
        Assert.Equal(code, back.Alert!.Code);
        Assert.Equal(DccAlertCatalogue.Of(code).DefaultResponseCode, back.ResponseCode);

        var tool = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(bytes));
        Assert.True(tool.Succeeded, tool.ToString());
    }

    [Fact]
    public void A_second_signature_outside_an_S1SP_Alert_is_still_refused()
    {
        var code = DccAlertCode.Parse("N55");
        var alert = DccAlerts.Create(DuisSchemaVersion.V5_4, code, SampleBody(code, DspKey), At, requestId: Request, responseId: AlertId);
        var document = SecurityFixtures.Load(DuisSigner.SignAndSerialise(alert.ToXmlDocument(), DspKey));
        var s1spAlert = document.GetElementsByTagName("S1SPAlert", DuisNamespaces.ServiceUserGateway)[0]!;
        // Move the S1SP's signature out of its S1SPAlert: it is then a second signature of the message.
        var inner = s1spAlert.LastChild!;
        s1spAlert.RemoveChild(inner);
        s1spAlert.ParentNode!.AppendChild(inner);
        var verified = DuisSignatureVerifier.Verify(document, SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
        Assert.Equal(SignatureStatus.MultipleSignatures, verified.Status);
    }

    [Fact]
    public void ECoS_error_code_is_5_4_only_so_the_alert_is_valid_in_5_4_and_not_in_5_1()
    {
        var alert = DccAlerts.Create(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N27"), ChangeOfSupplier.ForRequest(Request, "E01"), At,
            requestId: Request, responseId: AlertId);
        var document = SecurityFixtures.Load(DuisSigner.SignAndSerialise(alert.ToXmlDocument(), DspKey));
        Assert.True(Schemas.Value.Validate(document).IsValid);
        var in51 = DuisSchemas.Load(RepoPaths.Schemas51).Validate(document, DuisSchemaVersion.Parse("5.1"));
        Assert.Contains(in51.Errors, e => e.Contains("ECoSErrorCode", StringComparison.Ordinal));
    }

    [Fact]
    public void Catalogue_has_one_row_per_code_of_the_XSD_with_a_response_code_that_applies_to_DCC_Alerts()
    {
        Assert.Equal(DccAlertCodes.All, DccAlertCatalogue.Table.Select(d => d.Code));
        foreach (var d in DccAlertCatalogue.Table)
        {
            Assert.Equal(d.Code.Format, d.Format);
            Assert.NotEmpty(d.Recipients);
            Assert.All(d.ResponseCodes, c => Assert.True((c.Definition!.AppliesTo & ResponseTypes.DccAlert) != 0, $"{d.Code}: {c}"));
        }
    }

    [Fact]
    public void A_body_of_another_format_is_refused_naming_the_one_required()
    {
        var ex = Assert.Throws<ArgumentException>(() => DccAlerts.Create(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N1"), new PpmidRemoval(Esme, Chf), At));
        Assert.Contains("sr:DeviceStatusChangeEvent", ex.Message);
    }

    [Fact]
    public void A_response_code_the_alert_does_not_carry_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => DccAlerts.Create(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N55"),
            SampleBody(DccAlertCode.Parse("N55"), DspKey), At, responseCode: ResponseCode.I0));
        Assert.Contains("carries E62", ex.Message);
        var failure = DccAlerts.Create(DuisSchemaVersion.V5_4, DccAlertCode.Parse("N3"), new CommandFailure(Request, Esme), At, responseCode: ResponseCode.E20);
        Assert.Equal(ResponseCode.E20, failure.ResponseCode);
    }

    [Theory]
    [InlineData("MPxN")]
    [InlineData("firmware")]
    [InlineData("schedule")]
    [InlineData("devices")]
    [InlineData("utrn")]
    [InlineData("ecos")]
    [InlineData("channel")]
    [InlineData("threshold")]
    [InlineData("sha1")]
    [InlineData("certificates")]
    [InlineData("esme-variant")]
    public void Values_outside_the_XSD_facets_are_refused_when_the_body_is_made(string what)
    {
        Exception ex = what switch
        {
            "MPxN" => Assert.Throws<ArgumentException>(() => new PowerOutageEvent(Chf, At, "12345678901234")),
            "firmware" => Assert.Throws<ArgumentException>(() => new FirmwareVersionMismatch(Esme, DeviceType.ESME, "123456789", "1")),
            "schedule" => Assert.Throws<ArgumentOutOfRangeException>(() => new DspScheduleRemoval(Esme, 1_000_000_000_001)),
            "devices" => Assert.Throws<ArgumentException>(() => new FirmwareDistributionFailure(Request, [])),
            "utrn" => Assert.Throws<ArgumentException>(() => new S1SpAlert("SP201", At, Utrn: "1234")),
            "ecos" => Assert.Throws<ArgumentException>(() => ChangeOfSupplier.ForRequest(Request, "E1")),
            "channel" => Assert.Throws<ArgumentOutOfRangeException>(() => new SubGhzChannel(SubGhzBand.Upper, 27)),
            "threshold" => Assert.Throws<ArgumentOutOfRangeException>(() => new SubGhzConfiguration(new HashSet<int>(), new HashSet<int>(),
                1.0m, 2.5m, 3, 60, 10, 5, 12.5m, 100, 120, 50m, 25m)),
            "sha1" => Assert.Throws<ArgumentException>(() => new PlacedCertificate(DeviceCertificateType.DigitalSigning, new byte[19])),
            "certificates" => Assert.Throws<ArgumentException>(() => new SecurityCredentialsUpdated(Esme, CredentialsRemoteParty.Acb, [])),
            _ => Assert.Throws<FormatException>(() => EsmeVariant.Parse("Z")),
        };
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void Quarantine_breach_names_its_alert_code()
    {
        Assert.Equal("N46", new QuarantinedRequest(AnomalyBreach.UserThreshold, Request, 1).AlertCode.Code);
        Assert.Equal("N47", new QuarantinedRequest(AnomalyBreach.DccThreshold, Request, 1).AlertCode.Code);
        Assert.Equal("N48", new QuarantinedRequest(AnomalyBreach.AttributeLimits, Request, 1).AlertCode.Code);
    }

    [Fact]
    public void Firmware_mismatch_code_follows_the_CPL_status_of_the_reported_version()
    {
        Assert.Equal("N49", DccAlertCatalogue.FirmwareMismatchCode(false, CplFirmwareStatus.Current).Code);
        Assert.Equal("N50", DccAlertCatalogue.FirmwareMismatchCode(false, CplFirmwareStatus.Removed).Code);
        Assert.Equal("N51", DccAlertCatalogue.FirmwareMismatchCode(false, null).Code);
        Assert.Equal("N52", DccAlertCatalogue.FirmwareMismatchCode(true, CplFirmwareStatus.Current).Code);
    }
}
