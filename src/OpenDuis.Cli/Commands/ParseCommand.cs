using System.CommandLine;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Security;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis parse [--keys DIR] FILE|-</c>: Parse (the DCC's Parse and Correlate, Parse step): a GBCS
/// response or alert, given as hex, base64 or inside a DUIS Service Response or DCC Alert, printed as
/// the MMC GBCSResponse document (MMC Schema 5.4); a SMETS1 Device's response or alert (no GBCS payload) as the
/// same document made from the S1SP's MMC body. Exit codes: 0 printed, 1 usage, 2 bad input.
/// </summary>
internal static class ParseCommand
{
    public static Command Create()
    {
        var keys = new Option<DirectoryInfo?>("--keys")
        {
            Description = "A key folder (Device certificates, the User's key-agreement keys): MACs, signatures and encrypted payloads must verify, " +
                          "and decrypted payloads are printed as plain GBCSData. Without it, encrypted content is printed as encrypted GBCSData.",
        };
        var file = SignCommand.FileArgument();
        var command = new Command("parse",
            "Print a GBCS response or alert (hex, base64, or a DUIS Service Response / DCC Alert holding it) as the MMC GBCSResponse XML. " +
            "Exit codes: 0 printed, 1 usage, 2 bad input.") { keys, file };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            IGbcsMessageSecurity? security = null;
            if (parse.GetValue(keys) is { } folder)
            {
                try { security = new GbcsKeySecurity(GbcsKeyring.Load(folder.FullName)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or System.Security.Cryptography.CryptographicException)
                {
                    error.WriteLine($"error: --keys {folder.FullName}: {e.Message}");
                    return 1;
                }
            }
            if (!TryReadInput(parse.GetValue(file), error, out var input)) return 2;
            if (Smets1Input.TryRender(input, out var smets1))
            {
                parse.InvocationConfiguration.Output.WriteLine(smets1);
                return 0;
            }
            if (!GbcsInput.TryRead(input, out List<GbcsPayloadInput> messages, out var problem))
            {
                error.WriteLine($"error: {problem}.");
                return 2;
            }
            var rendered = new List<string>();
            foreach (var message in messages)
            {
                if (!GbcsInput.TryRender(message.Message, out var xml, out problem, security, message.Variant))
                {
                    error.WriteLine($"error: {problem}.");
                    return 2;
                }
                rendered.Add(xml);
            }
            foreach (var xml in rendered) parse.InvocationConfiguration.Output.WriteLine(xml);
            return 0;
        });
        return command;
    }

    internal static bool TryReadInput(string? file, TextWriter error, out byte[] input)
    {
        try
        {
            using var stream = SignCommand.Open(file);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            input = buffer.ToArray();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read the input: {e.Message}");
            input = [];
            return false;
        }
    }
}
