using System.Xml;
using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Network.Devices;
using OpenDuis.Network.Smets1;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.TestSupport;

namespace OpenDuis.Network.Tests.Smets1;

/// <summary>
/// The SMETS1 Service Provider's responses (R-S1-1) for every SMETS1 Service Request of the catalogue:
/// each, carried in a DSP-signed Service Response, is valid against the DUIS 5.4 and 5.1 XSDs, and its
/// S1SP signature verifies on the document the S1SP signed.
/// </summary>
public sealed class Smets1ServiceProviderTests : IDisposable
{
    private static readonly Lazy<DuisSchemas> Schemas = new(() => DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));
    private static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private readonly string _keys = Directory.CreateTempSubdirectory("openduis-s1sp-keys-").FullName;
    private readonly KeyStore _keyStore;

    public Smets1ServiceProviderTests()
    {
        DemoKeySet.Generate(_keys, []);
        _keyStore = KeyStore.Load(_keys);
    }

    public void Dispose() => Directory.Delete(_keys, true);

    public static TheoryData<string> Smets1ServiceRequests() =>
        [.. ServiceCatalogue.All.Where(d => !d.NonDevice && Core.AccessControl.Rules.Smets1ServiceRequests.IsSmets1ServiceRequest(d)).Select(d => d.Variant.ToString())];

    [Theory]
    [MemberData(nameof(Smets1ServiceRequests))]
    public void Every_SMETS1_Service_Request_is_answered_schema_valid_in_5_4_and_5_1_and_signed_by_the_S1SP(string variantText)
    {
        var definition = ServiceCatalogue.Get(ServiceReferenceVariant.Parse(variantText));
        var s1sp = new Smets1ServiceProvider(_keyStore.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui)!);
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        // Each Device Type the request addresses: the electricity and gas forms of an element differ.
        foreach (var type in definition.TargetDeviceTypes.DefaultIfEmpty(DeviceType.ESME))
        foreach (var version in new[] { DuisSchemaVersion.V5_4, DuisSchemaVersion.V5_1 })
        {
            var device = new Eui(0x00DB1234567891A0UL + (ulong)type);
            var state = new DeviceState { Id = device, Type = type, Generation = DeviceGeneration.Smets1, MeterBalance = -1234 };
            var request = Request(definition, version, device);
            var message = s1sp.Respond(request, state, 42, at, definition.Variant.ToString() == "4.1.1" ? 7 : null);
            var response = DuisResponse.CreateSmets1Response(version, request.RequestId, new RequestId(device, User, request.RequestId.Counter), ResponseCode.I0, at, message);
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(System.Text.Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(response.ToXmlDocument(), _keyStore.FindXmlSigningKey(DemoKeySet.DspEui)!)));

            var valid = Schemas.Value.Validate(doc, version);
            Assert.True(valid.IsValid, $"{definition.Variant} {type} {version}: {valid}\n{doc.OuterXml}");
            Assert.True(DuisSignatureVerifier.Verify(doc, _keyStore, RemotePartyRole.DspXmlSign).IsValid);
            var signed = Smets1Response.ExtractSignedResponse(doc)!;
            var verified = DuisSignatureVerifier.Verify(signed, _keyStore, RemotePartyRole.XmlSign);
            Assert.True(verified.IsValid, verified.ToString());
            Assert.Equal(version.ToString(), signed.DocumentElement!.GetAttribute("schemaVersion"));
            // The MMC body as the GBCSResponse document a User's Parse and Correlate gives for SMETS2+.
            var mmc = Smets1Response.ToMmcDocument(signed)!;
            Assert.True(Schemas.Value.Validate(mmc, version).IsValid, $"{definition.Variant} {type} {version}: {Schemas.Value.Validate(mmc, version)}\n{mmc.OuterXml}");
        }
    }

    [Theory]
    [InlineData((ushort)0x8F35, "Supply Outage Restored")]
    [InlineData((ushort)0x8F1C, "Firmware Verification Failed")]
    [InlineData((ushort)0x8FFE, "Device Alert 0x8FFE")]
    public void A_SMETS1_Device_s_alert_is_S1SP_signed_and_schema_valid_in_5_4_and_5_1(ushort code, string description)
    {
        var s1sp = new Smets1ServiceProvider(_keyStore.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui)!);
        var device = new Eui(0x00DB1234567891A1UL);
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        foreach (var version in new[] { DuisSchemaVersion.V5_4, DuisSchemaVersion.V5_1 })
        {
            var alert = DuisResponse.CreateSmets1DeviceAlert(version, new RequestId(device, User, 77), at, s1sp.Alert(version, device, User, code, 77, at));
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.LoadXml(System.Text.Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(alert.ToXmlDocument(), _keyStore.FindXmlSigningKey(DemoKeySet.DspEui)!)));
            Assert.True(Schemas.Value.Validate(doc, version).IsValid, $"{version}: {Schemas.Value.Validate(doc, version)}\n{doc.OuterXml}");
            Assert.True(DuisSignatureVerifier.Verify(doc, _keyStore, RemotePartyRole.DspXmlSign).IsValid);
            var signed = Smets1Response.ExtractSignedResponse(doc)!;
            Assert.True(DuisSignatureVerifier.Verify(signed, _keyStore, RemotePartyRole.XmlSign).IsValid);
            var mmc = Smets1Response.ToMmcDocument(signed)!;
            Assert.True(Schemas.Value.Validate(mmc, version).IsValid, mmc.OuterXml);
            Assert.Contains($"<ra:GBCSHexAlertCode>{code:X4}</ra:GBCSHexAlertCode><ra:AlertDescription>{description}</ra:AlertDescription><ra:Timestamp>2026-12-01T12:00:00Z</ra:Timestamp>", mmc.OuterXml);
            Assert.DoesNotContain("<sr:RequestID>", doc.OuterXml);
        }
    }

    [Fact]
    public void The_reads_carry_the_Device_s_values_and_most_requests_their_SMETSData_element()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var esme = new DeviceState { Id = new Eui(0x00DB1234567891A0UL), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets1, MeterBalance = -1234, Supply = SupplyState.Armed };
        var registers = esme.RegistersAt(at);
        Assert.Contains($"<ra:Value>{registers.ActiveImportWh}</ra:Value><ra:ActiveEnergyUnit>Wh</ra:ActiveEnergyUnit>", Data("4.1.1", esme, at));
        Assert.Contains($"<ra:Value>{registers.ActiveExportWh}</ra:Value>", Data("4.2", esme, at));
        const string prepayment = "<ra:EmergencyCreditBalance>0</ra:EmergencyCreditBalance><ra:AccumulatedDebtRegister>0</ra:AccumulatedDebtRegister>"
            + "<ra:PaymentDebtRegister>0</ra:PaymentDebtRegister><ra:TimeDebtRegister1>0</ra:TimeDebtRegister1><ra:TimeDebtRegister2>0</ra:TimeDebtRegister2>"
            + "<ra:MeterBalance>-1234</ra:MeterBalance>";
        Assert.Contains(prepayment, Data("4.3", esme, at));
        Assert.Contains("<ra:SupplyState>Armed</ra:SupplyState>", Data("7.4", esme, at));
        var gsme = esme with { Id = new Eui(0x00DB1234567891A1UL), Type = DeviceType.GSME };
        Assert.Contains($"<ra:Value>{gsme.RegistersAt(at).GasVolumeLitres / 1000m:0.000}</ra:Value><ra:Unit>m3</ra:Unit>", Data("4.1.1", gsme, at));
        Assert.Contains(prepayment, Data("4.3", gsme, at));

        var all = ServiceCatalogue.All.Where(d => !d.NonDevice && Core.AccessControl.Rules.Smets1ServiceRequests.IsSmets1ServiceRequest(d)).ToList();
        Assert.All(all, d => Assert.NotNull(Smets1ServiceProvider.SmetsData(d.Variant, esme, at)));
    }

    [Fact]
    public void Every_element_the_schema_requires_content_of_carries_the_Device_s_values_for_each_Device_Type_it_answers_for()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in ServiceCatalogue.All.Where(d => !d.NonDevice && Core.AccessControl.Rules.Smets1ServiceRequests.IsSmets1ServiceRequest(d)))
        foreach (var type in d.TargetDeviceTypes)
        {
            var data = Smets1ServiceProvider.SmetsData(d.Variant, new DeviceState { Id = new Eui(0x00DB1234567891A0UL), Type = type, Generation = DeviceGeneration.Smets1 }, at)!;
            if (!Smets1Response.RequireData.Contains(data.LocalName)) continue;
            covered.Add(data.LocalName);
            Assert.True(data.HasChildNodes, $"{d.Variant} {type}: {data.OuterXml}");
        }
        Assert.Equal(Smets1Response.RequireData.Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_tariff_written_is_the_tariff_read_and_the_logs_follow_the_registers()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var esme = new DeviceState { Id = new Eui(0x00DB1234567891A0UL), Type = DeviceType.ESME, Generation = DeviceGeneration.Smets1 };
        var template = new XmlDocument { PreserveWhitespace = true };
        template.Load(Path.Combine(RepoPaths.Templates, "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"));
        var write = DuisRequest.Read(template);
        var written = DeviceBehaviour.Execute(esme, write, null, OpenDuis.Network.Gbcs.GbcsUseCases.For(write.Definition!, DeviceType.ESME)!.Value, 1, at.AddDays(-2), OpenDuis.Network.Gbcs.RtdsLibrary.Empty).Next;

        // The RTDS 1.1.1 request's prices: standing charge 20000 at 10^-5, TOU prices 2121, 3127, 4744.
        var tariff = Data("4.11.1", written, at);
        Assert.Contains("<ra:StandingCharge>20000</ra:StandingCharge><ra:StandingChargeScale>-5</ra:StandingChargeScale><ra:PriceScale>-5</ra:PriceScale>", tariff);
        Assert.Contains("<ra:TariffTOUPrice index=\"3\">4744</ra:TariffTOUPrice>", tariff);
        // Three TOU registers then, summing to the import register.
        var tou = Data("4.1.2", written, at);
        var values = System.Text.RegularExpressions.Regex.Matches(tou, "<ra:TOUPrimaryRegisterValue index=\"[0-9]\">([0-9]+)<").Select(m => ulong.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(3, values.Count);
        Assert.Equal(written.RegistersAt(at).ActiveImportWh, values.Aggregate(0UL, (a, v) => a + v));
        // The tariff change is an entry of the CoM / Tariff Triggered Billing Data Log, with the register then.
        Assert.Contains($"<ra:ActiveImportRegisterConsumption>{written.RegistersAt(at.AddDays(-2)).ActiveImportWh}</ra:ActiveImportRegisterConsumption>", Data("4.4.2", written, at));
        // Daily consumption: what the register advanced by on the day before the last midnight.
        var midnight = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var day = esme.RegistersAt(midnight).ActiveImportWh - esme.RegistersAt(midnight.AddDays(-1)).ActiveImportWh;
        Assert.Contains($"<ra:LogEntry><ra:Value>{day}</ra:Value><ra:Timestamp>2026-12-01T00:00:00Z</ra:Timestamp></ra:LogEntry></ra:Electricity>", Data("4.17", esme, at));
        // Billing calendar: the register on the 1st of each month.
        Assert.Contains($"<ra:Timestamp>2026-11-01T00:00:00Z</ra:Timestamp><ra:ActiveImportRegisterValueConsumption>{esme.RegistersAt(midnight.AddMonths(-1)).ActiveImportWh}<",
            Data("4.4.3", esme, at));
    }

    [Fact]
    public void Only_an_SMETSData_element_is_signed_and_a_response_without_a_signed_response_has_none_to_extract()
    {
        var key = _keyStore.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui)!;
        var doc = new XmlDocument();
        var wrong = doc.CreateElement("ra", "NotAResponse", DuisNamespaces.ResponseAndAlert);
        var e = Assert.Throws<ArgumentException>(() => Smets1Response.Sign(DuisSchemaVersion.V5_4, new Eui(1), User, 1, new ServiceReference(4, 1),
            ServiceReferenceVariant.Parse("4.1.1"), DateTimeOffset.UtcNow, wrong, key));
        Assert.Contains("SMETSData", e.Message);
        var plain = new XmlDocument();
        plain.LoadXml("<sr:Response xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\"/>");
        Assert.Null(Smets1Response.ExtractSignedResponse(plain));
        Assert.Throws<ArgumentException>(() => DuisResponse.CreateSmets1Response(DuisSchemaVersion.V5_4, new RequestId(User, new Eui(1), 1), null,
            ResponseCode.I0, DateTimeOffset.UtcNow, plain.DocumentElement!));
    }

    private static string Data(string variant, DeviceState state, DateTimeOffset at) =>
        Smets1ServiceProvider.SmetsData(ServiceReferenceVariant.Parse(variant), state, at)!.OuterXml;

    private static DuisRequest Request(ServiceRequestDefinition definition, DuisSchemaVersion version, Eui device)
    {
        var doc = new XmlDocument();
        doc.LoadXml($"<sr:{definition.BodyElement} xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\"/>");
        return new DuisRequest(version, new RequestId(User, device, 1000), CommandVariant.SendNonCritical, definition.Reference, definition.Variant, doc.DocumentElement!);
    }
}
