using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Server.Hosting;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.SmWan;

/// <summary>A device's injected fault as the admin API shows it.</summary>
public sealed record DeviceFaultView(string Device, string Mode, string? Parameter);

/// <summary>The body of POST /admin/devices/{eui}/fault.</summary>
public sealed record DeviceFaultRequest(string? Mode, string? Parameter);

[JsonSerializable(typeof(DeviceFaultView))]
[JsonSerializable(typeof(DeviceFaultView[]))]
[JsonSerializable(typeof(DeviceFaultRequest))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class DeviceFaultJson : JsonSerializerContext;

/// <summary>
/// The admin API of fault injection: GET /admin/faults, POST and DELETE /admin/devices/{eui}/fault.
/// Answered only to the operator on the machine (<see cref="LocalOperatorOnly"/>: 403 otherwise): it changes how devices behave
/// for every User, so it is for the operator on the machine, never for a User over the network.
/// </summary>
public static class DeviceFaultEndpoints
{
    public const string FaultsPath = "/admin/faults";
    public static string DevicePath(Eui device) => $"/admin/devices/{device}/fault";

    public static void MapDeviceFaults(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<DeviceFaults>() is null) return;
        var admin = app.MapGroup("").RequireLocalOperator("fault-injection admin API");
        admin.MapGet(FaultsPath, (DeviceFaults faults) =>
            Results.Json(faults.All.Select(p => View(p.Key, p.Value)).ToArray(), DeviceFaultJson.Default.DeviceFaultViewArray));
        admin.MapPost("/admin/devices/{eui}/fault", async (HttpContext context, string eui, DeviceFaults faults) =>
        {
            if (!Eui.TryParse(eui, null, out var device)) return AdminAnswers.BadRequest($"'{eui}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
            DeviceFaultRequest? body;
            try { body = await context.Request.ReadFromJsonAsync(DeviceFaultJson.Default.DeviceFaultRequest, context.RequestAborted); }
            catch (System.Text.Json.JsonException e) { return AdminAnswers.BadRequest($"The body is not a fault (JSON {{\"mode\": ..., \"parameter\": ...}}): {e.Message}"); }
            catch (InvalidOperationException e) { return AdminAnswers.BadRequest($"The body is not JSON: {e.Message}"); }
            if (!DeviceFault.TryParse(body?.Mode, body?.Parameter, out var fault, out var problem)) return AdminAnswers.BadRequest(problem);
            await faults.SetAsync(device, fault, context.RequestAborted);
            return Results.Json(View(device, fault), DeviceFaultJson.Default.DeviceFaultView);
        });
        admin.MapDelete("/admin/devices/{eui}/fault", async (HttpContext context, string eui, DeviceFaults faults) =>
        {
            if (!Eui.TryParse(eui, null, out var device)) return AdminAnswers.BadRequest($"'{eui}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
            return await faults.ClearAsync(device, context.RequestAborted) ? Results.NoContent() : Results.Text($"Device {device} has no fault.", "text/plain", statusCode: StatusCodes.Status404NotFound);
        });
    }

    private static DeviceFaultView View(Eui device, DeviceFault fault) => new(device.ToString(), DeviceFault.Name(fault.Mode), fault.Parameter);
}
