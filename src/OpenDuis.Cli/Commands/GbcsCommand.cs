using System.CommandLine;
using System.Text;
using System.Xml;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis gbcs verify|sign</c>: a User's GBCS checks and Pre-Command signing for scripts.
/// Input is hex, base64, or DUIS XML carrying the payload (its first sr:GBCSPayload).
/// Exit codes: 0 valid or signed, 1 usage, 2 bad input, 3 a check failed, 5 missing key or certificate.
/// </summary>
internal static class GbcsCommand
{
    private const int MaxInput = 4 * 1024 * 1024;

    private static readonly System.Buffers.SearchValues<char> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    public static Command Create()
    {
        var gbcs = new Command("gbcs", "Check GBCS messages (MAC, signature, encrypted payloads) and sign Pre-Commands with a User's keys.");
        gbcs.Subcommands.Add(Verify());
        gbcs.Subcommands.Add(Sign());
        return gbcs;
    }

    private static Option<string> AcbOption() => new("--acb")
    {
        Description = "The Access Control Broker whose key-agreement key MACs commands to Devices.",
        DefaultValueFactory = _ => DemoKeySet.DspEui.ToString(),
    };

    private static Command Verify()
    {
        var keys = SignCommand.KeysOption();
        var data = InitCommand.DataOption();
        var acb = AcbOption();
        var file = SignCommand.FileArgument();
        var command = new Command("verify",
            "Check a GBCS message (hex, base64, or the DUIS XML that carries it) with the keys a User holds: the MAC, the " +
            "originator's signature, the encrypted payloads. Exit codes: 0 valid, 1 usage, 2 bad input, 3 a check failed, " +
            "5 missing key or certificate, 10 not a data folder. Keys: --keys, else $OPENDUIS_KEYS, else the data folder's.") { keys, data, acb, file };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var name = parse.GetValue(file) ?? "-";
            if (!Eui.TryParse(parse.GetValue(acb), out var broker)) return Usage(error, $"--acb {parse.GetValue(acb)}: not an EUI-64.");
            if (!TryRead(name, error, out var wire, out _) || !TryMessage(name, wire, error, out var message)) return (int)DuisToolExit.BadInput;
            if (!TryLoadKeys(SignCommand.KeyFolder(parse, keys, data), error, out var ring)) return (int)DuisToolExit.MissingKey;
            var result = new GbcsVerifier(ring, broker).Verify(wire, message);
            output.WriteLine($"GBCS {message.MessageCodeText} {message.Cra} from {message.Originator} to {message.Recipient}, originator counter {message.OriginatorCounter}");
            output.WriteLine($"MAC: {result.Mac.Verdict}: {result.Mac.Detail}");
            output.WriteLine($"signature: {result.Signature.Verdict}: {result.Signature.Detail}");
            foreach (var e in result.Encrypted) output.WriteLine($"encryption: {e.Verdict}: {e.Detail}");
            var checks = new[] { result.Mac, result.Signature }.Concat(result.Encrypted).ToList();
            if (checks.Any(c => c.Verdict == GbcsVerdict.Invalid)) return (int)DuisToolExit.SignatureFailure;
            return checks.Any(c => c.Verdict == GbcsVerdict.KeyMissing) ? (int)DuisToolExit.MissingKey : (int)DuisToolExit.Ok;
        });
        return command;
    }

    private static Command Sign()
    {
        var keys = SignCommand.KeysOption();
        var data = InitCommand.DataOption();
        var asUser = new Option<string>("--as") { Description = "The User signing (EUI-64): the Pre-Command's originator, whose digital-signing key is used.", Required = true };
        var file = SignCommand.FileArgument();
        var command = new Command("sign",
            "Sign a Pre-Command (hex, base64, or the DUIS XML that carries it) with the User's GBCS digital-signing key and print " +
            "the Signed Pre-Command's GBCS (hex for hex input, else base64). Exit codes: 0 signed, 1 usage, 2 bad input, 5 missing key, " +
            "10 not a data folder. Keys: --keys, else $OPENDUIS_KEYS, else the data folder's.")
        { keys, data, asUser, file };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var name = parse.GetValue(file) ?? "-";
            if (!Eui.TryParse(parse.GetValue(asUser), out var user)) return Usage(error, $"--as {parse.GetValue(asUser)}: not a User ID (8 hex pairs joined by '-').");
            if (!TryRead(name, error, out var wire, out var wasHex) || !TryMessage(name, wire, error, out var message)) return (int)DuisToolExit.BadInput;
            if (message.Cra != CraFlag.Command || message.Mac is not null || message.Signature is { Length: > 0 })
            {
                error.WriteLine($"error: {name}: not a Pre-Command: a {(message.Mac is not null ? "MAC-wrapped " : "")}{message.Cra}{(message.Signature is { Length: > 0 } ? " already signed" : "")}, where an unsigned command without a MAC is expected.");
                return (int)DuisToolExit.BadInput;
            }
            if (message.Originator != user)
            {
                error.WriteLine($"error: {name}: the Pre-Command's originator is {message.Originator}, not the signing User {user}.");
                return (int)DuisToolExit.BadInput;
            }
            if (!TryLoadKeys(SignCommand.KeyFolder(parse, keys, data), error, out var ring)) return (int)DuisToolExit.MissingKey;
            var key = ring.Find(user, GbcsKeyUsage.DigitalSigning).FirstOrDefault(k => k.HasPrivateKey);
            if (key is null)
            {
                error.WriteLine($"error: no GBCS digital-signing private key for {user} in the key folder.");
                return (int)DuisToolExit.MissingKey;
            }
            var signed = GbcsSecurity.Sign(message, key.Signing!).WriteSigned();
            output.WriteLine(wasHex ? Convert.ToHexString(signed) : Convert.ToBase64String(signed));
            return (int)DuisToolExit.Ok;
        });
        return command;
    }

    private static int Usage(TextWriter error, string problem)
    {
        error.WriteLine(problem);
        return (int)DuisToolExit.Usage;
    }

    /// <summary>Reads the input as hex, base64, or DUIS XML carrying a GBCSPayload; false after a one-line error.</summary>
    private static bool TryRead(string name, TextWriter error, out byte[] wire, out bool wasHex)
    {
        wire = [];
        wasHex = false;
        byte[] bytes;
        try
        {
            using var stream = SignCommand.Open(name);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (buffer.Length > MaxInput) { error.WriteLine($"error: {name}: {buffer.Length} octets, over the {MaxInput} a GBCS input may have."); return false; }
            bytes = buffer.ToArray();
        }
        catch (IOException e)
        {
            error.WriteLine($"error: cannot read {name}: {e.Message}");
            return false;
        }
        var text = Encoding.UTF8.GetString(bytes).Trim().TrimStart('\uFEFF');
        if (text.Length == 0) { error.WriteLine($"error: {name}: the input is empty."); return false; }
        if (text[0] == '<') return TryFromXml(name, bytes, error, out wire);
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.All(char.IsAsciiHexDigit))
        {
            if (compact.Length % 2 != 0) { error.WriteLine($"error: {name}: {compact.Length} hex digits, an odd number: the last octet is cut short."); return false; }
            wire = Convert.FromHexString(compact);
            wasHex = true;
            return true;
        }
        var base64 = new byte[compact.Length];
        if (Convert.TryFromBase64String(compact, base64, out var n)) { wire = base64[..n]; return true; }
        var bad = compact.AsSpan().IndexOfAnyExcept(Base64Alphabet);
        error.WriteLine(bad >= 0
            ? $"error: {name}: character '{compact[bad]}' at {bad}: the input is neither hex, base64 nor DUIS XML."
            : $"error: {name}: not valid base64 (its length {compact.Length} or padding is wrong), nor hex or DUIS XML.");
        return false;
    }

    private static bool TryFromXml(string name, byte[] bytes, TextWriter error, out byte[] wire)
    {
        wire = [];
        XmlDocument document;
        try
        {
            document = SecureXml.Default.Load(bytes);
        }
        catch (Exception e) when (e is XmlRefusedException or XmlException)
        {
            error.WriteLine($"error: {name}: the XML is refused: {e.Message}");
            return false;
        }
        var payload = document.GetElementsByTagName("GBCSPayload", DuisNamespaces.ServiceUserGateway).OfType<XmlElement>().FirstOrDefault();
        if (payload is null)
        {
            error.WriteLine($"error: {name}: the DUIS XML carries no sr:GBCSPayload.");
            return false;
        }
        try
        {
            wire = Convert.FromBase64String(payload.InnerText.Trim());
            return true;
        }
        catch (FormatException)
        {
            error.WriteLine($"error: {name}: the sr:GBCSPayload under {payload.ParentNode?.LocalName} is not base64.");
            return false;
        }
    }

    private static bool TryMessage(string name, byte[] wire, TextWriter error, out GbcsMessage message)
    {
        message = null!;
        if (!GbcsMessage.TryRead(wire, out var read, out var problem))
        {
            error.WriteLine($"error: {name}: not a GBCS message ({wire.Length} octets): {problem}.");
            return false;
        }
        if (!GbcsMessageCodes.IsKnown(read.MessageCode))
        {
            error.WriteLine($"error: {name}: Message Code {read.MessageCodeText} (in the other-information of the General Signing header) is not one GBCS defines.");
            return false;
        }
        message = read;
        return true;
    }

    /// <summary>Loads the key folder <c>sign</c>, <c>verify</c> and <c>send</c> would use (<see cref="SignCommand.KeyFolder"/>).</summary>
    private static bool TryLoadKeys(string path, TextWriter error, out GbcsKeyring ring)
    {
        ring = null!;
        try
        {
            ring = GbcsKeyring.Load(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            error.WriteLine($"error: key folder {path}: {e.Message}");
            return false;
        }
    }
}
