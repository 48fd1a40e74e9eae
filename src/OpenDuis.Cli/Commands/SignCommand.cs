using System.CommandLine;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis sign [--keys DIR] [--data DIR] [--schemas DIR] [file|-]</c>: signs a DUIS message with its
/// originator's xmlSign key (a Response with the DSP's) and writes it to standard output. The keys are
/// --keys, else $OPENDUIS_KEYS, else the data folder's, as <c>send</c> uses.
/// Exit codes: 0 signed, 1 usage, 2 bad input, 4 schema failure, 5 missing key.
/// </summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var keys = KeysOption();
        var data = InitCommand.DataOption();
        var schemas = SchemasOption();
        var file = FileArgument();
        var command = new Command("sign",
            "Sign a DUIS message with its originator's xmlSign key and write it to standard output. " +
            "Keys: --keys, else $OPENDUIS_KEYS, else the data folder's (as send). " +
            "Exit codes: 0 signed, 1 usage, 2 bad input (unreadable, hostile or malformed XML), " +
            "4 schema failure, 5 missing key, 10 not a data folder.") { keys, data, schemas, file };
        command.SetAction(parse =>
        {
            Stream input;
            try
            {
                input = Open(parse.GetValue(file));
            }
            catch (IOException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: cannot read the input: {e.Message}");
                return (int)DuisToolExit.BadInput;
            }
            using var _ = input;
            using var output = Console.OpenStandardOutput();
            return (int)DuisFileTool.Sign(input, output, parse.InvocationConfiguration.Error, KeyFolder(parse, keys, data), parse.GetValue(schemas)?.FullName);
        });
        return command;
    }

    internal static Option<DirectoryInfo?> KeysOption() => new("--keys")
    {
        Description = $"Folder of PEM certificate/key pairs and/or a *keystore.json (default: ${DuisFileTool.KeysVariable}, else the data folder's keys).",
    };

    /// <summary>--keys, else $OPENDUIS_KEYS, else the data folder's key folder (a folder that is not one is refused).</summary>
    internal static string KeyFolder(ParseResult parse, Option<DirectoryInfo?> keys, Option<string?> data)
    {
        if (parse.GetValue(keys)?.FullName is { } given) return given;
        if (Environment.GetEnvironmentVariable(DuisFileTool.KeysVariable) is { Length: > 0 } configured) return configured;
        var folder = OpenDuis.Storage.DataFolder.Resolve(parse.GetValue(data));
        folder.EnsureInitialised();
        return folder.ReadSettings().Keys ?? folder.DefaultKeysPath;
    }

    internal static Option<DirectoryInfo?> SchemasOption() => new("--schemas")
    {
        Description = "Folder of the official DUIS XSDs (DUIS Schema V5.x.xsd, directly or per version); without it, the DUIS structure is checked.",
    };

    internal static Argument<string> FileArgument() => new("file")
    {
        Description = "The message file, or - for standard input.",
        DefaultValueFactory = _ => "-",
    };

    internal static Stream Open(string? path) =>
        path is null or "-" ? Console.OpenStandardInput() : File.OpenRead(path);
}
