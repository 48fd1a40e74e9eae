using System.Text.Json;
using System.Xml.Linq;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.Demo;

/// <summary>Every RTDS template must be a valid request against the demo environment as it stands.</summary>
public class DemoEnvironmentTests
{
    private static readonly XNamespace Sr = "http://www.dccinterface.co.uk/ServiceUserGateway";

    public static TheoryData<string> Templates() => [.. RepoPaths.TemplateFiles().Select(f => Path.GetFileName(f))];

    /// <summary>
    /// The device types a template may target, from the GBCS use case its name starts with and that
    /// use case's title in the GBCS mapping table: ECS (electricity) targets an ESME unless the title
    /// names the CHF (or the use case is not in the table, when it may be either), GCS (gas) a GSME or the GPF, CCS and DBCH a Communications Hub; CS use cases are
    /// common to HAN devices.
    /// </summary>
    private static IReadOnlySet<DeviceType> ExpectedTypes(string file)
    {
        var code = file.Split('_')[0];
        var title = GbcsTitles.Value.FirstOrDefault(t => code.StartsWith(t.Key, StringComparison.Ordinal) && t.Key.Length >= 4).Value ?? "";
        if (title.Contains("CHF", StringComparison.Ordinal) || code.StartsWith("CCS", StringComparison.Ordinal) || code.StartsWith("DBCH", StringComparison.Ordinal))
            return new HashSet<DeviceType> { DeviceType.CHF };
        if (code.StartsWith("ECS", StringComparison.Ordinal))
        {
            // A use case the mapping table does not list (e.g. ECS26i): the electricity command set covers ESME and CHF.
            return title.Length > 0 ? new HashSet<DeviceType> { DeviceType.ESME } : new HashSet<DeviceType> { DeviceType.ESME, DeviceType.CHF };
        }
        if (code.StartsWith("GCS", StringComparison.Ordinal)) return new HashSet<DeviceType> { DeviceType.GSME, DeviceType.GPF };
        return new HashSet<DeviceType> { DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF, DeviceType.PPMID, DeviceType.HCALCS };
    }

    private static readonly Lazy<IReadOnlyList<KeyValuePair<string, string>>> GbcsTitles = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.ReferencePath("gbcs-mapping-table.json")));
        return [.. doc.RootElement.EnumerateArray()
            .Select(e => KeyValuePair.Create(e.GetProperty("Code").GetString() ?? "", e.GetProperty("Use Case Title").GetString() ?? ""))
            .OrderByDescending(kv => kv.Key.Length)];
    });

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_template_names_a_registered_originator_and_an_existing_target_of_a_matching_type(string file)
    {
        var xml = XDocument.Load(Path.Combine(RepoPaths.Templates, file));
        var id = RequestId.Parse(xml.Descendants(Sr + "RequestID").Single().Value);
        var now = DateTimeOffset.UtcNow;

        var originator = Assert.Single(DemoEnvironment.Users, u => u.Id == id.Originator);
        Assert.Equal(Parties.UserStatus.Active, originator.Status);
        if (id.Target == DemoEnvironment.AccessControlBroker) return; // a Non-Device request

        var device = Assert.Single(DemoEnvironment.Devices, d => d.Id == id.Target);
        Assert.Contains(device.Type, ExpectedTypes(file));
        Assert.Equal(SmiStatus.Commissioned, device.Status);

        // Registration matters to Supplier and Network Operator roles (E4); the DCC and Other Users act without it.
        if (DemoEnvironment.Parties.Single(p => p.Id == originator.Party).IsDcc) return;
        if (!originator.Roles.Any(r => r.IsSupplier() || r.IsNetworkOperator())) return;
        var mpxn = Assert.NotNull(device.Mpxn);
        var registered = DemoEnvironment.Registrations.Where(r => r.Mpxn == mpxn && r.Covers(now)).Select(r => r.Party);
        Assert.Contains(originator.Party, registered);
    }

    [Fact]
    public void The_demo_has_a_SMETS1_set_behind_a_SMETS1_Service_Provider()
    {
        var smets1 = DemoEnvironment.Devices.Where(d => d.Generation == DeviceGeneration.Smets1).ToList();
        Assert.Contains(smets1, d => d.Type == DeviceType.ESME);
        Assert.Contains(smets1, d => d.Type == DeviceType.GSME);
        Assert.All(smets1, d => Assert.Equal((CspRegion.Smets1, DemoEnvironment.Smets1ServiceProvider), (d.Region, d.Smets1ServiceProvider)));
    }

    [Fact]
    public void Every_demo_meter_has_a_registered_supplier_and_network_operator()
    {
        foreach (var meter in DemoEnvironment.Devices.Where(d => d.IsMeter))
        {
            foreach (var role in Enum.GetValues<RegisteredRole>())
                Assert.Single(DemoEnvironment.Registrations, r => r.Mpxn == meter.Mpxn && r.Role == role);
        }
    }
}
