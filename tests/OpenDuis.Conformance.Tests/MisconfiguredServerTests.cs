using System.Xml.Linq;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Conformance.Tests;

/// <summary>An OpenDUIS deliberately misconfigured to answer E12 wherever E11 is due: the runner must catch it.</summary>
public sealed class MisconfiguredServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_answering_E12_where_E11_is_due_fails_those_tests_and_the_reports_say_why()
    {
        await using var target = await ConformanceTarget.StartAsync(inner => new AnswersE12WhereE11IsDue(inner));
        var run = await new ConformanceRunner(target.Options([UserRole.ImportSupplier, UserRole.MeterDataRetriever])).RunAsync(cancellationToken: Ct);

        Assert.False(run.Succeeded);
        var failed = run.Results.Where(r => r.Verdict == Verdict.Failed).ToList();
        Assert.Equal(["E11 SMETS1", "E11 SMETS2+"], failed.Select(r => r.Name));
        Assert.All(failed, r =>
        {
            Assert.Equal(UserRole.ImportSupplier, r.Participant.Role);
            Assert.Equal((ResponseCode.E11, ResponseCode.E12), (r.Expected!.Value, r.Actual!.Value));
            Assert.Equal("Expected E11, answered E12.", r.Reason);
        });
        // The MDR's E11 scenario is E4, which the misconfiguration does not touch; the other tests still pass.
        Assert.Equal((8, 0), (run.Summaries[1].Passed + run.Summaries[1].NotExecutable, run.Summaries[1].Failed));
        Assert.Equal((6, 2), (run.Summaries[0].Passed, run.Summaries[0].Failed));

        using var stream = new MemoryStream();
        JUnitReport.Write(run, stream);
        stream.Position = 0;
        var failure = XDocument.Load(stream).Descendants("testcase").Single(c => (string?)c.Attribute("name") == "E11 SMETS2+" && c.Element("failure") is not null).Element("failure")!;
        Assert.Equal("Expected E11, answered E12.", (string)failure.Attribute("message")!);
        Assert.Equal("WrongResponseCode", (string)failure.Attribute("type")!);
        Assert.Contains("8.9 Read Device Log", failure.Value, StringComparison.Ordinal);

        var html = HtmlReport.Render(run);
        Assert.Contains("<td class=\"verdict failed\">failed</td><td>Expected E11, answered E12.</td>", html, StringComparison.Ordinal);
        // The answer that proves it is in the evidence, escaped.
        Assert.Contains("&lt;sr:ResponseCode&gt;E12&lt;/sr:ResponseCode&gt;", html, StringComparison.Ordinal);
    }
}
