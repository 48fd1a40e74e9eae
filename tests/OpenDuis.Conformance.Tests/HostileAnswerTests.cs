using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Conformance.Tests;

/// <summary>
/// Endpoints that answer HTTP 200 with something other than the DSP's answer to the request: each is a
/// failure naming what is wrong, and whatever they sent reaches the reports encoded.
/// </summary>
public sealed class HostileAnswerTests(DemoOpenDuis demo) : IClassFixture<DemoOpenDuis>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_answer_that_is_not_XML_fails_and_reaches_the_report_escaped()
    {
        const string body = "<html><script>alert(1)</script>\u0001 not DUIS";
        var reason = await FirstExecutedAsync(body);
        Assert.Equal(Verdict.Failed, reason.Verdict);
        Assert.StartsWith("The answer", reason.Reason, StringComparison.Ordinal);

        var run = new ConformanceRun(new Uri("http://127.0.0.1/"), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [reason]);
        var html = HtmlReport.Render(run);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;html&gt;&lt;script&gt;alert(1)&lt;/script&gt;\uFFFD not DUIS", html, StringComparison.Ordinal);
        using var stream = new MemoryStream();
        JUnitReport.Write(run, stream); // a control character in the answer does not break the XML
        stream.Position = 0;
        Assert.NotNull(System.Xml.Linq.XDocument.Load(stream).Root);
    }

    [Fact]
    public async Task A_DSP_signed_answer_for_another_request_fails()
    {
        var dsp = demo.Target.Keys.FindXmlSigningKey(DemoKeySet.DspEui)!;
        var other = new RequestId(Core.Demo.DemoEnvironment.RoleUsers[UserRole.OtherUser], Core.Demo.DemoEnvironment.Esme, 1);
        var answer = DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, other, ServiceReference.Parse("8.9"),
            ServiceReferenceVariant.Parse("8.9"), ResponseCode.E11, DateTimeOffset.UtcNow);
        var signed = Encoding.UTF8.GetString(DuisSigner.SignAndSerialise(answer.ToXmlDocument(), dsp));

        var result = await FirstExecutedAsync(signed);
        Assert.Equal(Verdict.Failed, result.Verdict);
        Assert.Equal(ResponseCode.E11, result.Actual);
        Assert.Equal($"The answer is for Request ID {other}, not {result.RequestId}.", result.Reason);
    }

    [Fact]
    public async Task An_unsigned_DUIS_answer_fails_on_its_signature()
    {
        var answer = DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4,
            new RequestId(Core.Demo.DemoEnvironment.RoleUsers[UserRole.OtherUser], Core.Demo.DemoEnvironment.Esme, 1),
            ServiceReference.Parse("8.9"), ServiceReferenceVariant.Parse("8.9"), ResponseCode.E11, DateTimeOffset.UtcNow);
        var result = await FirstExecutedAsync(answer.ToXmlDocument().OuterXml);
        Assert.Equal(Verdict.Failed, result.Verdict);
        Assert.StartsWith("The answer's signature does not verify with the configured DSP certificate: NotSigned", result.Reason, StringComparison.Ordinal);
    }

    /// <summary>Runs the OU role against an endpoint that answers every request with <paramref name="body"/>; the first case that was sent.</summary>
    private async Task<TestCaseResult> FirstExecutedAsync(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var endpoint = new RawHttpEndpoint($"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n{body}");
        var run = await new ConformanceRunner(demo.Target.Options([UserRole.OtherUser]) with { Endpoint = endpoint.Uri }).RunAsync(cancellationToken: Ct);
        return run.Results.First(r => r.RequestXml is not null);
    }
}
