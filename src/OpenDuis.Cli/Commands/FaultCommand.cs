using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.SmWan;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis fault set|clear|list</c>: injects faults on the devices of a running <c>openduis serve</c>
/// through its admin API. Faults live in the server's memory (a restart heals every device), so the
/// command talks to the running server rather than to the data folder.
/// </summary>
internal static class FaultCommand
{
    private const int Refused = 1;
    private const int BadInput = 2;

    private static readonly Option<string> Server = new("--server")
    {
        Description = "The running server's base address (the admin API answers on loopback only).",
        DefaultValueFactory = _ => $"http://127.0.0.1:{ServerOptions.DefaultPort}/",
        Recursive = true,
    };

    public static Command Create()
    {
        var fault = new Command("fault", "Injects, clears and lists device faults in the emulated SM WAN of a running server.");
        fault.Options.Add(Server);
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
            if (!Eui.TryParse(parse.GetValue(device), out var id))
            {
                await error.WriteLineAsync($"'{parse.GetValue(device)}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
                return BadInput;
            }
            if (!DeviceFault.TryParse(parse.GetValue(mode), parse.GetValue(parameter), out var fault, out var problem))
            {
                await error.WriteLineAsync(problem);
                return BadInput;
            }
            return await CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.PostAsJsonAsync(DeviceFaultEndpoints.DevicePath(id),
                    new DeviceFaultRequest(DeviceFault.Name(fault.Mode), fault.Parameter), DeviceFaultJson.Default.DeviceFaultRequest, ct2);
                if (!answer.IsSuccessStatusCode) return await RefusedAsync(parse, answer, ct2);
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
            if (!Eui.TryParse(parse.GetValue(device), out var id))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"'{parse.GetValue(device)}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
                return BadInput;
            }
            return await CallAsync(parse, async (http, ct2) =>
            {
                using var answer = await http.DeleteAsync(DeviceFaultEndpoints.DevicePath(id), ct2);
                if (!answer.IsSuccessStatusCode) return await RefusedAsync(parse, answer, ct2);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{id}: no fault");
                return 0;
            }, ct);
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Lists the devices with a fault.");
        command.SetAction(async (parse, ct) => await CallAsync(parse, async (http, ct2) =>
        {
            using var answer = await http.GetAsync(DeviceFaultEndpoints.FaultsPath, ct2);
            if (!answer.IsSuccessStatusCode) return await RefusedAsync(parse, answer, ct2);
            var faults = await answer.Content.ReadFromJsonAsync(DeviceFaultJson.Default.DeviceFaultViewArray, ct2) ?? [];
            var output = parse.InvocationConfiguration.Output;
            if (faults.Length == 0) await output.WriteLineAsync("No device has a fault.");
            foreach (var f in faults) await output.WriteLineAsync(f.Parameter is null ? $"{f.Device}  {f.Mode}" : $"{f.Device}  {f.Mode} {f.Parameter}");
            return 0;
        }, ct));
        return command;
    }

    private static async Task<int> CallAsync(ParseResult parse, Func<HttpClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(parse.GetValue(Server), UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"--server '{parse.GetValue(Server)}' is not an http(s) address.");
            return BadInput;
        }
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            return await call(http, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"No OpenDUIS server answered at {server}: {e.Message}");
            return Refused;
        }
    }

    private static async Task<int> RefusedAsync(ParseResult parse, HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var text = await answer.Content.ReadAsStringAsync(cancellationToken);
        var reason = answer.StatusCode == HttpStatusCode.NotFound && text.Length == 0
            ? "the server has no fault-injection API (is the emulated SM WAN off?)" : text;
        await parse.InvocationConfiguration.Error.WriteLineAsync($"The server refused ({(int)answer.StatusCode}): {reason}");
        return Refused;
    }
}
