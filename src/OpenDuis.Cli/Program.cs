using System.CommandLine;
using OpenDuis.Cli.Commands;

// The `openduis` command. Each sub-command lives in Commands/ as a static class with a
// `Create()` factory; add it to this list.
var root = new RootCommand("OpenDUIS — an open implementation of the DCC User Interface (DUIS).");
foreach (var command in CommandSet.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
