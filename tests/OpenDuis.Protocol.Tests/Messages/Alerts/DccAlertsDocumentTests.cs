using System.Text;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Messages.Alerts;

/// <summary>
/// docs/dcc-alerts.md is rendered from <see cref="DccAlertCatalogue"/>; this test fails when the file
/// is stale. Set OPENDUIS_WRITE_DOCS=1 to rewrite it.
/// </summary>
public sealed class DccAlertsDocumentTests
{
    [Fact]
    public void Docs_dcc_alerts_md_is_up_to_date()
    {
        var path = Path.Combine(RepoPaths.Root, "docs", "dcc-alerts.md");
        var rendered = Render();
        if (Environment.GetEnvironmentVariable("OPENDUIS_WRITE_DOCS") == "1") File.WriteAllText(path, rendered);
        Assert.True(File.Exists(path), $"{path} is missing: run the tests with OPENDUIS_WRITE_DOCS=1");
        Assert.True(File.ReadAllText(path) == rendered, $"{path} is stale: run this test with OPENDUIS_WRITE_DOCS=1 and commit the result");
    }

    private static string Render()
    {
        var s = new StringBuilder();
        s.Append("# DCC Alerts\n\n");
        s.Append("<!-- Generated from src/OpenDuis.Protocol/Messages/Alerts/DccAlertCatalogue.cs by DccAlertsDocumentTests; do not edit by hand. -->\n\n");
        s.Append("Every DCC Alert Code of the DUIS 5.4 XSD (DUIS 3.9.1 Table 2, as amended by MP260): the body format it carries,\n");
        s.Append("what raises it, the Response Codes it may carry (DUIS 3.5.10 Table 1; the first is the usual one) and who receives it.\n");
        s.Append("Each body is built by the record of its format in `src/OpenDuis.Protocol/Messages/Alerts`, signed by the DSP and\n");
        s.Append("delivered through the outbox (`OutboxDccAlertSink`); a User whose declared DUIS version lacks the alert receives N999.\n");
        s.Append("Table 2 gives the trigger per format and, for N49–N52, N55 and N56, per code. Where it does not say which event\n");
        s.Append("within a format raises which code (the DeviceStatusChangeEvent and CommandFailure codes), and for the recipients,\n");
        s.Append("the rows are this implementation's reading of the clauses cited.\n\n");
        s.Append("| Code | Format | Trigger | Response Codes | Recipients |\n|---|---|---|---|---|\n");
        foreach (var d in DccAlertCatalogue.Table)
            s.Append($"| {d.Code} | {d.Format} | {d.Trigger} | {string.Join(", ", d.ResponseCodes)} | {string.Join(", ", d.Recipients)} |\n");
        return s.ToString();
    }
}
