using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
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
/// verifies. Exit codes: 0 answered I0/I99, 1 usage, 2 bad input, 3 answered with an error code,
/// 4 no verifiable answer, 5 no key for the User.
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
        var send = new Command("send", "Sign a DUIS request as a User, send it on the right service and print the verified answer, each Response Code with its meaning. " +
            "Exit codes: 0 answered I0 or I99, 1 usage, 2 bad input (no such file, a template prefix matching several, unreadable request), " +
            "3 answered with an error code, 4 no verifiable answer (HTTP error, bad signature), 5 no xmlSign key for the User, " +
            "10 --data is not a data folder, 14 no server answers.")
        {
            input, asUser, to, templates, keepCounter, data,
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
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
            var target = new Uri(baseUri, service.Path());
            output.WriteLine($"Sending {path}");
            output.WriteLine($"→ {target}  RequestID {id}  SR {request.ServiceReferenceVariant} CV {request.CommandVariant.ToXsd()}");
            using var response = await http.PostAsync(target, content, cancellationToken);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                output.WriteLine($"← HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
                return 4;
            }
            var document = security.Load(answer);
            var verification = security.Verify(document, RemotePartyRole.DspXmlSign);
            if (!verification.IsValid || !DuisResponse.TryRead(document, out var duis, out var problem))
            {
                output.WriteLine($"← answer does not verify: {verification}");
                output.WriteLine(Encoding.UTF8.GetString(answer));
                return 4;
            }
            output.WriteLine($"← {duis.ResponseCode} {ResponseCodes.MeaningOf(duis.ResponseCode)}  (signature verified: {verification.Signer})");
            output.WriteLine(Encoding.UTF8.GetString(answer));
            return duis.ResponseCode == ResponseCode.I0 || duis.ResponseCode == ResponseCode.I99 ? 0 : 3;
        });
        return send;
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
