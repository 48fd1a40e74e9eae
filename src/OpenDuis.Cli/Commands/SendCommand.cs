using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis send FILE|TEMPLATE --as USER --to URL</c>: signs a DUIS request as the User, posts it
/// to the service its Command Variant belongs on, and prints the answer once its DSP signature
/// verifies. A Transform (CV 4) is taken end to end: the Pre-Command's GBCS is signed with the User's
/// GBCS digital-signing key and sent back as a Signed Pre-Command (CV 5), whose acknowledgement is
/// printed; the device's response goes to the User's endpoint, where with <c>--wait</c> send receives it
/// itself (<see cref="DeviceAnswer"/>) and prints it with its GBCS verdicts. Exit codes: 0 answered I0/I99, 1 usage,
/// 2 bad input, 3 answered with an error code, 4 no verifiable answer, 5 no key for the User.
/// </summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        var input = new Argument<string>("FILE|TEMPLATE") { Description = "A request file, or the start of an RTDS template's file name (looked up in --templates)." };
        var asUser = new Option<string>("--as") { Description = "The User sending (EUI-64): the request's originator and signer.", Required = true };
        var to = new Option<string>("--to")
        {
            Description = "The OpenDUIS base URL (the service path is added from the Command Variant). https uses the duis profile with the User's DCCKI certificate.",
            DefaultValueFactory = _ => "http://127.0.0.1:8079",
        };
        var templates = new Option<DirectoryInfo?>("--templates") { Description = "Folder of RTDS request templates (default $OPENDUIS_TEMPLATES)." };
        var keepCounter = new Option<bool>("--keep-counter") { Description = "Send the Request ID counter as written (by default a fresh one avoids E55)." };
        var wait = new Option<int?>("--wait")
        {
            Description = "After I99, wait up to this many seconds for the device's answer at the User's registered response endpoint " +
                "(a loopback http address, which send listens on meanwhile), verify it (DSP signature; GBCS MAC, Device signature, " +
                "encrypted payloads, with the data folder's keys) and print it. Other messages arriving meanwhile are answered 503, so they come again.",
        };
        var send = new Command("send", "Sign a DUIS request as a User, send it on the right service and print the verified answer, each Response Code with its meaning. " +
            "Exit codes: 0 answered I0 or I99, 1 usage, 2 bad input (no such file, a template prefix matching several, unreadable request), " +
            "3 answered with an error code, 4 no verifiable answer (HTTP error, bad signature), 5 no xmlSign key for the User, " +
            "10 --data is not a data folder, 14 no server answers. With --wait, 4 also when the device's answer does not come in time or does not verify.")
        {
            input, asUser, to, templates, keepCounter, data, wait,
        };
        send.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!Eui.TryParse(parse.GetValue(asUser), out var user))
            {
                error.WriteLine($"--as {parse.GetValue(asUser)}: not a User ID (8 hex pairs joined by '-').");
                return 1;
            }
            if (!Uri.TryCreate(parse.GetValue(to), UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                error.WriteLine($"--to {parse.GetValue(to)}: an absolute http or https URL is required.");
                return 1;
            }
            var found = Locate(parse.GetValue(input)!, parse.GetValue(templates)?.FullName ?? Environment.GetEnvironmentVariable("OPENDUIS_TEMPLATES"));
            if (found.Count == 0)
            {
                error.WriteLine($"{parse.GetValue(input)}: no such file, and no template of that name (set --templates or OPENDUIS_TEMPLATES).");
                return 2;
            }
            if (found.Count > 1)
            {
                error.WriteLine($"{parse.GetValue(input)} matches {found.Count} templates; give more of the name:");
                foreach (var f in found) error.WriteLine($"  {Path.GetFileName(f)}");
                return 2;
            }
            var path = found[0];

            var folder = DataFolder.Resolve(parse.GetValue(data));
            folder.EnsureInitialised();
            var keys = folder.LoadKeys();
            var key = keys.FindXmlSigningKey(user);
            if (key is null)
            {
                error.WriteLine($"No xmlSign key for {user} in {folder.ReadSettings().Keys}.");
                return 5;
            }
            var security = new DuisSecurity(keys);

            await using var answers = parse.GetValue(wait) is { } waitSeconds
                ? await DeviceAnswer.ListenAsync(folder, user, security, TimeSpan.FromSeconds(waitSeconds), error, cancellationToken)
                : null;
            if (parse.GetValue(wait) is not null && answers is null) return 1;

            DuisRequest request;
            try
            {
                request = DuisRequest.Read(security.Load(await File.ReadAllBytesAsync(path, cancellationToken)));
            }
            catch (Exception e) when (e is XmlRefusedException or DuisFormatException)
            {
                error.WriteLine($"{path}: {e.Message}");
                return 2;
            }
            var id = request.RequestId with { Originator = user };
            if (!parse.GetValue(keepCounter)) id = id with { Counter = FreshCounter() };
            var outgoing = request.WithRequestId(id);
            var body = security.SignAndSerialise(outgoing.ToXmlDocument(), key);

            var service = request.CommandVariant.WebService();
            using var handler = baseUri.Scheme == Uri.UriSchemeHttps
                ? DuisTlsProfile.CreateClientHandler(new DcckiFiles(Path.Combine(folder.Path, "dccki")), user)
                : new SocketsHttpHandler();
            using var http = new HttpClient(handler);
            output.WriteLine($"Sending {path}");
            answers?.Expect(id);
            var (exit, duis) = await PostAsync(http, baseUri, service, body, id, request.ServiceReferenceVariant, request.CommandVariant, security, output, cancellationToken);
            if (duis is null || request.CommandVariant != CommandVariant.TransformCritical || duis.ResponseCode != ResponseCode.I0)
                return answers is not null && duis?.ResponseCode == ResponseCode.I99 ? await answers.PrintAsync(id, output, cancellationToken) : exit;

            // Transform (CV 4): sign the Pre-Command's GBCS with the User's GBCS digital-signing key and send it back as a Signed Pre-Command (CV 5).
            if (duis.Message?.Payload?.GetElementsByTagName("GBCSPayload", DuisNamespaces.ServiceUserGateway).OfType<System.Xml.XmlElement>().FirstOrDefault() is not { } payload
                || !GbcsMessage.TryRead(Convert.FromBase64String(payload.InnerText), out var preCommand, out var problem))
            {
                error.WriteLine("The Transform's answer carries no readable sr:PreCommand GBCS payload.");
                return 4;
            }
            var signingKey = GbcsKeyring.From(keys).Find(user, GbcsKeyUsage.DigitalSigning).FirstOrDefault(k => k.HasPrivateKey);
            if (signingKey is null)
            {
                error.WriteLine($"No GBCS digital-signing key for {user} in {folder.ReadSettings().Keys ?? folder.DefaultKeysPath}: the Pre-Command cannot be signed.");
                return 5;
            }
            var signed = GbcsSecurity.Sign(preCommand, signingKey.Signing!).WriteSigned();
            var signedId = id with { Counter = FreshCounter() };
            var signedRequest = DuisRequest.CreateSignedPreCommand(request.SchemaVersion, signedId, CommandVariant.SendSignedPreCommand,
                request.ServiceReferenceVariant, new SignedPreCommand(signed));
            answers?.Expect(signedId);
            output.WriteLine($"  Pre-Command {preCommand.MessageCodeText} signed with {user}'s GBCS digital-signing key; the device's response goes to the User's endpoint.");
            (exit, duis) = await PostAsync(http, baseUri, CommandVariant.SendSignedPreCommand.WebService(), security.SignAndSerialise(signedRequest.ToXmlDocument(), key),
                signedId, request.ServiceReferenceVariant, CommandVariant.SendSignedPreCommand, security, output, cancellationToken);
            return answers is not null && duis?.ResponseCode == ResponseCode.I99 ? await answers.PrintAsync(signedId, output, cancellationToken) : exit;
        });
        return send;
    }

    /// <summary>Posts a signed request and prints the answer once its DSP signature verifies: the exit code, and the answer when it verified.</summary>
    private static async Task<(int Exit, DuisResponse? Answer)> PostAsync(HttpClient http, Uri baseUri, WebService service, byte[] body, RequestId id,
        ServiceReferenceVariant variant, CommandVariant cv, DuisSecurity security, TextWriter output, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        var target = new Uri(baseUri, service.Path());
        output.WriteLine($"→ {target}  RequestID {id}  SR {variant} CV {cv.ToXsd()}");
        using var response = await http.PostAsync(target, content, cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            output.WriteLine($"← HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
            return (4, null);
        }
        var document = security.Load(answer);
        var verification = security.Verify(document, RemotePartyRole.DspXmlSign);
        if (!verification.IsValid || !DuisResponse.TryRead(document, out var duis, out _))
        {
            output.WriteLine($"← answer does not verify: {verification}");
            output.WriteLine(Encoding.UTF8.GetString(answer));
            return (4, null);
        }
        output.WriteLine($"← {duis.ResponseCode} {ResponseCodes.MeaningOf(duis.ResponseCode)}  (signature verified: {verification.Signer})");
        output.WriteLine(Encoding.UTF8.GetString(answer));
        return (duis.ResponseCode == ResponseCode.I0 || duis.ResponseCode == ResponseCode.I99 ? 0 : 3, duis);
    }

    /// <summary>The file named, else the templates whose name starts with it (more than one is refused: which was meant?).</summary>
    private static List<string> Locate(string input, string? templates)
    {
        if (File.Exists(input)) return [Path.GetFullPath(input)];
        if (templates is null || !Directory.Exists(templates)) return [];
        var matches = Directory.EnumerateFiles(templates)
            .Where(f => Path.GetFileName(f).StartsWith(input, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        // A full file name (less its extension) names one template even when a longer name starts with it.
        var exact = matches.Where(f => string.Equals(Path.GetFileNameWithoutExtension(f), input, StringComparison.OrdinalIgnoreCase)).ToList();
        return exact.Count == 1 ? exact : matches;
    }

    /// <summary>A counter unlikely to repeat: microseconds since the Unix epoch.</summary>
    private static ulong FreshCounter() => (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
}
