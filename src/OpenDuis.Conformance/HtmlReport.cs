using OpenDuis.Protocol.Domain;
using System.Globalization;
using System.Net;
using System.Text;

namespace OpenDuis.Conformance;

/// <summary>
/// The run as one self-contained HTML page, the evidence a test manager hands to the DCC: a summary per
/// role, the verdict table, then each test case with its request and answer. Inline CSS only; the page's
/// Content-Security-Policy forbids scripts and every fetch. Every value is HTML-encoded: request and
/// answer texts come from outside.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1a1a1a;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}
        h3{font-size:15px;margin:18px 0 6px}
        table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
        th{background:#eceff1}
        td.verdict{font-weight:bold;color:#fff;text-align:center;min-width:96px}
        .passed{background:#1b7f3b}.failed{background:#c62828}.descoped{background:#b26a00}.na{background:#757575}.notexecutable{background:#6a1b9a}
        .meta{color:#555;font-size:13px}
        pre{background:#f6f8fa;border:1px solid #ddd;padding:8px;font-size:12px;white-space:pre-wrap;word-break:break-all;max-height:480px;overflow:auto}
        section.case{border:1px solid #ddd;border-radius:4px;padding:4px 12px 8px;margin:12px 0}
        """;

    public static void Write(ConformanceRun run, string path) => File.WriteAllText(path, Render(run), new UTF8Encoding(false));

    public static string Render(ConformanceRun run)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
            .Append("<title>OpenDUIS conformance: ").Append(E(AppendixR.Clause)).Append(" Response Code tests</title>")
            .Append("<style>").Append(Style).Append("</style></head><body>\n");
        html.Append("<h1>").Append(E(AppendixR.Clause)).Append(" Response Code tests</h1>\n");
        html.Append("<p class=\"meta\">Endpoint <code>").Append(E(run.Endpoint.ToString())).Append("</code> · started ")
            .Append(E(Time(run.StartedAt))).Append(" · finished ").Append(E(Time(run.FinishedAt)))
            .Append(" · overall: <strong>").Append(run.Succeeded ? "no test failed" : "FAILED").Append("</strong></p>\n");

        html.Append("<h2>Summary</h2>\n<table id=\"summary\"><thead><tr><th>Role</th><th>User ID</th><th>Passed</th><th>Failed</th><th>Descoped</th><th>N/A</th><th>Not executable</th></tr></thead><tbody>\n");
        foreach (var s in run.Summaries)
        {
            html.Append("<tr><td>").Append(E(s.Participant.Role.Code())).Append("</td><td>").Append(E(s.Participant.User.ToString()))
                .Append("</td><td>").Append(s.Passed).Append("</td><td>").Append(s.Failed).Append("</td><td>").Append(s.Descoped)
                .Append("</td><td>").Append(s.NotApplicable).Append("</td><td>").Append(s.NotExecutable).Append("</td></tr>\n");
        }
        html.Append("</tbody></table>\n");

        html.Append("<h2>Verdicts</h2>\n<table id=\"verdicts\"><thead><tr><th>Role</th><th>Ref</th><th>Device</th><th>Request</th><th>Expected</th><th>Actual</th><th>Verdict</th><th>Reason</th></tr></thead><tbody>\n");
        var index = 0;
        foreach (var r in run.Results)
        {
            index++;
            html.Append("<tr><td>").Append(E(r.Participant.Role.Code())).Append("</td><td><a href=\"#case-").Append(index).Append("\">")
                .Append(E(r.Test.Ref.ToString())).Append("</a></td><td>").Append(E(r.Generation.Label()))
                .Append("</td><td>").Append(E(r.Summary ?? "–"))
                .Append("</td><td>").Append(E(r.Expected?.ToString() ?? "–")).Append("</td><td>").Append(E(r.Actual?.ToString() ?? "–"))
                .Append("</td><td class=\"verdict ").Append(Css(r.Verdict)).Append("\">").Append(E(r.Verdict.Label()))
                .Append("</td><td>").Append(E(r.Reason)).Append("</td></tr>\n");
        }
        html.Append("</tbody></table>\n");

        html.Append("<h2>Test cases</h2>\n");
        index = 0;
        foreach (var r in run.Results)
        {
            index++;
            html.Append("<section class=\"case\" id=\"case-").Append(index).Append("\"><h3>").Append(E(r.Participant.ToString())).Append(" — ")
                .Append(E(r.Test.ToString())).Append(" — ").Append(E(r.Generation.Label())).Append("</h3>\n<table>");
            Row(html, "Verdict", $"<span class=\"verdict-label\">{E(r.Verdict.Label())}</span>", raw: true);
            Row(html, "Reason", r.Reason);
            Row(html, "Expected", r.Expected?.ToString());
            Row(html, "Actual", r.Actual?.ToString());
            Row(html, "Request", r.Scenario);
            Row(html, "Request ID", r.RequestId?.ToString());
            Row(html, "Posted to", r.PostedTo?.ToString());
            Row(html, "Sent", r.SentAt is { } s ? Time(s) : null);
            Row(html, "Answered", r.AnsweredAt is { } a ? Time(a) + (r.HttpStatus is { } h ? $" (HTTP {h})" : "") : null);
            html.Append("</table>\n");
            if (r.RequestXml is not null) html.Append("<h4>Request</h4><pre>").Append(E(r.RequestXml)).Append("</pre>\n");
            if (r.AnswerText is not null) html.Append("<h4>Answer</h4><pre>").Append(E(r.AnswerText)).Append("</pre>\n");
            html.Append("</section>\n");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Row(StringBuilder html, string name, string? value, bool raw = false)
    {
        if (value is null) return;
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(raw ? value : E(value)).Append("</td></tr>");
    }

    public static string Css(Verdict verdict) => verdict switch
    {
        Verdict.Passed => "passed",
        Verdict.Failed => "failed",
        Verdict.Descoped => "descoped",
        Verdict.NotApplicable => "na",
        Verdict.NotExecutable => "notexecutable",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(JUnitReport.Text(text));
}
