using System.Reflection;
using System.Text;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// docs/response-codes.md is rendered from the pipeline's order and rule tables and the tests marked
/// with <see cref="ResponseCodeTestAttribute"/>; this test fails when the file is stale. Set
/// OPENDUIS_WRITE_DOCS=1 to rewrite it.
/// </summary>
public sealed class ResponseCodesDocumentTests
{
    [Fact]
    public void Docs_response_codes_md_is_up_to_date()
    {
        var path = Path.Combine(RepoPaths.Root, "docs", "response-codes.md");
        var rendered = Render();
        if (Environment.GetEnvironmentVariable("OPENDUIS_WRITE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, rendered);
        }
        Assert.True(File.Exists(path), $"{path} is missing: run the tests with OPENDUIS_WRITE_DOCS=1");
        Assert.True(File.ReadAllText(path) == rendered, $"{path} is stale: run this test with OPENDUIS_WRITE_DOCS=1 and commit the result");
    }

    [Fact]
    public void Every_check_has_a_test_and_every_rule_table_names_catalogued_variants()
    {
        var tests = TestsByCode();
        foreach (var check in AccessPipeline.Order)
            foreach (var code in check.Codes)
                Assert.True(tests.ContainsKey(code.Code), $"{check.Name} ({code}) has no [ResponseCodeTest]");
        var variants = SmiStatusRules.Exceptions.Select(r => r.Variant)
            .Concat(Smets1ServiceRequests.NotSmets1.Select(x => x.Variant))
            .Concat(GbcsApplicability.Table.Select(r => r.Variant))
            .Concat(LocalCommandResponses.Accepted);
        foreach (var v in variants)
            Assert.True(Protocol.Catalogue.ServiceCatalogue.TryGet(v, out _), $"{v} is not a DUIS 5.4 Service Reference Variant");
    }

    [Fact]
    public void Every_service_specific_code_the_code_raises_has_a_meaning()
    {
        var raised = new[] { typeof(OpenDuis.Core.Schedules.ScheduleResponseCodes), typeof(OpenDuis.Core.Inventory.InventoryResponseCodes) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(ResponseCode)).Select(f => (ResponseCode)f.GetValue(null)!)
            .Concat(AccessPipeline.Order.SelectMany(c => c.Codes))
            .Where(c => c.IsServiceSpecific).Distinct().ToList();
        Assert.NotEmpty(raised);
        foreach (var code in raised)
            Assert.True(ServiceSpecificResponseCodes.MeaningOf(code) is not null, $"{code} is raised but has no row in ServiceSpecificResponseCodes");
        Assert.All(ServiceSpecificResponseCodes.Meanings.Keys, k => Assert.Contains(raised, c => c.Code == k));
    }

    private static Dictionary<string, List<string>> TestsByCode()
    {
        var byCode = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var type in typeof(ResponseCodesDocumentTests).Assembly.GetTypes().OrderBy(t => t.Name, StringComparer.Ordinal))
        foreach (var method in type.GetMethods().OrderBy(m => m.MetadataToken))
        {
            if (method.GetCustomAttribute<ResponseCodeTestAttribute>() is not { } attribute) continue;
            foreach (var code in attribute.Codes)
            {
                if (!byCode.TryGetValue(code, out var list)) byCode[code] = list = [];
                list.Add($"{type.Name}.{method.Name}");
            }
        }
        return byCode;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    internal static string Render()
    {
        var tests = TestsByCode();
        var md = new StringBuilder();
        md.AppendLine("# Response codes: access control and validation");
        md.AppendLine();
        md.AppendLine("<!-- Generated from src/OpenDuis.Core/AccessControl by ResponseCodesDocumentTests; do not edit by hand. -->");
        md.AppendLine();
        md.AppendLine("OpenDUIS answers every Service Request as the DCC Systems do (DUIS 3.5.10 Table 1, as amended by MP260):");
        md.AppendLine("`AccessPipeline` runs the checks below in this fixed order and the first that fails decides the Response Code");
        md.AppendLine("(R-RC-PRECEDENCE). Authorisation of the User for the Device (E4) comes before every validation of the Device");
        md.AppendLine("(E5, E11, E60, E61, E57), as SEC Appendix R 8.1.26 requires. E100 and E65 are decided by signature verification");
        md.AppendLine("and enter the pipeline as its input; E13 and E55 are also checked at the server's door. A request that passes every");
        md.AppendLine("check is acknowledged I99 and admitted to the request log.");
        md.AppendLine();
        md.AppendLine("## Order of checks");
        md.AppendLine();
        md.AppendLine("| # | Check | Code | Clause | Rule | Tests |");
        md.AppendLine("|---|---|---|---|---|---|");
        var n = 0;
        foreach (var check in AccessPipeline.Order)
        {
            n++;
            var codes = string.Join(", ", check.Codes.Select(c => c.Code));
            var covering = check.Codes.SelectMany(c => tests.GetValueOrDefault(c.Code) ?? []).Distinct().Select(t => $"`{t}`");
            md.AppendLine($"| {n} | `{check.Name}` | {codes} | {Cell(check.Clause)} | {Cell(check.Rule)} | {string.Join("<br>", covering)} |");
        }
        md.AppendLine();
        md.AppendLine("## Code definitions (DUIS 3.5.10 Table 1)");
        md.AppendLine();
        md.AppendLine("| Code | Name | Description |");
        md.AppendLine("|---|---|---|");
        foreach (var code in AccessPipeline.Order.SelectMany(c => c.Codes).Distinct().OrderBy(c => c))
        {
            var d = code.Definition;
            md.AppendLine(d is null
                ? $"| {code} | service-specific ({(code.TryGetServiceSpecific(out var sr, out var number) ? $"{sr} error {number}" : "")}) | see the check above |"
                : $"| {code} | {Cell(d.Name)} | {Cell(d.Description)} |");
        }
        md.AppendLine();
        md.AppendLine("## Service-specific codes");
        md.AppendLine();
        md.AppendLine("Every service-specific code of the DUIS 5.4 XSD's sr:ResponseCode enumeration (E or W, the Service Reference's");
        md.AppendLine("two two-digit parts, a two-digit number), with the rule each answers where OpenDUIS raises it");
        md.AppendLine("(`ServiceSpecificResponseCodes`; `openduis explain CODE` prints the same).");
        md.AppendLine();
        md.AppendLine("| Code | Service Request | Meaning |");
        md.AppendLine("|---|---|---|");
        foreach (var code in ResponseCodes.All.Where(c => c.IsServiceSpecific))
        {
            code.TryGetServiceSpecific(out var sr, out _);
            var service = Protocol.Catalogue.ServiceCatalogue.VariantsOf(sr).FirstOrDefault()?.Name is { } name ? $"{sr} {name}" : sr.ToString();
            md.AppendLine($"| {code} | {Cell(service)} | {Cell(ServiceSpecificResponseCodes.MeaningOf(code) ?? "not raised by OpenDUIS (see the DUIS service definition)")} |");
        }
        md.AppendLine();
        md.AppendLine("## Rule tables");
        md.AppendLine();
        md.AppendLine("### E4: what authorises a User Role for a Device (`RoleAuthorisation`)");
        md.AppendLine();
        md.AppendLine("| Role | Registration Data role | Fuel | Device types | Basis |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in RoleAuthorisation.Table)
            md.AppendLine($"| {r.Role.Code()} | {r.Registration?.ToString() ?? "none"} | {r.Fuel?.ToString() ?? "any"} | {(r.DeviceTypes is null ? "any" : string.Join(", ", r.DeviceTypes))} | {Cell(r.Basis)} |");
        md.AppendLine();
        md.AppendLine($"### E5: SMI Statuses each Service Request accepts (`SmiStatusRules`; default: {string.Join(", ", SmiStatusRules.Default.Members())})");
        md.AppendLine();
        md.AppendLine("| Variant | Accepts | Basis |");
        md.AppendLine("|---|---|---|");
        foreach (var r in SmiStatusRules.Exceptions)
            md.AppendLine($"| {r.Variant} | {string.Join(", ", r.Accepts.Members())} | {Cell(r.Basis)} |");
        md.AppendLine();
        md.AppendLine("### E17: Commands for Local Delivery (`LocalCommandRules`)");
        md.AppendLine();
        md.AppendLine($"CV 2, 3, 6, 7 are available to {string.Join(", ", LocalCommandRules.Roles.Select(r => r.Code()))} for Devices that are {string.Join(" or ", LocalCommandRules.Statuses.Members())}.");
        md.AppendLine();
        md.AppendLine("### E57: GBCS version a Service Request needs (`GbcsApplicability`)");
        md.AppendLine();
        md.AppendLine("| Variant | Minimum GBCS | Basis |");
        md.AppendLine("|---|---|---|");
        foreach (var r in GbcsApplicability.Table)
            md.AppendLine($"| {r.Variant} | {r.MinimumGbcs} | {Cell(r.Basis)} |");
        md.AppendLine();
        md.AppendLine("### E60/E61: SMETS1 Service Requests (`Smets1ServiceRequests`)");
        md.AppendLine();
        md.AppendLine("The catalogue's SMETS1 applicability decides where recorded (4.1.1 and 4.2 are SMETS1 Service Requests per MP260);");
        md.AppendLine("otherwise every variant is a SMETS1 Service Request except these. On a SMETS1 Device, CV 2, 3, 6 and 7 are E61.");
        md.AppendLine();
        md.AppendLine("| Variant | Why not SMETS1 |");
        md.AppendLine("|---|---|");
        foreach (var x in Smets1ServiceRequests.NotSmets1)
            md.AppendLine($"| {x.Variant} | {Cell(x.Basis)} |");
        md.AppendLine();
        md.AppendLine("### E54: Gas Use Cases whose response is encrypted (`EncryptedGasResponses`)");
        md.AppendLine();
        md.AppendLine(string.Join(", ", EncryptedGasResponses.UseCases));
        md.AppendLine();
        md.AppendLine("### 6.28 Set CHF Sub GHz Configuration (`SubGhzChannelMasks`, R-SR-6.28)");
        md.AppendLine();
        md.AppendLine($"Lower-band Pages {string.Join(", ", SubGhzChannelMasks.LowerBandPages.Select(p => $"{p.Number} (`{p.Element}`, channels {p.FirstChannel}–{p.LastChannel})"))}:");
        md.AppendLine($"a Page with no channel is E062801, a Page with fewer than {SubGhzChannelMasks.MinimumChannelsPerPage} is E062802. The upper band (Page 31) is not validated.");
        md.AppendLine();
        md.AppendLine("### 8.13 Return Local Command Response (`LocalCommandResponses`, R-SR-8.13)");
        md.AppendLine();
        md.AppendLine($"Accepted responses: {string.Join(", ", LocalCommandResponses.Accepted)} (and Device Alerts). The response to any other");
        md.AppendLine("request the DCC returned as a Local Command is E081301.");
        return md.ToString();
    }
}
