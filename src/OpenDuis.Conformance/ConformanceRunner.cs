using System.Net.Http.Headers;
using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Conformance;

/// <summary>
/// Runs the Appendix R 8.1.26 Response Code tests against any DUIS endpoint that behaves as DCC Boxed
/// does: for each participant (User and role) and each test of <see cref="AppendixR.ResponseCodeTests"/>,
/// on a SMETS1 and a SMETS2+ Device as the scenario requires, it builds the request of
/// <see cref="TestRequests.Table"/>, signs it with the User's xmlSign key, posts it, verifies that the
/// answer is signed by the DSP (and valid against the XSD when schemas are configured) and answers this
/// request, and judges its Response Code. Requests go one at a time, with rising Request ID counters
/// (a SMETS1 request with a lower counter would be refused for replay, E63).
/// </summary>
public sealed class ConformanceRunner(ConformanceOptions options)
{
    private static readonly DeviceGeneration[] Generations = [DeviceGeneration.Smets1, DeviceGeneration.Smets2Plus];
    private readonly DuisSecurity _answers = new(options.DspCertificates, schemas: options.Schemas);
    private long _lastCounter;

    /// <summary>The number of test cases a run produces: every test, on each generation, for each participant.</summary>
    public int TestCaseCount => options.Participants.Count * AppendixR.ResponseCodeTests.Count * Generations.Length;

    public async Task<ConformanceRun> RunAsync(IProgress<ConformanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = options.Clock.GetUtcNow();
        var results = new List<TestCaseResult>(TestCaseCount);
        foreach (var participant in options.Participants)
        {
            var key = options.UserKeys.FindXmlSigningKey(participant.User);
            using var http = new HttpClient(options.HandlerFor?.Invoke(participant.User) ?? new SocketsHttpHandler(), disposeHandler: true)
            {
                Timeout = Timeout.InfiniteTimeSpan, // each request has its own deadline
            };
            foreach (var test in AppendixR.ResponseCodeTests)
            foreach (var generation in Generations)
            {
                var result = await RunCaseAsync(http, participant, key, test, generation, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                progress?.Report(new ConformanceProgress(results.Count, TestCaseCount, result));
            }
        }
        return new ConformanceRun(options.Endpoint, started, options.Clock.GetUtcNow(), results);
    }

    private async Task<TestCaseResult> RunCaseAsync(HttpClient http, Participant participant, SigningKey? key, ResponseCodeTest test,
        DeviceGeneration generation, CancellationToken cancellationToken)
    {
        var result = new TestCaseResult
        {
            Participant = participant, Test = test, Generation = generation, Verdict = Verdict.NotApplicable, Reason = "",
        };
        if (!test.IsRequired(participant.Role, generation))
            return result with { Reason = $"N/A: {AppendixR.Clause} requires {test.Ref} of the {participant.Role.Code()} role {Describe(test.ScenarioFor(participant.Role))}; not on a {generation.Label()} Device." };
        if (options.Descoped.TryGetValue(test.Ref, out var why))
            return result with { Verdict = Verdict.Descoped, Reason = $"Descoped: {why}" };

        var plan = Plan(participant, test, generation);
        if (plan.NotExecutable is { } reason)
            return result with { Verdict = Verdict.NotExecutable, Expected = test.Ref, Reason = $"Not executable: {reason} Descope it with the DCC ({AppendixR.Clause})." };
        if (plan.Missing is { } missing)
            return result with { Verdict = Verdict.Failed, Expected = plan.Expected, Reason = $"Not run: {missing}" };
        if (key is null)
            return result with { Verdict = Verdict.Failed, Expected = plan.Expected, Reason = $"Not run: no xmlSign key for User {participant.User} among the configured keys." };

        return await SendAsync(http, result with { Expected = plan.Expected, Scenario = plan.Scenario }, plan, key, cancellationToken).ConfigureAwait(false);
    }

    private sealed record CasePlan(ResponseCode Expected, string Scenario, ServiceChoice Choice, Eui Target, CommandVariant Variant, WebService Service)
    {
        public string? Missing { get; init; }
        public string? NotExecutable { get; init; }
    }

    /// <summary>The request of one test case: which Service Request, to which Device, with which Command Variant, on which service.</summary>
    private CasePlan Plan(Participant participant, ResponseCodeTest test, DeviceGeneration generation)
    {
        var requests = TestRequests.For(participant.Role);
        var accepted = requests.Accepted;
        ServiceChoice choice;
        ResponseCode expected = test.Ref;
        var cv = TestRequests.Send;
        WebService? wrongService = null;
        var absent = false;
        string change, basis = "";
        if (test.Ref == ResponseCode.E11)
        {
            choice = requests.WrongDeviceType;
            expected = requests.WrongDeviceTypeAnswer;
            basis = requests.WrongDeviceTypeBasis;
            change = $"{choice.Definition} cannot target a {choice.Target} (it targets {string.Join(", ", choice.Definition.TargetDeviceTypes)})";
        }
        else if (test.Ref == ResponseCode.E13)
        {
            choice = accepted;
            wrongService = WebService.NonDevice;
            change = $"posted to the {Path(WebService.NonDevice)} service instead of {Path(cv.WebService())}, where CV {cv.ToXsd()} belongs";
        }
        else if (test.Ref == ResponseCode.E19)
        {
            choice = accepted;
            absent = true;
            change = "addressed to a Device ID that is not in the Smart Metering Inventory";
        }
        else if (test.Ref == ResponseCode.E60)
        {
            if (requests.NotSmets1 is not { } notSmets1)
                return new CasePlan(test.Ref, "", accepted, default, cv, cv.WebService()) { NotExecutable = requests.NotSmets1Basis };
            choice = notSmets1;
            expected = requests.NotSmets1Answer;
            basis = requests.NotSmets1Basis;
            change = $"{choice.Definition} is not a SMETS1 Service Request";
        }
        else if (test.Ref == ResponseCode.E61)
        {
            choice = accepted;
            cv = TestRequests.LocalDelivery;
            change = $"CV {cv.ToXsd()} ({cv.Description()}), which no SMETS1 Service Request takes";
        }
        else
        {
            throw new InvalidOperationException($"No request is defined for {test.Ref}.");
        }

        var device = options.Devices.FirstOrDefault(d => d.Generation == generation && d.Type == choice.Target);
        var scenario = $"{choice.Definition}, CV {cv.ToXsd()}, to a {generation.Label()} {choice.Target}: {change}";
        if (expected != test.Ref) scenario += $"; {expected} is due instead: {basis}";
        if (device == default)
            return new CasePlan(expected, scenario, choice, default, cv, cv.WebService())
                { Missing = $"no {generation.Label()} {choice.Target} among the test Devices (the request is {choice})." };
        // A Device ID beside the real one, so that it looks like a Device of the same generation and manufacturer.
        var target = absent ? new Eui(device.Id.Value ^ 0xFFFF) : device.Id;
        if (absent) scenario = $"{choice.Definition}, CV {cv.ToXsd()}, to {target} (beside the {generation.Label()} {choice.Target} {device.Id}): {change}";
        else scenario += $" ({device.Id})";
        return new CasePlan(expected, scenario, choice, target, cv, wrongService ?? cv.WebService());
    }

    private async Task<TestCaseResult> SendAsync(HttpClient http, TestCaseResult result, CasePlan plan, SigningKey key, CancellationToken cancellationToken)
    {
        var id = new RequestId(result.Participant.User, plan.Target, NextCounter());
        var request = DuisRequest.Create(DuisSchemaVersion.V5_4, id, plan.Variant, plan.Choice.Variant,
            TestBodies.For(plan.Choice.Definition, key, options.Clock.GetUtcNow()));
        var signed = _answers.SignAndSerialise(request.ToXmlDocument(), key);
        var target = new Uri(options.Endpoint, Path(plan.Service));
        result = result with
        {
            RequestId = id, PostedTo = target, RequestXml = Encoding.UTF8.GetString(signed),
            Summary = $"SRV {plan.Choice.Variant} CV {plan.Variant.ToXsd()} to {plan.Target} on service{plan.Service.Letter()}",
        };

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        using var content = new ByteArrayContent(signed);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        var sentAt = options.Clock.GetUtcNow();
        result = result with { SentAt = sentAt };
        byte[] answer;
        try
        {
            using var response = await http.PostAsync(target, content, deadline.Token).ConfigureAwait(false);
            answer = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            result = result with { HttpStatus = (int)response.StatusCode, AnsweredAt = options.Clock.GetUtcNow(), AnswerText = Encoding.UTF8.GetString(answer) };
            if (!response.IsSuccessStatusCode)
                return Fail(result, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(result.AnswerText)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(result, $"No answer within {options.Timeout.TotalSeconds:0.#} s from {target}.");
        }
        catch (HttpRequestException e)
        {
            return Fail(result, $"HTTP request to {target} failed: {e.Message}");
        }

        System.Xml.XmlDocument document;
        try
        {
            document = _answers.Load(answer);
        }
        catch (XmlRefusedException e)
        {
            return Fail(result, $"The answer is not acceptable XML: {e.Message}");
        }
        var verification = _answers.Verify(document, RemotePartyRole.DspXmlSign);
        if (!verification.IsValid)
            return Fail(result, $"The answer's signature does not verify with the configured DSP certificate: {verification}");
        if (options.Schemas is { } schemas && schemas.Validate(document) is { IsValid: false } invalid)
            return Fail(result, $"The answer does not validate against the DUIS XSD: {invalid}");
        if (!DuisResponse.TryRead(document, out var duis, out var problem))
            return Fail(result, $"The answer is not a DUIS Response: {problem}");
        result = result with { Actual = duis.ResponseCode };
        if (duis.RequestId != id)
            return Fail(result, $"The answer is for Request ID {duis.RequestId?.ToString() ?? "(none)"}, not {id}.");
        if (duis.ResponseCode != plan.Expected)
            return Fail(result, $"Expected {plan.Expected}, answered {duis.ResponseCode}.");
        return result with { Verdict = Verdict.Passed, Reason = $"Answered {duis.ResponseCode}, signed by the DSP ({verification.Signer?.Subject})." };
    }

    private static TestCaseResult Fail(TestCaseResult result, string reason) => result with { Verdict = Verdict.Failed, Reason = reason };

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>The path DCC Boxed serves each web service on (DUIS 2.2; R-WS-1).</summary>
    public static string Path(WebService service) => "/api/v1/service" + service.Letter();

    private static string Describe(TestScenario scenario) => scenario switch
    {
        TestScenario.Mandatory => "on a SMETS1 and a SMETS2+ Device",
        TestScenario.MandatorySmets1 => "on a SMETS1 Device only",
        TestScenario.MandatorySmets2Plus => "on a SMETS2+ Device only",
        _ => "not at all",
    };

    /// <summary>A counter above every one sent before: microseconds since the Unix epoch, or one more than the last.</summary>
    private ulong NextCounter()
    {
        var now = (options.Clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        while (true)
        {
            var last = Interlocked.Read(ref _lastCounter);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastCounter, next, last) == last) return (ulong)next;
        }
    }
}
