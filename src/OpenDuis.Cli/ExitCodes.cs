using System.Net.Http;
using System.Net.Sockets;
using OpenDuis.Storage;

namespace OpenDuis.Cli;

/// <summary>
/// The exit codes every command shares (a command's own, 1-9, are in its --help), and the one
/// sentence each failure that stops a command is told in: what happened, and what to do.
/// </summary>
internal static class ExitCodes
{
    public const int NotADataFolder = 10;
    public const int DataFolderUnusable = 11;
    public const int DatabaseUnusable = 12;
    public const int PortInUse = 13;
    public const int ServerNotRunning = 14;
    public const int Unexpected = 70;

    /// <summary>Appended to the root command's help.</summary>
    public const string Help =
        "Exit codes shared by every command (a command's own 1-9 are in its --help): 0 done, 1 refused or usage, 2 bad input, " +
        "10 --data is not a data folder (run `openduis init`), 11 the data folder is a file or cannot be written, " +
        "12 the database is corrupt, unreadable, read-only or unreachable, 13 a port is in use, 14 no server answers, 70 unexpected failure.";

    /// <summary>The sentence and exit code for a failure, walking its inner exceptions for the cause.</summary>
    public static (string Message, int ExitCode) Explain(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DataFolderException d:
                    return (d.Message, d.Problem switch
                    {
                        DataFolderProblem.NotADataFolder => NotADataFolder,
                        DataFolderProblem.Unusable => DataFolderUnusable,
                        _ => DatabaseUnusable,
                    });
                case PortInUseException p:
                    return (p.Message, PortInUse);
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                case IOException when e.InnerException?.GetType().Name == "AddressInUseException":
                    return ($"{BindMessage(failure)}: another program (another OpenDUIS, DCC Boxed?) is using that port; stop it, or choose another port (--port).", PortInUse);
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } h:
                    return ($"No server answers{At(h.Message)} ({(e.InnerException ?? e).Message.TrimEnd('.').ToLowerInvariant()}): start `openduis serve`, or point --to / --server at a running one.", ServerNotRunning);
                case HttpRequestException h:
                    return ($"The server gave no usable answer ({h.Message.TrimEnd('.')}).", ServerNotRunning);
                case TaskCanceledException when e.InnerException is TimeoutException:
                    return ("The server did not answer in time: is it overloaded or stopped?", ServerNotRunning);
            }
        }
        return ($"openduis failed unexpectedly: {failure.GetType().Name}: {failure.Message} (set OPENDUIS_TRACE=1 for the details).", Unexpected);
    }

    // HttpClient says "Connection refused (127.0.0.1:8079)".
    private static string At(string message) =>
        message.LastIndexOf('(') is var open and >= 0 && message.IndexOf(')', open) is var close and > 0 ? $" at {message[(open + 1)..close]}" : "";

    /// <summary>
    /// Says which port is taken before the server starts: the web host would otherwise log its own
    /// failure, with a stack trace, before the command could say it in one line.
    /// </summary>
    public static void EnsurePortFree(System.Net.IPAddress address, int port, string option)
    {
        if (port == 0) return;
        var probe = new TcpListener(address, port);
        try { probe.Start(); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new PortInUseException($"Port {port} on {address} ({option}) is in use by another program (another OpenDUIS, DCC Boxed?): stop it, or choose another port with {option}.", e);
        }
        finally { probe.Stop(); }
    }

    // Kestrel says "Failed to bind to address http://127.0.0.1:8079: address already in use.": keep the address part.
    private static string BindMessage(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
            if (e.Message.StartsWith("Failed to bind to address ", StringComparison.Ordinal) && e.Message.LastIndexOf(':') is var colon and > 0)
                return e.Message[..colon].Replace("Failed to bind to address", "Cannot listen on", StringComparison.Ordinal);
        return "Cannot listen: the address is already in use";
    }
}

/// <summary>A port a command must listen on is taken; the message names it and the option that sets it.</summary>
internal sealed class PortInUseException(string message, Exception inner) : IOException(message, inner);
