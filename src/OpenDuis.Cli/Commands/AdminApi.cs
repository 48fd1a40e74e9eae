using System.CommandLine;
using System.Net;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// What the commands that drive a running <c>openduis serve</c> through its loopback-only admin API
/// (<c>fault</c>, <c>event</c>) share: the <c>--server</c> option, the call with its failures told
/// apart (bad address, refused; no server is ExitCodes.ServerNotRunning), and the Device ID argument.
/// </summary>
internal static class AdminApi
{
    public const int Refused = 1;
    public const int BadInput = 2;

    public static readonly Option<string> Server = new("--server")
    {
        Description = "The running server's base address (the admin API answers on loopback only).",
        DefaultValueFactory = _ => $"http://127.0.0.1:{ServerOptions.DefaultPort}/",
        Recursive = true,
    };

    /// <summary>The Device ID given, or null after saying why it is not one.</summary>
    public static async Task<Eui?> DeviceAsync(ParseResult parse, Argument<string> device)
    {
        if (Eui.TryParse(parse.GetValue(device), out var id)) return id;
        await parse.InvocationConfiguration.Error.WriteLineAsync($"'{parse.GetValue(device)}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
        return null;
    }

    public static async Task<int> CallAsync(ParseResult parse, Func<HttpClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(parse.GetValue(Server), UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"--server '{parse.GetValue(Server)}' is not an http(s) address.");
            return BadInput;
        }
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        // No server there: one sentence and exit code 14, as for `send` (Program, ExitCodes).
        return await call(http, cancellationToken);
    }

    /// <param name="api">What the API is called in the message when the server has none (e.g. "fault-injection").</param>
    public static async Task<int> RefusedAsync(ParseResult parse, HttpResponseMessage answer, string api, CancellationToken cancellationToken)
    {
        var text = await answer.Content.ReadAsStringAsync(cancellationToken);
        var reason = answer.StatusCode == HttpStatusCode.NotFound && text.Length == 0
            ? $"the server has no {api} API (is the emulated SM WAN off?)" : text;
        await parse.InvocationConfiguration.Error.WriteLineAsync($"The server refused ({(int)answer.StatusCode}): {reason}");
        return Refused;
    }
}
