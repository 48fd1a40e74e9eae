using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Conformance.Tests;

/// <summary>An OpenDUIS serving the demo environment as it ships, shared by the tests that expect it to conform.</summary>
public sealed class DemoOpenDuis : IAsyncLifetime
{
    public ConformanceTarget Target { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Target = await ConformanceTarget.StartAsync();
    public async ValueTask DisposeAsync() => await Target.DisposeAsync();
}

/// <summary>
/// The runner against real OpenDUIS servers over loopback HTTP: requests signed with the demo Users'
/// keys, answers verified with the DSP certificate and the official XSDs.
/// </summary>
public sealed class ConformanceRunnerTests(DemoOpenDuis demo) : IClassFixture<DemoOpenDuis>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly UserRole[] NotExecutableE60 = [UserRole.ExportSupplier, UserRole.MeterDataRetriever];

    [Fact]
    public async Task Against_OpenDUIS_with_the_demo_environment_every_role_passes()
    {
        var run = await new ConformanceRunner(demo.Target.Options()).RunAsync(cancellationToken: Ct);

        Assert.True(run.Succeeded, string.Join("\n", run.Results.Where(r => r.Verdict == Verdict.Failed).Select(r => $"{r.Participant} {r.Name}: {r.Reason}")));
        Assert.Equal(UserRoles.All.Count, run.Summaries.Count);
        foreach (var s in run.Summaries)
        {
            var notExecutable = NotExecutableE60.Contains(s.Participant.Role) ? 1 : 0;
            Assert.Equal((8 - notExecutable, 0, 0, 2, notExecutable), (s.Passed, s.Failed, s.Descoped, s.NotApplicable, s.NotExecutable));
        }
        // Each passed case was answered, for its own request, by the DSP, with the expected code.
        Assert.All(run.Results.Where(r => r.Verdict == Verdict.Passed), r =>
        {
            Assert.Equal(r.Expected, r.Actual);
            Assert.Equal(200, r.HttpStatus);
            Assert.Contains(r.RequestId!.Value.ToString(), r.AnswerText!, StringComparison.Ordinal);
        });
        // Appendix R: the MDR's E11 scenario yields E4, which takes precedence.
        Assert.All(run.Results.Where(r => r.Participant.Role == UserRole.MeterDataRetriever && r.Test.Ref == ResponseCode.E11),
            r => Assert.Equal(ResponseCode.E4, r.Actual));
        Assert.All(run.Results.Where(r => r.Verdict == Verdict.NotApplicable), r =>
        {
            Assert.Equal(DeviceGeneration.Smets2Plus, r.Generation);
            Assert.Contains(r.Test.Ref, new[] { ResponseCode.E60, ResponseCode.E61 });
            Assert.Null(r.RequestXml);
        });
    }

    [Fact]
    public async Task The_JUnit_report_parses_with_one_suite_per_role_and_the_right_counts()
    {
        var run = await new ConformanceRunner(demo.Target.Options()).RunAsync(cancellationToken: Ct);
        using var stream = new MemoryStream();
        JUnitReport.Write(run, stream);
        stream.Position = 0;
        var root = XDocument.Load(stream).Root!;

        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal((80, 0, 18), (Count(root, "tests"), Count(root, "failures"), Count(root, "skipped")));
        var suites = root.Elements("testsuite").ToList();
        Assert.Equal(8, suites.Count);
        foreach (var suite in suites)
        {
            var cases = suite.Elements("testcase").ToList();
            Assert.Equal(10, cases.Count);
            Assert.Equal(cases.Count(c => c.Element("skipped") is not null), Count(suite, "skipped"));
            Assert.Contains(cases, c => (string?)c.Attribute("name") == "E11 SMETS1");
            Assert.All(cases.Where(c => ((string)c.Attribute("name")!).StartsWith("E60 SMETS2+", StringComparison.Ordinal)),
                c => Assert.StartsWith("N/A", (string)c.Element("skipped")!.Attribute("message")!, StringComparison.Ordinal));
        }
        var es = suites.Single(s => ((string)s.Attribute("name")!).StartsWith("ES ", StringComparison.Ordinal));
        Assert.StartsWith("Not executable", (string)es.Elements("testcase").Single(c => (string?)c.Attribute("name") == "E60 SMETS1").Element("skipped")!.Attribute("message")!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Descoped_tests_are_reported_as_descoped_with_the_reason_and_never_as_passed()
    {
        const string reason = "Agreed with the DCC <script>alert('x')</script> & ref \"UEPT-42\"";
        var options = demo.Target.Options([UserRole.ImportSupplier]) with
        {
            Descoped = new Dictionary<ResponseCode, string> { [ResponseCode.E60] = reason, [ResponseCode.E13] = reason },
        };
        var run = await new ConformanceRunner(options).RunAsync(cancellationToken: Ct);

        var descoped = run.Results.Where(r => r.Verdict == Verdict.Descoped).ToList();
        Assert.Equal(["E13 SMETS1", "E13 SMETS2+", "E60 SMETS1"], descoped.Select(r => r.Name));
        Assert.All(descoped, r => { Assert.Equal($"Descoped: {reason}", r.Reason); Assert.Null(r.RequestXml); });
        Assert.Equal((5, 0, 3, 2), (run.Summaries[0].Passed, run.Summaries[0].Failed, run.Summaries[0].Descoped, run.Summaries[0].NotApplicable));
        // N/A stays N/A: descoping a test does not hide that it was not required on SMETS2+.
        Assert.Equal(Verdict.NotApplicable, run.Results.Single(r => r.Name == "E60 SMETS2+").Verdict);

        var html = HtmlReport.Render(run);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Agreed with the DCC &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; ref &quot;UEPT-42&quot;", html, StringComparison.Ordinal);
        using var stream = new MemoryStream();
        JUnitReport.Write(run, stream);
        stream.Position = 0;
        var skipped = XDocument.Load(stream).Descendants("testcase").Where(c => (string?)c.Attribute("name") == "E13 SMETS1").Single().Element("skipped")!;
        Assert.Equal($"Descoped: {reason}", (string)skipped.Attribute("message")!);
    }

    [Fact]
    public async Task A_missing_test_device_or_key_fails_the_test_with_the_reason_instead_of_skipping_it()
    {
        var stranger = Eui.Parse("90-B3-D5-1F-30-99-00-01");
        var options = demo.Target.Options([UserRole.GasSupplier]) with
        {
            Participants = [new Participant(Core.Demo.DemoEnvironment.RoleUsers[UserRole.GasSupplier], UserRole.GasSupplier), new Participant(stranger, UserRole.OtherUser)],
            Devices = [.. demo.Target.Options().Devices.Where(d => d.Type != DeviceType.GPF)],
        };
        var run = await new ConformanceRunner(options).RunAsync(cancellationToken: Ct);

        var gpf = run.Results.Single(r => r.Participant.Role == UserRole.GasSupplier && r.Name == "E60 SMETS1");
        Assert.Equal(Verdict.Failed, gpf.Verdict);
        Assert.StartsWith("Not run: no SMETS1 GPF among the test Devices", gpf.Reason, StringComparison.Ordinal);
        Assert.All(run.Results.Where(r => r.Participant.User == stranger && r.Verdict != Verdict.NotApplicable),
            r => Assert.Equal($"Not run: no xmlSign key for User {stranger} among the configured keys.", r.Reason));
        Assert.False(run.Succeeded);
    }

    [Fact]
    public async Task An_answer_not_signed_by_the_configured_DSP_certificate_fails()
    {
        // Another key set's DSP certificate: the server's answers must not verify against it.
        var other = Directory.CreateTempSubdirectory("openduis-otherdsp-").FullName;
        try
        {
            DemoKeySet.Generate(other, []);
            var options = demo.Target.Options([UserRole.OtherUser]) with
            {
                DspCertificates = KeyStore.Create(KeyStore.Load(other).Certificates.Where(c => c.Role == RemotePartyRole.DspXmlSign), []),
            };
            var run = await new ConformanceRunner(options).RunAsync(cancellationToken: Ct);

            var executed = run.Results.Where(r => r.RequestXml is not null).ToList();
            Assert.Equal(8, executed.Count);
            Assert.All(executed, r =>
            {
                Assert.Equal(Verdict.Failed, r.Verdict);
                Assert.StartsWith("The answer's signature does not verify with the configured DSP certificate: UnknownCertificate", r.Reason, StringComparison.Ordinal);
            });
        }
        finally
        {
            Directory.Delete(other, true);
        }
    }

    [Fact]
    public async Task An_HTTP_error_and_an_endpoint_that_never_answers_fail_with_what_happened()
    {
        using var unavailable = new RawHttpEndpoint("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\nDUIS maintenance");
        var run = await new ConformanceRunner(demo.Target.Options([UserRole.OtherUser]) with { Endpoint = unavailable.Uri }).RunAsync(cancellationToken: Ct);
        var first = run.Results.First(r => r.RequestXml is not null);
        Assert.Equal(Verdict.Failed, first.Verdict);
        Assert.Equal("HTTP 503 Service Unavailable: DUIS maintenance", first.Reason);
        Assert.Equal(503, first.HttpStatus);

        using var silent = new RawHttpEndpoint(reply: null);
        var options = demo.Target.Options([UserRole.OtherUser]) with { Endpoint = silent.Uri, Timeout = TimeSpan.FromMilliseconds(300) };
        var timedOut = (await new ConformanceRunner(options).RunAsync(cancellationToken: Ct)).Results.First(r => r.RequestXml is not null);
        Assert.Equal(Verdict.Failed, timedOut.Verdict);
        Assert.Equal($"No answer within 0.3 s from {new Uri(silent.Uri, "/api/v1/serviceS")}.", timedOut.Reason);
    }

    private static int Count(XElement e, string attribute) => int.Parse((string)e.Attribute(attribute)!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A loopback TCP endpoint that reads each request and answers with <paramref name="reply"/> as it is
/// written, or never answers when it is null: the misbehaving peers a real HTTP server will not be.
/// </summary>
internal sealed class RawHttpEndpoint : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];

    public RawHttpEndpoint(string? reply)
    {
        _listener.Start();
        Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                lock (_clients) _clients.Add(client);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        var stream = client.GetStream();
                        await ReadRequestAsync(stream, _stop.Token);
                        if (reply is null) return;
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), _stop.Token);
                        client.Close();
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
                });
            }
        });
    }

    public Uri Uri { get; }

    /// <summary>Reads the headers and the Content-Length bytes of body after them.</summary>
    private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken);
            if (n == 0) return;
            received.AddRange(buffer.AsSpan(0, n));
            var text = Encoding.ASCII.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            var length = System.Text.RegularExpressions.Regex.Match(text[..end], @"(?im)^content-length:\s*(\d+)");
            if (!length.Success || received.Count - (end + 4) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)) return;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients) foreach (var c in _clients) c.Dispose();
        _stop.Dispose();
    }
}
