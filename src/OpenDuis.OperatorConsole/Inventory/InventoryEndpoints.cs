using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Inventory;

/// <summary>The Inventory page, one Device's page, and CSV import with its progress.</summary>
internal static class InventoryEndpoints
{
    /// <summary>The largest CSV the page accepts (the CLI takes any size).</summary>
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/inventory", (string? q, string? status) =>
        {
            SmiStatus? s = Enum.TryParse<SmiStatus>(status, ignoreCase: true, out var parsed) ? parsed : null;
            return ConsoleEndpoints.Page<InventoryPage>(new() { ["Query"] = new InventoryQuery(q, s) });
        });
        ui.MapGet("/inventory/devices/{eui}", (string eui) => ConsoleEndpoints.Page<DevicePage>(new() { ["DeviceText"] = eui }));
        ui.MapPost("/inventory/import", ImportAsync);
        ui.MapGet("/inventory/import/{id}", (string id) => ConsoleEndpoints.Page<ImportPage>(new() { ["JobId"] = id }));
        ui.MapGet("/inventory/import/{id}/progress", (string id, ImportJobs jobs) =>
            new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<ImportProgressView>(new Dictionary<string, object?> { ["Job"] = jobs.Find(id) }));
    }

    private static async Task<IResult> ImportAsync(HttpContext http, ImportJobs jobs)
    {
        var feature = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = MaxUploadBytes;
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form.Files["file"] is not { Length: > 0 } file)
            return ConsoleEndpoints.Page<InventoryPage>(new() { ["Query"] = new InventoryQuery(null, null), ["ImportProblem"] = "Choose a CSV file of Devices to import." });
        await using var upload = file.OpenReadStream();
        var job = await jobs.StartAsync(file.FileName, upload, http.RequestAborted);
        return Results.Redirect($"{ConsoleOptions.Root}/inventory/import/{job.Id}");
    }
}
