using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenDuis.Server.SmWan;

namespace OpenDuis.OperatorConsole.Misbehave;

/// <summary>What the admin API answered to one of the page's actions.</summary>
public sealed record AdminOutcome(bool Succeeded, string Message);

/// <summary>
/// The Devices misbehave page: faults, device events and CPL changes, each made through the running
/// server's admin API (the same actions, checks and answers as <c>openduis fault|event|cpl</c>).
/// </summary>
internal static class MisbehaveEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/misbehave", (string? device) => Page(device, null));
        ui.MapPost("/misbehave/fault", (HttpContext http, IHttpClientFactory clients) => ActAsync(http, clients, async (client, form) =>
        {
            var device = form["device"].ToString().Trim();
            var body = new DeviceFaultRequest(form["mode"].ToString(), Blank(form["parameter"].ToString()));
            using var answer = await client.PostAsJsonAsync($"/admin/devices/{Uri.EscapeDataString(device)}/fault", body, DeviceFaultJson.Default.DeviceFaultRequest, http.RequestAborted);
            return await OutcomeAsync(answer, $"Device {device} now has the fault {body.Mode}{(body.Parameter is { } p ? " " + p : "")}.", http.RequestAborted);
        }));
        ui.MapPost("/misbehave/fault/clear", (HttpContext http, IHttpClientFactory clients) => ActAsync(http, clients, async (client, form) =>
        {
            var device = form["device"].ToString().Trim();
            using var answer = await client.DeleteAsync($"/admin/devices/{Uri.EscapeDataString(device)}/fault", http.RequestAborted);
            return await OutcomeAsync(answer, $"Device {device}'s fault is cleared.", http.RequestAborted);
        }));
        ui.MapPost("/misbehave/event", (HttpContext http, IHttpClientFactory clients) => ActAsync(http, clients, async (client, form) =>
        {
            var device = form["device"].ToString().Trim();
            var body = new DeviceEventBody(form["kind"].ToString(), Blank(form["alertCode"]), Blank(form["firmwareVersion"]), Blank(form["otherDevice"]),
                Blank(form["requestId"]), Blank(form["code"]), form["activated"] == "on" ? true : null);
            using var answer = await client.PostAsJsonAsync($"/admin/devices/{Uri.EscapeDataString(device)}/events", body, DeviceEventJson.Default.DeviceEventBody, http.RequestAborted);
            if (!answer.IsSuccessStatusCode) return await OutcomeAsync(answer, "", http.RequestAborted);
            var view = await answer.Content.ReadFromJsonAsync(DeviceEventJson.Default.DeviceEventView, http.RequestAborted);
            return new AdminOutcome(true, $"Device {device} raised {body.Kind}: " +
                (view is { Alerts.Length: > 0 } ? string.Join(", ", view.Alerts.Select(a => $"{a.Code} to {a.Recipient}")) : "no DCC Alert") + ".");
        }));
        foreach (var (action, path) in new[] { ("remove", CplEndpoints.RemovePath), ("restore", CplEndpoints.RestorePath) })
        {
            ui.MapPost("/misbehave/cpl/" + action, (HttpContext http, IHttpClientFactory clients) => ActAsync(http, clients, async (client, form) =>
            {
                var body = new CplProductBody(form["manufacturer"].ToString().Trim(), form["model"].ToString().Trim(), form["firmwareVersion"].ToString().Trim());
                using var answer = await client.PostAsJsonAsync(path, body, CplJson.Default.CplProductBody, http.RequestAborted);
                if (!answer.IsSuccessStatusCode) return await OutcomeAsync(answer, "", http.RequestAborted);
                var view = await answer.Content.ReadFromJsonAsync(CplJson.Default.CplChangeView, http.RequestAborted);
                return new AdminOutcome(true, $"CPL {action}: {view?.Result} ({view?.Devices.Length ?? 0} Devices: " +
                    string.Join(", ", (view?.Devices ?? []).Select(d => $"{d.Device} {d.Status}")) + ").");
            }));
        }
    }

    private static IResult Page(string? device, AdminOutcome? outcome) =>
        ConsoleEndpoints.Page<MisbehavePage>(new() { ["Device"] = device, ["Outcome"] = outcome });

    private static async Task<IResult> ActAsync(HttpContext http, IHttpClientFactory clients, Func<HttpClient, IFormCollection, Task<AdminOutcome>> act)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var client = clients.CreateClient(ConsoleEndpoints.SelfClient);
        client.BaseAddress = new Uri($"{http.Request.Scheme}://{http.Request.Host}");
        AdminOutcome outcome;
        try { outcome = await act(client, form); }
        catch (HttpRequestException e) { outcome = new AdminOutcome(false, $"The admin API could not be reached: {e.Message}"); }
        return Page(form["device"].ToString(), outcome);
    }

    private static async Task<AdminOutcome> OutcomeAsync(HttpResponseMessage answer, string success, CancellationToken cancellationToken) =>
        answer.IsSuccessStatusCode ? new AdminOutcome(true, success)
            : new AdminOutcome(false, $"Refused ({(int)answer.StatusCode}): {(await answer.Content.ReadAsStringAsync(cancellationToken)).Trim()}");

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
