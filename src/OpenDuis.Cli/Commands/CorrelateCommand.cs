using System.CommandLine;
using OpenDuis.Gbcs.Correlate;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis correlate PRECOMMAND SIGNED</c>: Correlate (the DCC's Parse and Correlate, Correlate step):
/// does the Signed Pre-Command say what the Pre-Command said, apart from its signature? Each is hex,
/// base64, or a DUIS message holding it (sr:PreCommand, sr:SignedPreCommand). Exit codes: 0 they match,
/// 3 they do not (each difference is printed with its octet offset and field), 1 usage, 2 bad input.
/// </summary>
internal static class CorrelateCommand
{
    public static Command Create()
    {
        var preCommand = new Argument<string>("PRECOMMAND") { Description = "The Pre-Command the DCC issued (hex, base64, or the DUIS response holding it), a file or - for standard input." };
        var signed = new Argument<string>("SIGNED") { Description = "The Signed Pre-Command (hex, base64, or the DUIS request holding it), a file." };
        var command = new Command("correlate",
            "Say whether a Signed Pre-Command matches its Pre-Command apart from the signature, and where they differ. " +
            "Exit codes: 0 match, 3 no match, 1 usage, 2 bad input.") { preCommand, signed };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!TryOne(parse.GetValue(preCommand)!, "PRECOMMAND", error, out var a) || !TryOne(parse.GetValue(signed)!, "SIGNED", error, out var b))
                return 2;
            var result = Correlation.Check(a, b);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(result.Match ? "match" : "no match");
            foreach (var difference in result.Differences) output.WriteLine($"  {difference}");
            return result.Match ? 0 : 3;
        });
        return command;
    }

    private static bool TryOne(string file, string name, TextWriter error, out byte[] message)
    {
        message = [];
        if (!ParseCommand.TryReadInput(file, error, out var input)) return false;
        if (!GbcsInput.TryRead(input, out List<byte[]> messages, out var problem))
        {
            error.WriteLine($"error: {name}: {problem}.");
            return false;
        }
        if (messages.Count != 1)
        {
            error.WriteLine($"error: {name}: holds {messages.Count} GBCS messages, not one.");
            return false;
        }
        message = messages[0];
        return true;
    }
}
