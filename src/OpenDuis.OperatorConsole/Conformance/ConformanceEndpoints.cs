using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OpenDuis.Conformance;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.OperatorConsole.Conformance;

/// <summary>The Conformance page: run the Appendix R Response Code tests against this server and open the report.</summary>
internal static class ConformanceEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/conformance", () => ConsoleEndpoints.Page<ConformancePage>());
        ui.MapPost("/conformance", (HttpContext http, ConformanceRuns runs, DuisDoor door) =>
        {
            var run = runs.Start(door.BaseAddress(http.Request), door.HandlerFor);
            return Results.Redirect($"{ConsoleOptions.Root}/conformance?run={run.Id}");
        });
        ui.MapGet("/conformance/{id}/progress", (string id, ConformanceRuns runs) =>
            new RazorComponentResult<ConformanceRunView>(new Dictionary<string, object?> { ["Run"] = runs.Find(id) }));
        ui.MapGet("/conformance/{id}/report", (string id, ConformanceRuns runs) =>
            runs.Find(id) is { Report: { } report } && File.Exists(report) ? Results.File(report, "text/html; charset=utf-8") : Results.NotFound());
    }
}

/// <summary>One run the console started: progress while it runs, then the summaries and the report's path.</summary>
public sealed class ConsoleConformanceRun(string id, DateTimeOffset started)
{
    public string Id { get; } = id;
    public DateTimeOffset Started { get; } = started;
    public ConformanceProgress? Progress { get; set; }
    public ConformanceRun? Result { get; set; }
    public string? Report { get; set; }
    public string? Failure { get; set; }
    public bool Done => Result is not null || Failure is not null;
}

/// <summary>
/// The runs the console started: the same runner as <c>openduis conformance</c>, with its defaults (the
/// demo Users, one per role, and the demo Devices), posting to this server's own DUIS services; the
/// JUnit XML and HTML evidence go to the data folder's conformance/RUN folder.
/// </summary>
internal sealed class ConformanceRuns(ConsoleContext context)
{
    private readonly ConcurrentDictionary<string, ConsoleConformanceRun> _runs = new();

    public IReadOnlyList<ConsoleConformanceRun> All => _runs.Values.OrderByDescending(r => r.Started).ToList();

    public ConsoleConformanceRun? Find(string id) => _runs.GetValueOrDefault(id);

    public ConsoleConformanceRun Start(Uri endpoint, Func<Eui, HttpMessageHandler>? handlerFor)
    {
        var run = new ConsoleConformanceRun(DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6], DateTimeOffset.UtcNow);
        _runs[run.Id] = run;
        _ = Task.Run(() => RunAsync(run, endpoint, handlerFor));
        return run;
    }

    private async Task RunAsync(ConsoleConformanceRun run, Uri endpoint, Func<Eui, HttpMessageHandler>? handlerFor)
    {
        try
        {
            var keys = context.Keys;
            var options = new ConformanceOptions
            {
                Endpoint = endpoint,
                Participants = DemoEnvironment.RoleUsers.Select(r => new Participant(r.Value, r.Key)).ToList(),
                Devices = DemoEnvironment.Devices.Select(d => new TestDevice(d.Id, d.Type, d.Generation)).ToList(),
                UserKeys = keys,
                DspCertificates = KeyStore.Create(keys.Certificates.Where(c => c.Role == RemotePartyRole.DspXmlSign), []),
                Schemas = context.Schemas,
                HandlerFor = handlerFor,
            };
            var result = await new ConformanceRunner(options).RunAsync(new Progress<ConformanceProgress>(p => run.Progress = p));
            var folder = Directory.CreateDirectory(Path.Combine(context.Options.DataFolder, "conformance", run.Id)).FullName;
            JUnitReport.Write(result, Path.Combine(folder, "conformance-junit.xml"));
            var report = Path.Combine(folder, "conformance-report.html");
            HtmlReport.Write(result, report);
            run.Report = report;
            run.Result = result;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or UnauthorizedAccessException)
        {
            run.Failure = $"The run stopped: {e.Message}";
        }
    }
}
