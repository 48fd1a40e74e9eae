using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Server.Hosting;
using OpenDuis.Network.Events;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.SmWan;

/// <summary>The body of POST /admin/devices/{eui}/events: the event's name and its parameters.</summary>
public sealed record DeviceEventBody(string? Kind, string? AlertCode = null, string? FirmwareVersion = null, string? OtherDevice = null,
    string? RequestId = null, string? Code = null, bool? Activated = null);

/// <summary>One alert an event raised: its DCC Alert Code (or a Device Alert's code) and the User it was written for.</summary>
public sealed record RaisedAlertView(string Code, string Recipient);

/// <summary>What POST /admin/devices/{eui}/events answers: the event and the alerts it raised.</summary>
public sealed record DeviceEventView(string Device, string Kind, RaisedAlertView[] Alerts);

/// <summary>An injectable event as GET /admin/events lists it.</summary>
public sealed record DeviceEventKindView(string Name, string AlertCode, string[] DeviceTypes, string? Generation, string Description,
    string[] Required, string[] Optional);

[JsonSerializable(typeof(DeviceEventBody))]
[JsonSerializable(typeof(DeviceEventView))]
[JsonSerializable(typeof(DeviceEventKindView[]))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class DeviceEventJson : JsonSerializerContext;

/// <summary>
/// The admin API of device event injection: GET /admin/events lists the events, POST
/// /admin/devices/{eui}/events makes the Device do one and answers with the DCC Alerts it raised.
/// Answered only to the operator on the machine (<see cref="LocalOperatorOnly"/>: 403 otherwise), like the fault-injection API.
/// </summary>
public static class DeviceEventEndpoints
{
    public const string EventsPath = "/admin/events";
    public static string DevicePath(Eui device) => $"/admin/devices/{device}/events";

    public static void MapDeviceEvents(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<DeviceEvents>() is null) return;
        var admin = app.MapGroup("").RequireLocalOperator("device-event admin API");
        admin.MapGet(EventsPath, () => Results.Json(DeviceEventKinds.Table.Select(View).ToArray(),
            DeviceEventJson.Default.DeviceEventKindViewArray));
        admin.MapPost("/admin/devices/{eui}/events", async (HttpContext context, string eui, DeviceEvents events) =>
        {
            if (!Eui.TryParse(eui, null, out var device)) return AdminAnswers.BadRequest($"'{eui}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
            DeviceEventBody? body;
            try { body = await context.Request.ReadFromJsonAsync(DeviceEventJson.Default.DeviceEventBody, context.RequestAborted); }
            catch (System.Text.Json.JsonException e) { return AdminAnswers.BadRequest($"The body is not an event (JSON {{\"kind\": ..., parameters}}): {e.Message}"); }
            catch (InvalidOperationException e) { return AdminAnswers.BadRequest($"The body is not JSON: {e.Message}"); }
            var input = new DeviceEventInput(body?.Kind, body?.AlertCode, body?.FirmwareVersion, body?.OtherDevice, body?.RequestId, body?.Code, body?.Activated);
            if (!DeviceEventRequest.TryParse(input, out var request, out var problem)) return AdminAnswers.BadRequest(problem);
            try
            {
                var alerts = await events.RaiseAsync(device, request, context.RequestAborted);
                return Results.Json(new DeviceEventView(device.ToString(), request.Definition.Name,
                    alerts.Select(a => new RaisedAlertView(a.Code, a.Recipient.ToString())).ToArray()), DeviceEventJson.Default.DeviceEventView);
            }
            catch (DeviceEventRefusedException e)
            {
                return Results.Text(e.Message, "text/plain", statusCode: StatusCodes.Status422UnprocessableEntity);
            }
        });
    }

    private static DeviceEventKindView View(DeviceEventDefinition d) => new(d.Name, d.Raises, d.DeviceTypes.Select(t => t.ToString()).ToArray(),
        d.Generation is { } g ? (g == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+") : null, d.Description,
        d.Required.Select(DeviceEventKinds.OptionName).ToArray(), d.Optional.Select(DeviceEventKinds.OptionName).ToArray());
}
