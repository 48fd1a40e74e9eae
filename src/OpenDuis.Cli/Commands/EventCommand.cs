using System.CommandLine;
using System.Net.Http.Json;
using OpenDuis.Network.Events;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.SmWan;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis event raise|list</c>: makes a Device of a running <c>openduis serve</c> do something of
/// its own accord (a power outage, a PPMID or Communications Hub alert, a restored Device Log, a
/// firmware notice…) through its admin API; the server raises the DCC Alert the event defines.
/// </summary>
internal static class EventCommand
{
    public static Command Create()
    {
        var command = new Command("event", "Raises device events in the emulated SM WAN of a running server, and lists the events there are.");
        command.Options.Add(AdminApi.Server);
        command.Subcommands.Add(Raise());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command Raise()
    {
        var device = new Argument<string>("DEVICE") { Description = "The Device ID (EUI-64) the event happens on." };
        var kind = new Argument<string>("KIND") { Description = $"One of: {string.Join(", ", DeviceEventKinds.Names)}." };
        var alertCode = new Option<string?>("--alert-code") { Description = "ppmid-alert, comms-hub-alert, device-alert: the device's alert code (hex, e.g. 0x8F1C)." };
        var firmware = new Option<string?>("--firmware-version") { Description = "The firmware version the event is about (1 to 8 characters)." };
        var other = new Option<string?>("--other-device") { Description = "chf-log-restored, gpf-log-restored: the replaced Communications Hub; comms-hub-alert: the Device a firmware image was transferred to." };
        var requestId = new Option<string?>("--request-id") { Description = "csp-firmware-*: the Update Firmware request; ecos-alert: the Service Request the ECoS Alert is about; the alert goes to its sender." };
        var code = new Option<string?>("--code") { Description = "ecos-alert: the ECoS Alert Code." };
        var activated = new Option<bool>("--activated") { Description = "smets1-ch-firmware, ppmid-alert: the firmware was activated (else an update was requested)." };
        var command = new Command("raise", "Makes the Device do the event; prints the DCC Alerts it raised and their recipients.")
            { device, kind, alertCode, firmware, other, requestId, code, activated };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (await AdminApi.DeviceAsync(parse, device) is not { } id) return AdminApi.BadInput;
            var input = new DeviceEventInput(parse.GetValue(kind), parse.GetValue(alertCode), parse.GetValue(firmware), parse.GetValue(other),
                parse.GetValue(requestId), parse.GetValue(code), parse.GetValue(activated) ? true : null);
            if (!DeviceEventRequest.TryParse(input, out var request, out var problem))
            {
                await error.WriteLineAsync(problem);
                return AdminApi.BadInput;
            }
            return await AdminApi.CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.PostAsJsonAsync(DeviceEventEndpoints.DevicePath(id),
                    new DeviceEventBody(request.Definition.Name, input.AlertCode, input.FirmwareVersion, input.OtherDevice, input.RequestId, input.Code, input.Activated),
                    DeviceEventJson.Default.DeviceEventBody, ct2);
                if (!answer.IsSuccessStatusCode) return await AdminApi.RefusedAsync(parse, answer, "device-event", ct2);
                var raised = await answer.Content.ReadFromJsonAsync(DeviceEventJson.Default.DeviceEventView, ct2);
                var output = parse.InvocationConfiguration.Output;
                if (raised is null || raised.Alerts.Length == 0)
                    await output.WriteLineAsync($"{id}: {request.Definition.Name}; no User is to receive {request.Definition.Raises}.");
                foreach (var a in raised?.Alerts ?? []) await output.WriteLineAsync($"{id}: {request.Definition.Name} -> {a.Code} to {a.Recipient}");
                return 0;
            }, ct);
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Lists the device events, the DCC Alert each raises, the Devices it happens on and what it needs.");
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var d in DeviceEventKinds.Table)
            {
                var on = string.Join("/", d.DeviceTypes.Count == Enum.GetValues<DeviceType>().Length ? ["any Device"] : d.DeviceTypes.Select(t => t.ToString()));
                if (d.Generation is { } g) on = $"{(g == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+")} {on}";
                var needs = d.Required.Count == 0 ? "" : $" needs {string.Join(" ", d.Required.Select(DeviceEventKinds.OptionName))}";
                var may = d.Optional.Count == 0 ? "" : $" [{string.Join(" ", d.Optional.Select(DeviceEventKinds.OptionName))}]";
                await output.WriteLineAsync($"{d.Name,-27} {d.Raises,-4} on {on}{needs}{may}");
                await output.WriteLineAsync($"    {d.Description}");
            }
            return 0;
        });
        return command;
    }
}
