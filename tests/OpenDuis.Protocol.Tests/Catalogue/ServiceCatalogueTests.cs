using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Tests.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Catalogue;

public partial class ServiceCatalogueTests
{
    private const string Xsd54 = "DUIS Schema V5.4.xsd";

    private sealed record MatrixRow(string Variant, string Name, bool Critical, bool OnDemand, string FutureDated, bool DccScheduled, bool NonDevice, string[] Roles);

    private static List<MatrixRow> Matrix()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(RepoPaths.ReferencePath("duis-request-matrix.json")));
        return json.RootElement.EnumerateArray().Select(e => new MatrixRow(
            e.GetProperty("Service Reference Variant").GetString()!,
            e.GetProperty("Service Request Name").GetString()!,
            e.GetProperty("Critical").GetString() == "Yes",
            e.GetProperty("On Demand").GetString() == "Yes",
            e.GetProperty("Future Dated Response Pattern").GetString()!,
            e.GetProperty("DCC Scheduled").GetString() == "Yes",
            e.GetProperty("Non-Device Request").GetString() == "Yes",
            e.GetProperty("Eligible User Roles").EnumerateArray().Select(r => r.GetString()!).ToArray())).ToList();
    }

    private static string FirstLineCollapsed(string s) => WhiteSpace().Replace(s.Split('\n')[0], " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    [Fact]
    public void Holds_every_variant_of_the_5_4_XSD_and_nothing_else_in_its_order()
    {
        var xsd = ResponseCodeTests.XsdEnumeration(RepoPaths.Schemas54, Xsd54, "ServiceReferenceVariant");
        Assert.Equal(xsd, ServiceCatalogue.All.Select(d => d.Variant.ToString()));
        Assert.Equal(xsd.Count, ServiceCatalogue.All.Select(d => d.Variant).Distinct().Count());
    }

    [Fact]
    public void Service_references_are_those_of_the_XSD()
    {
        var xsd = ResponseCodeTests.XsdEnumeration(RepoPaths.Schemas54, Xsd54, "ServiceReference");
        Assert.Equal(xsd, ServiceCatalogue.All.Select(d => d.Reference.ToString()).Distinct());
        Assert.All(xsd, r => Assert.True(ServiceCatalogue.IsKnown(ServiceReference.Parse(r))));
        Assert.False(ServiceCatalogue.IsKnown(new ServiceReference(4, 5)));
    }

    /// <summary>
    /// The facts the request matrix holds agree, except exactly where MP260 amends DUIS 3.8.17 (4.1.1,
    /// R-SR-4.1.1) and 3.8.21 (4.2, R-SR-4.2).
    /// </summary>
    [Fact]
    public void Agrees_with_the_request_matrix_except_the_MP260_amendments()
    {
        var expectedOverrides = new HashSet<string>
        {
            "4.1.1 roles: matrix IS,GS,ED,GT; catalogue IS,GS,ED,GT,MDR (Smets1 only)",
            "4.2 roles: matrix ES,ED; catalogue ES,ED,MDR",
            "4.2 DCC Scheduled: matrix No; catalogue Smets1DevicesOnly",
        };
        var differences = new HashSet<string>();
        var matrix = Matrix();
        Assert.Equal(ServiceCatalogue.All.Count, matrix.Count);
        foreach (var row in matrix)
        {
            var d = ServiceCatalogue.Get(ServiceReferenceVariant.Parse(row.Variant));
            Assert.Equal(FirstLineCollapsed(row.Name), d.Name);
            Assert.Equal(row.Critical, d.Critical);
            Assert.Equal(row.OnDemand, d.OnDemand);
            Assert.Equal(row.NonDevice, d.NonDevice);
            var fd = row.FutureDated switch
            {
                "No" => FutureDatedPattern.None, "Device" => FutureDatedPattern.Device,
                "DSP" => FutureDatedPattern.Dsp, "DSP & Device" => FutureDatedPattern.DspAndDevice,
                var other => throw new InvalidDataException(other),
            };
            Assert.Equal(fd, d.FutureDated);

            var matrixScheduled = row.DccScheduled ? DccSchedulability.Yes : DccSchedulability.No;
            if (matrixScheduled != d.DccSchedulable)
                differences.Add($"{row.Variant} DCC Scheduled: matrix {(row.DccScheduled ? "Yes" : "No")}; catalogue {d.DccSchedulable}");

            var matrixRoles = string.Join(",", row.Roles.Select(UserRoles.ParseCode).Order().Select(r => r.Code()));
            var catalogueRoles = string.Join(",", d.EligibleRoles.OrderBy(e => e.Role).Select(e => e.OnlyFor is null ? e.Role.Code() : $"{e.Role.Code()} ({e.OnlyFor} only)"));
            if (matrixRoles != catalogueRoles)
                differences.Add($"{row.Variant} roles: matrix {matrixRoles}; catalogue {catalogueRoles}");
        }
        Assert.Equal(expectedOverrides.Order(), differences.Order());
    }

    [Fact]
    public void Body_elements_are_the_XSD_request_body_choice()
    {
        var doc = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(Path.Combine(RepoPaths.Schemas54, Xsd54), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
            doc.Load(reader);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("xs", "http://www.w3.org/2001/XMLSchema");
        var choice = doc.SelectNodes("/xs:schema/xs:complexType[@name='Request']//xs:element[@name='Body']/xs:complexType/xs:choice/xs:element/@name", ns)!
            .Cast<XmlNode>().Select(n => n.Value!).Where(n => n != "SignedPreCommand").ToList();
        Assert.Equal(choice.Order(), ServiceCatalogue.All.Select(d => d.BodyElement).Order());
        foreach (var d in ServiceCatalogue.All)
        {
            Assert.True(ServiceCatalogue.TryGetByBodyElement(d.BodyElement, out var back));
            Assert.Same(d, back);
        }
    }

    /// <summary>
    /// Command variants follow the XSD's comment beside each variant, except 7.12–7.15 where that comment
    /// contradicts the Critical flag and the RTDS requests (7.12/7.13 are Critical and sent as CV 4;
    /// 7.14/7.15 are Non-Critical reads sent as CV 1).
    /// </summary>
    [Fact]
    public void Command_variants_agree_with_the_XSD_comments_except_7_12_to_7_15()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Schemas54, Xsd54));
        var comments = CvComment().Matches(text).ToDictionary(m => m.Groups[1].Value,
            m => m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(byte.Parse).ToArray());
        Assert.Equal(ServiceCatalogue.All.Count, comments.Count);
        var disagreeing = ServiceCatalogue.All
            .Where(d => !comments[d.Variant.ToString()].SequenceEqual(d.CommandVariants.Select(v => (byte)v)))
            .Select(d => d.Variant.ToString());
        Assert.Equal(["7.12", "7.13", "7.14", "7.15"], disagreeing);
    }

    [GeneratedRegex(@"<xs:enumeration value=""([\d.]+)""/>\s*<!--\s*CV = ([\d, ]+)-->")]
    private static partial Regex CvComment();

    [Fact]
    public void Command_variants_follow_criticality_and_the_non_device_flag()
    {
        foreach (var d in ServiceCatalogue.All)
        {
            Assert.NotEmpty(d.CommandVariants);
            if (d.NonDevice) Assert.Equal([CommandVariant.NonDevice], d.CommandVariants);
            else if (d.Critical) Assert.All(d.CommandVariants, v => Assert.True(v.IsCritical(), $"{d}: CV {v.ToXsd()}"));
            else Assert.All(d.CommandVariants, v => Assert.InRange((byte)v, 1, 3));
            Assert.Equal(d.NonDevice, d.TargetDeviceTypes.Count == 0);
        }
    }

    // RTDS device IDs: …90-A0 ESME, …A1 GSME, …A2 CHF, …A3 GPF, …A4 PPMID; 90-B3-D5-1F-30-00-00-02 the DCC Access Control Broker.
    private static readonly Dictionary<string, DeviceType> RtdsDevices = new()
    {
        ["00-DB-12-34-56-78-90-A0"] = DeviceType.ESME, ["00-DB-12-34-56-78-90-A1"] = DeviceType.GSME,
        ["00-DB-12-34-56-78-90-A2"] = DeviceType.CHF, ["00-DB-12-34-56-78-90-A3"] = DeviceType.GPF,
        ["00-DB-12-34-56-78-90-A4"] = DeviceType.PPMID,
    };

    [Fact]
    public void Every_RTDS_request_fits_its_catalogue_entry()
    {
        var seen = new HashSet<ServiceReferenceVariant>();
        foreach (var file in RepoPaths.TemplateFiles())
        {
            var doc = Messages.DuisTestXml.Load(file);
            var request = OpenDuis.Protocol.Messages.DuisRequest.Read(doc);
            var d = ServiceCatalogue.Get(request.ServiceReferenceVariant);
            seen.Add(d.Variant);
            var name = Path.GetFileName(file);
            Assert.True(d.BodyElement == request.Body.LocalName, $"{name}: body {request.Body.LocalName}, catalogue {d.BodyElement}");
            Assert.True(d.Reference == request.ServiceReference, $"{name}: reference");
            Assert.True(d.Allows(request.CommandVariant), $"{name}: CV {request.CommandVariant.ToXsd()} not in {string.Join(",", d.CommandVariants.Select(v => v.ToXsd()))}");
            var target = request.RequestId.Target.ToString();
            if (d.NonDevice) Assert.Equal("90-B3-D5-1F-30-00-00-02", target);
            else if (RtdsDevices.TryGetValue(target, out var type)) Assert.True(d.Targets(type), $"{name}: targets {type}");
        }
        Assert.Equal(ServiceCatalogue.All.Count, seen.Count); // the RTDS set covers every variant
    }

    [Fact]
    public void MP260_4_1_1_MDR_only_for_SMETS1_devices()
    {
        var d = ServiceCatalogue.Get(ServiceReferenceVariant.Parse("4.1.1"));
        Assert.Equal("ReadInstantaneousImportRegisters", d.BodyElement);
        Assert.True(d.IsEligible(UserRole.MeterDataRetriever, DeviceGeneration.Smets1));
        Assert.False(d.IsEligible(UserRole.MeterDataRetriever, DeviceGeneration.Smets2Plus));
        Assert.True(d.IsEligible(UserRole.MeterDataRetriever));
        foreach (var role in new[] { UserRole.ImportSupplier, UserRole.GasSupplier, UserRole.ElectricityDistributor, UserRole.GasTransporter })
            Assert.True(d.IsEligible(role, DeviceGeneration.Smets2Plus));
        Assert.False(d.IsEligible(UserRole.ExportSupplier, DeviceGeneration.Smets1));
        Assert.False(d.Critical);
        Assert.True(d.OnDemand);
        Assert.Equal(FutureDatedPattern.Dsp, d.FutureDated);
        Assert.Equal(DccSchedulability.No, d.DccSchedulable);
        Assert.Equal([DeviceType.ESME, DeviceType.GSME, DeviceType.GPF], d.TargetDeviceTypes);
        Assert.Equal([CommandVariant.SendNonCritical, CommandVariant.ReturnForLocalDeliveryNonCritical, CommandVariant.SendAndReturnForLocalDeliveryNonCritical], d.CommandVariants);
        Assert.Equal([(ushort)0x0027, (ushort)0x0074], d.GbcsMessageCodes.Order());
        Assert.Equal(["ECS17b", "GCS13a"], d.Gbcs.Select(g => g.UseCase));
    }

    [Fact]
    public void MP260_4_2_ES_ED_MDR_ESME_only_DCC_schedulable_for_SMETS1_only()
    {
        var d = ServiceCatalogue.Get(ServiceReferenceVariant.Parse("4.2"));
        Assert.Equal([UserRole.ExportSupplier, UserRole.ElectricityDistributor, UserRole.MeterDataRetriever], d.EligibleRoles.Select(e => e.Role));
        Assert.True(d.IsEligible(UserRole.MeterDataRetriever, DeviceGeneration.Smets2Plus));
        Assert.False(d.IsEligible(UserRole.ImportSupplier, DeviceGeneration.Smets1));
        Assert.Equal([DeviceType.ESME], d.TargetDeviceTypes);
        Assert.Equal(DccSchedulability.Smets1DevicesOnly, d.DccSchedulable);
        Assert.True(d.IsDccSchedulable(DeviceGeneration.Smets1));
        Assert.False(d.IsDccSchedulable(DeviceGeneration.Smets2Plus));
        Assert.Equal(FutureDatedPattern.Dsp, d.FutureDated);
        Assert.Equal([(ushort)0x0026], d.GbcsMessageCodes);
        Assert.Equal(Smets1Applicability.Applicable, d.Smets1);
    }

    [Fact]
    public void R_SR_8_13_responses_returnable_by_Return_Local_Command_Response()
    {
        var returnable = ServiceCatalogue.All.Where(d => d.ReturnableByLocalCommandResponse).Select(d => d.Variant.ToString());
        Assert.Equal(["1.6", "3.2", "6.8", "6.14.1", "6.14.2", "6.14.3", "6.15.1", "6.15.2", "6.21", "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.11", "8.12.1", "8.12.2", "11.2", "11.3"], returnable);
        // Only device requests that can be executed locally (a CV that returns a Command for Local Delivery).
        Assert.All(ServiceCatalogue.All.Where(d => d.ReturnableByLocalCommandResponse), d => Assert.Contains(d.CommandVariants, v => v.ReturnsLocalCommand()));
    }

    [Fact]
    public void Lookups_fail_cleanly_for_unknown_variants()
    {
        Assert.False(ServiceCatalogue.TryGet(ServiceReferenceVariant.Parse("4.1.9"), out _));
        var ex = Assert.Throws<KeyNotFoundException>(() => ServiceCatalogue.Get(ServiceReferenceVariant.Parse("6.2.6")));
        Assert.Contains("6.2.6", ex.Message);
        Assert.False(ServiceCatalogue.TryGetByBodyElement("ReadEverything", out _));
        Assert.Equal(["8.14.1", "8.14.2", "8.14.3", "8.14.4"], ServiceCatalogue.VariantsOf(new ServiceReference(8, 14)).Select(d => d.Variant.ToString()));
    }
}
