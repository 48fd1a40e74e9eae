using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;

namespace OpenDuis.Conformance;

/// <summary>A User ID taking the tests in one of its User Roles.</summary>
public readonly record struct Participant(Eui User, UserRole Role)
{
    public override string ToString() => $"{Role.Code()} ({User})";
}

/// <summary>A Device of the test environment the requests may address.</summary>
public readonly record struct TestDevice(Eui Id, DeviceType Type, DeviceGeneration Generation)
{
    public override string ToString() => $"{Generation.Label()} {Type} {Id}";
}

/// <summary>How one test case ended.</summary>
public enum Verdict
{
    /// <summary>The answer was signed by the DSP, for this request, with the expected Response Code.</summary>
    Passed,
    /// <summary>Wrong code, bad signature, invalid answer, HTTP error, timeout, or nothing to send it with.</summary>
    Failed,
    /// <summary>Descoped with the DCC's (or the Panel's) agreement: not executed, never a pass.</summary>
    Descoped,
    /// <summary>Not required for the role on this device generation (Appendix R 8.1.26 "N/A").</summary>
    NotApplicable,
    /// <summary>Required, but no Service Request the role is eligible for can produce the code: to be descoped with the DCC.</summary>
    NotExecutable,
}

public static class ConformanceLabels
{
    public static string Label(this DeviceGeneration generation) => generation == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+";

    public static string Label(this Verdict verdict) => verdict switch
    {
        Verdict.Passed => "passed",
        Verdict.Failed => "failed",
        Verdict.Descoped => "descoped",
        Verdict.NotApplicable => "N/A",
        Verdict.NotExecutable => "not executable",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };
}

/// <summary>What the runner needs: where to send, as whom, to which Devices, and whom to trust.</summary>
public sealed record ConformanceOptions
{
    /// <summary>The DUIS endpoint's base URL; requests go to /api/v1/service{S|T|D} on it.</summary>
    public required Uri Endpoint { get; init; }
    public required IReadOnlyList<Participant> Participants { get; init; }
    public required IReadOnlyList<TestDevice> Devices { get; init; }
    /// <summary>The Users' xmlSign keys.</summary>
    public required KeyStore UserKeys { get; init; }
    /// <summary>The DSP xmlSign certificates (role 0x89) an answer must be signed with.</summary>
    public required ICertificateLookup DspCertificates { get; init; }
    /// <summary>The official XSDs answers are validated against, if configured.</summary>
    public DuisSchemas? Schemas { get; init; }
    /// <summary>Tests descoped with the DCC's agreement, each with the reason recorded.</summary>
    public IReadOnlyDictionary<ResponseCode, string> Descoped { get; init; } = new Dictionary<ResponseCode, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The HTTP handler to send a User's requests with (e.g. mutual TLS with its DCCKI certificate); a plain one by default.</summary>
    public Func<Eui, HttpMessageHandler>? HandlerFor { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>One test case: a Response Code test, for a role, on a Device of one generation.</summary>
public sealed record TestCaseResult
{
    public required Participant Participant { get; init; }
    public required ResponseCodeTest Test { get; init; }
    public required DeviceGeneration Generation { get; init; }
    public required Verdict Verdict { get; init; }
    /// <summary>Why it failed, was descoped, is N/A or not executable; for a pass, what was proved.</summary>
    public required string Reason { get; init; }
    public ResponseCode? Expected { get; init; }
    public ResponseCode? Actual { get; init; }
    /// <summary>The request sent, in words (Service Request, Device, Command Variant, service).</summary>
    public string? Scenario { get; init; }
    /// <summary>The request in short: Service Reference Variant, Command Variant and target Device.</summary>
    public string? Summary { get; init; }
    public RequestId? RequestId { get; init; }
    public Uri? PostedTo { get; init; }
    public string? RequestXml { get; init; }
    public int? HttpStatus { get; init; }
    public string? AnswerText { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>The test case's name: Ref and device generation (e.g. "E11 SMETS1").</summary>
    public string Name => $"{Test.Ref} {Generation.Label()}";
}

/// <summary>The counts of one role's test cases.</summary>
public sealed record RoleSummary(Participant Participant, int Passed, int Failed, int Descoped, int NotApplicable, int NotExecutable)
{
    public override string ToString() =>
        $"{Participant}: {Passed} passed, {Failed} failed, {Descoped} descoped, {NotApplicable} N/A" +
        (NotExecutable > 0 ? $", {NotExecutable} not executable" : "");
}

/// <summary>A whole run: every test case of every role, in order.</summary>
public sealed record ConformanceRun(Uri Endpoint, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, IReadOnlyList<TestCaseResult> Results)
{
    public bool Succeeded => Results.All(r => r.Verdict != Verdict.Failed);

    public IReadOnlyList<RoleSummary> Summaries =>
    [
        .. Results.GroupBy(r => r.Participant).Select(g => new RoleSummary(g.Key,
            g.Count(r => r.Verdict == Verdict.Passed), g.Count(r => r.Verdict == Verdict.Failed), g.Count(r => r.Verdict == Verdict.Descoped),
            g.Count(r => r.Verdict == Verdict.NotApplicable), g.Count(r => r.Verdict == Verdict.NotExecutable))),
    ];
}

/// <summary>Reported after each test case, for a progress display.</summary>
public readonly record struct ConformanceProgress(int Done, int Total, TestCaseResult Latest);
