using System.CommandLine;
using OpenDuis.Cli;
using OpenDuis.Cli.Commands;

// The `openduis` command. Each sub-command lives in Commands/ as a static class with a
// `Create()` factory; add it to CommandSet.
var root = new RootCommand("OpenDUIS — an open implementation of the DCC User Interface (DUIS). " + ExitCodes.Help);
foreach (var command in CommandSet.All())
    root.Subcommands.Add(command);
try
{
    // Failures are one sentence and an exit code (ExitCodes), not the parser's stack trace.
    // Ctrl-C and SIGTERM cancel the command and give it time to stop gracefully: a `serve` node answers what its devices
    // are about to answer and leaves the rest of its commands and its Devices to the other nodes (docs/deployment.md).
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
}
catch (OperationCanceledException)
{
    return 130; // interrupted (Ctrl+C)
}
catch (Exception e)
{
    var (message, exitCode) = ExitCodes.Explain(e);
    await Console.Error.WriteLineAsync(message);
    if (Environment.GetEnvironmentVariable("OPENDUIS_TRACE") is "1" or "true") await Console.Error.WriteLineAsync(e.ToString());
    return exitCode;
}
