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
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
