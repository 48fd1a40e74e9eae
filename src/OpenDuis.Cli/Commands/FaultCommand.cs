using System.CommandLine;
using System.Net.Http.Json;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.SmWan;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis fault set|clear|list</c>: injects faults on the devices of a running <c>openduis serve</c>
/// through its admin API. The server applies a fault at once and keeps it in its data folder's database
/// (it survives a restart), so the command talks to the running server rather than to the data folder.
/// </summary>
internal static class FaultCommand
{
    public static Command Create()
    {
        var fault = new Command("fault", "Injects, clears and lists device faults in the emulated SM WAN of a running server.");
        fault.Options.Add(AdminApi.Server);
        fault.Subcommands.Add(Set());
        fault.Subcommands.Add(Clear());
        fault.Subcommands.Add(List());
        return fault;
    }

    private static Command Set()
    {
        var device = new Argument<string>("DEVICE") { Description = "The Device ID (EUI-64)." };
        var mode = new Argument<string>("MODE") { Description = $"One of: {string.Join(", ", DeviceFault.Names)}." };
        var parameter = new Argument<string?>("PARAMETER")
        {
            Description = "slow: delay in ms; dual-band: CHF alert code (0x8F20, 0x8F22, 0x8F24, 0x8F29, 0x8F2B, 0x8F2C, 0x8F2D); cos-party: E66–E71; s1sp-error: S1SP Alert Code (optional).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("set", "Sets the device's fault (replacing any it had).") { device, mode, parameter };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (await AdminApi.DeviceAsync(parse, device) is not { } id) return AdminApi.BadInput;
            if (!DeviceFault.TryParse(parse.GetValue(mode), parse.GetValue(parameter), out var fault, out var problem))
            {
                await error.WriteLineAsync(problem);
                return AdminApi.BadInput;
            }
            return await AdminApi.CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.PostAsJsonAsync(DeviceFaultEndpoints.DevicePath(id),
                    new DeviceFaultRequest(DeviceFault.Name(fault.Mode), fault.Parameter), DeviceFaultJson.Default.DeviceFaultRequest, ct2);
                if (!answer.IsSuccessStatusCode) return await AdminApi.RefusedAsync(parse, answer, "fault-injection", ct2);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{id}: {fault}");
                return 0;
            }, ct);
        });
        return command;
    }

    private static Command Clear()
    {
        var device = new Argument<string>("DEVICE") { Description = "The Device ID (EUI-64)." };
        var command = new Command("clear", "Clears the device's fault.") { device };
        command.SetAction(async (parse, ct) =>
        {
            if (await AdminApi.DeviceAsync(parse, device) is not { } id) return AdminApi.BadInput;
            return await AdminApi.CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.DeleteAsync(DeviceFaultEndpoints.DevicePath(id), ct2);
                if (!answer.IsSuccessStatusCode) return await AdminApi.RefusedAsync(parse, answer, "fault-injection", ct2);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{id}: no fault");
                return 0;
            }, ct);
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Lists the devices with a fault.");
        command.SetAction(async (parse, ct) => await AdminApi.CallAsync(parse, async (http, ct2) =>
        {
            using var answer = await http.GetAsync(DeviceFaultEndpoints.FaultsPath, ct2);
            if (!answer.IsSuccessStatusCode) return await AdminApi.RefusedAsync(parse, answer, "fault-injection", ct2);
            var faults = await answer.Content.ReadFromJsonAsync(DeviceFaultJson.Default.DeviceFaultViewArray, ct2) ?? [];
            var output = parse.InvocationConfiguration.Output;
            if (faults.Length == 0) await output.WriteLineAsync("No device has a fault.");
            foreach (var f in faults) await output.WriteLineAsync(f.Parameter is null ? $"{f.Device}  {f.Mode}" : $"{f.Device}  {f.Mode} {f.Parameter}");
            return 0;
        }, ct));
        return command;
    }
}
