using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.OperatorConsole.Components;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Server.Hosting;

namespace OpenDuis.OperatorConsole;

/// <summary>The console's routes under <see cref="ConsoleOptions.Root"/>, each page a Razor component rendered on the server.</summary>
internal sealed class ConsoleEndpoints(ConsoleContext context) : IServerEndpoints
{
    public const string SelfClient = "openduis-console-self";

    /// <summary>How often the live views look for new messages.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(400);

    /// <summary>Rows a live view receives per tick at most: the newest, the rest counted (the page stays responsive under load).</summary>
    public const int RowsPerTick = 40;

    public void Map(IEndpointRouteBuilder app)
    {
        var options = context.Options;
        app.MapGet("/", () => Results.Redirect(ConsoleOptions.Root + "/")).ExcludeFromDescription();
        var ui = app.MapGroup(ConsoleOptions.Root).AddEndpointFilter(async (invocation, next) =>
            ConsoleAccess.Check(invocation.HttpContext, options) ?? await next(invocation));

        ui.MapGet("/assets/{name}", Asset);
        ui.MapGet("/", (HttpRequest r) => Page<TrafficPage>(new() { ["Filter"] = TrafficFilter.Parse(r.Query) }));
        ui.MapGet("/traffic", (HttpRequest r) => Page<TrafficPage>(new() { ["Filter"] = TrafficFilter.Parse(r.Query) }));
        ui.MapGet("/traffic/stream", StreamAsync);
        ui.MapGet("/traffic/{sequence:long}", (long sequence) => Page<MessagePage>(new() { ["Sequence"] = sequence }));
        ui.MapGet("/traffic/{sequence:long}/raw", (long sequence, TrafficLog log) => log.Find(sequence) is { } m
            ? Results.Bytes(m.Body, m.Kind == TrafficKind.Refused ? "text/plain; charset=utf-8" : "application/xml; charset=utf-8")
            : Results.NotFound());
        ui.MapGet("/sign-in", (string? then) => Page<SignInPage>(new() { ["Then"] = then }));
        ui.MapPost("/sign-in", (Func<HttpContext, Task<IResult>>)SignInAsync);

        Send.SendEndpoints.Map(ui);
        Inventory.InventoryEndpoints.Map(ui);
        Misbehave.MisbehaveEndpoints.Map(ui);
        Deliveries.DeliveryEndpoints.Map(ui);
        ui.MapGet("/health", () => Page<Health.HealthPage>());
        Conformance.ConformanceEndpoints.Map(ui);
    }

    public static RazorComponentResult Page<T>(Dictionary<string, object?>? parameters = null) where T : IComponent =>
        new RazorComponentResult<T>(parameters ?? []) { ContentType = "text/html; charset=utf-8" };

    private static IResult Asset(string name)
    {
        var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("assets/" + name);
        if (stream is null) return Results.NotFound();
        var type = Path.GetExtension(name) switch { ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8", _ => "application/octet-stream" };
        return Results.Stream(stream, type);
    }

    private async Task<IResult> SignInAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var then = form["then"].ToString();
        if (!then.StartsWith(ConsoleOptions.Root, StringComparison.Ordinal)) then = ConsoleOptions.Root + "/";
        var given = form["token"].ToString().Trim();
        if (context.Options.Token is not { } token || given != token)
            return Page<SignInPage>(new() { ["Then"] = then, ["Problem"] = $"That is not the operator token (it is in {ConsoleAccess.TokenPath(context.Options.DataFolder)})." });
        http.Response.Cookies.Append(ConsoleAccess.CookieName, token, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = ConsoleOptions.Root,
        });
        return Results.Redirect(then);
    }

    /// <summary>
    /// Server-sent events for a live list: every tick, the newest messages past the last one sent
    /// that match the filter, at most <see cref="RowsPerTick"/> (event "rows", table rows as HTML,
    /// newest first), and how many more there were (event "sampled").
    /// </summary>
    private static async Task StreamAsync(HttpContext http, TrafficLog log, IServiceProvider services, ILoggerFactory loggers)
    {
        var filter = TrafficFilter.Parse(http.Request.Query);
        var compact = http.Request.Query["compact"] == "1";
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var last = long.TryParse(http.Request.Query["after"], out var after) ? after : log.Last;
        await using var renderer = new HtmlRenderer(services, loggers);
        var quiet = 0;
        await response.WriteAsync(": live\n\n", http.RequestAborted);
        await response.Body.FlushAsync(http.RequestAborted);
        try
        {
            while (!http.RequestAborted.IsCancellationRequested)
            {
                await Task.Delay(Tick, http.RequestAborted);
                var top = log.Last;
                if (top == last)
                {
                    // A comment now and then keeps proxies and the browser from closing an idle stream.
                    if (++quiet % 25 == 0) { await response.WriteAsync(": idle\n\n", http.RequestAborted); await response.Body.FlushAsync(http.RequestAborted); }
                    continue;
                }
                var matching = log.NewestFirst(top + 1, last).Where(filter.Matches).Take(RowsPerTick + 1).ToList();
                var skipped = top - last - Math.Min(matching.Count, RowsPerTick);
                last = top;
                if (matching.Count == 0) continue;
                var rows = matching.Take(RowsPerTick).ToList();
                var html = await renderer.Dispatcher.InvokeAsync(async () =>
                    (await renderer.RenderComponentAsync<TrafficRows>(ParameterView.FromDictionary(new Dictionary<string, object?>
                    {
                        ["Messages"] = rows, ["Compact"] = compact,
                    }))).ToHtmlString());
                await WriteEventAsync(response, "rows", html, http.RequestAborted);
                if (matching.Count > RowsPerTick)
                    await WriteEventAsync(response, "sampled", $"<span>{skipped:N0} more messages arrived in the last {Tick.TotalMilliseconds:0} ms than are shown live; open a page of the list to see them.</span>", http.RequestAborted);
                await response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string html, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder("event: ").Append(name).Append('\n');
        foreach (var line in html.Split('\n')) text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        text.Append('\n');
        await response.WriteAsync(text.ToString(), cancellationToken);
    }
}
