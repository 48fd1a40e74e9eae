using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Server.Hosting;
using OpenDuis.Core.Inventory;

namespace OpenDuis.Server.SmWan;

/// <summary>The body of POST /admin/cpl/remove and /admin/cpl/restore: one CPL product combination.</summary>
public sealed record CplProductBody(string? Manufacturer, string? Model, string? FirmwareVersion);

/// <summary>One Device whose SMI Status a CPL change moved.</summary>
public sealed record CplDeviceView(string Device, string Status);

/// <summary>What a CPL change answers: what it did and the Devices it moved.</summary>
public sealed record CplChangeView(string Result, CplDeviceView[] Devices);

[JsonSerializable(typeof(CplProductBody))]
[JsonSerializable(typeof(CplChangeView))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class CplJson : JsonSerializerContext;

/// <summary>
/// The admin API of Central Products List changes (SEC F2.9): POST /admin/cpl/remove suspends the
/// Devices of a combination, POST /admin/cpl/restore returns them. Answered only to callers on the
/// loopback interface, addressed to a loopback host (<see cref="Hosting.LocalOperatorOnly"/>, 403 otherwise): the CPL is the DCC's to change, never a User's.
/// </summary>
public static class CplEndpoints
{
    public const string RemovePath = "/admin/cpl/remove";
    public const string RestorePath = "/admin/cpl/restore";

    public static void MapCpl(this IEndpointRouteBuilder app)
    {
        // Asked without building it: the CPL service needs the inventory cache, loaded on first use.
        if (app.ServiceProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(CplSuspension)) != true) return;
        var admin = app.MapGroup("").RequireLocalOperator("CPL admin API");
        admin.MapPost(RemovePath, (HttpContext context, CplSuspension cpl) => ChangeAsync(context, p => cpl.RemoveAsync(p, context.RequestAborted)));
        admin.MapPost(RestorePath, (HttpContext context, CplSuspension cpl) => ChangeAsync(context, p => cpl.RestoreAsync(p, context.RequestAborted)));
    }

    private static async Task<IResult> ChangeAsync(HttpContext context, Func<CplProduct, Task<CplChangeOutcome>> change)
    {
        CplProductBody? body;
        try { body = await context.Request.ReadFromJsonAsync(CplJson.Default.CplProductBody, context.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return AdminAnswers.BadRequest($"The body is not a product (JSON {{\"manufacturer\": ..., \"model\": ..., \"firmwareVersion\": ...}}): {e.Message}"); }
        catch (InvalidOperationException e) { return AdminAnswers.BadRequest($"The body is not JSON: {e.Message}"); }
        var missing = new[] { ("manufacturer", body?.Manufacturer), ("model", body?.Model), ("firmwareVersion", body?.FirmwareVersion) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToArray();
        if (missing.Length > 0) return AdminAnswers.BadRequest($"The product needs {string.Join(", ", missing)}.");
        CplChangeOutcome outcome;
        try { outcome = await change(new CplProduct(body!.Manufacturer!, body.Model!, body.FirmwareVersion!)); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // R-WS-2: the CPL entry, the Devices' statuses, their schedules and the alerts were rolled back together.
            return Results.Text($"The CPL change was not applied: {e.Message} Nothing was changed: not the CPL, the Devices, their DCC Alerts or DCC Schedules.",
                "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (!outcome.Done) return AdminAnswers.BadRequest(outcome.Reason);
        return Results.Json(new CplChangeView(outcome.Reason, outcome.Changed.Select(d => new CplDeviceView(d.Id.ToString(), d.Status.ToString())).ToArray()),
            CplJson.Default.CplChangeView);
    }
}
