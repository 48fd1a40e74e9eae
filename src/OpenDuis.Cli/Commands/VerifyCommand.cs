using System.CommandLine;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis verify [--keys DIR] [--data DIR] [--schemas DIR] [file|-]</c>: verifies a DUIS message's
/// signature against the key folder and validates it.
/// Exit codes: 0 valid, 1 usage, 2 bad input, 3 signature failure, 4 schema failure, 5 missing key.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var keys = SignCommand.KeysOption();
        var data = InitCommand.DataOption();
        var schemas = SignCommand.SchemasOption();
        var file = SignCommand.FileArgument();
        var command = new Command("verify",
            "Verify a DUIS message's signature (the signer's certificate must be in the key folder) and validate it. " +
            "Exit codes: 0 valid, 1 usage, 2 bad input, 3 signature failure (E100) or wrong certificate role (E65), " +
            "4 schema failure, 5 missing key or unknown certificate, 10 not a data folder. Keys: --keys, else $OPENDUIS_KEYS, else the data folder's.") { keys, data, schemas, file };
        command.SetAction(parse =>
        {
            Stream input;
            try
            {
                input = SignCommand.Open(parse.GetValue(file));
            }
            catch (IOException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: cannot read the input: {e.Message}");
                return (int)DuisToolExit.BadInput;
            }
            using (input)
                return (int)DuisFileTool.Verify(input, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error,
                    SignCommand.KeyFolder(parse, keys, data), parse.GetValue(schemas)?.FullName);
        });
        return command;
    }
}
