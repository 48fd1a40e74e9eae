using System.CommandLine;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis explain CODE</c>: what a DUIS Response Code means (DUIS 3.5.10 Table 1, or the service-specific rule).</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var code = new Argument<string>("CODE") { Description = "A Response Code, e.g. E19, I99 or E050101." };
        var explain = new Command("explain", "Say what a DUIS Response Code means: its DUIS 3.5.10 Table 1 row, or the service-specific rule it answers. Exit codes: 0 explained, 2 not a code of the XSD.") { code };
        explain.SetAction(parse =>
        {
            var text = parse.GetValue(code)!;
            if (!ResponseCode.TryParse(text.ToUpperInvariant(), out var parsed))
            {
                parse.InvocationConfiguration.Error.WriteLine($"{text}: not a DUIS Response Code (the XSD's sr:ResponseCode lists I0, I99, E1 … E100 and the service-specific E/W + 6 digits).");
                return 2;
            }
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{parsed}: {ResponseCodes.MeaningOf(parsed)}");
            if (parsed.Definition is { } d)
            {
                output.WriteLine($"  {d.Description}.");
                output.WriteLine($"  In: {d.AppliesTo}" + (d.ErrorHandlingProcedures.Count > 0 ? $"; error handling procedure(s) {string.Join(", ", d.ErrorHandlingProcedures)}" : ""));
            }
            return 0;
        });
        return explain;
    }
}
