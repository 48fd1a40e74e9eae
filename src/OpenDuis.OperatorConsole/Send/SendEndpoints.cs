using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Core.Demo;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.OperatorConsole.Send;

/// <summary>What the Send page did with one request: the Request ID it went under, and the door's answer or why it was not sent.</summary>
public sealed record SendOutcome(RequestId? RequestId, int? HttpStatus, string? ResponseCode, string? Answer, string? Problem, long After);

/// <summary>
/// The Send page: a request from an RTDS template or pasted XML, re-addressed from the chosen demo
/// User with a fresh counter, signed with that User's xmlSign key and POSTed to this server's own
/// DUIS service over HTTP — the same door, rules and answers as any other User's request.
/// </summary>
internal static class SendEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/send", () => ConsoleEndpoints.Page<SendPage>());
        ui.MapPost("/send", SendAsync);
    }

    /// <summary>The template files of the folder, by file name (the form names one; nothing outside the folder is read).</summary>
    public static IReadOnlyList<string> Templates(ConsoleOptions options) =>
        options.TemplatesFolder is { } folder && Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.XML", new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive })
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The demo Users the server holds an xmlSign key for: whom the console can send as.</summary>
    public static IReadOnlyList<Eui> Senders(ConsoleContext context) =>
        DemoEnvironment.Users.Select(u => u.Id).Where(u => context.Keys.FindXmlSigningKey(u) is not null).Distinct().ToList();

    private static async Task<IResult> SendAsync(HttpContext http, ConsoleContext context, DuisDoor door, TrafficLog log)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var template = form["template"].ToString();
        var pasted = form["xml"].ToString();
        var userText = form["user"].ToString();
        IResult Show(SendOutcome outcome) => ConsoleEndpoints.Page<SendPage>(new()
        {
            ["Outcome"] = outcome, ["Template"] = template, ["Xml"] = pasted, ["User"] = userText,
        });
        SendOutcome Problem(string reason) => new(null, null, null, null, reason, log.Last);

        if (!Eui.TryParse(userText, out var user))
            return Show(Problem($"'{userText}' is not a User ID (an EUI-64, e.g. 90-B3-D5-1F-30-01-00-00)."));
        if (context.Keys.FindXmlSigningKey(user) is not { } key)
            return Show(Problem($"The server holds no xmlSign key for User {user}: the console can send only as a User whose key is in the data folder."));

        byte[] bytes;
        if (pasted.Trim().Length > 0) bytes = System.Text.Encoding.UTF8.GetBytes(pasted);
        else if (template.Length > 0 && Templates(context.Options).Contains(template))
            bytes = await File.ReadAllBytesAsync(Path.Combine(context.Options.TemplatesFolder!, template), http.RequestAborted);
        else
            return Show(Problem(template.Length > 0 ? $"There is no template '{template}' in {context.Options.TemplatesFolder}." : "Choose a template or paste a request's XML."));

        var security = new DuisSecurity(context.Keys);
        DuisRequest request;
        try
        {
            request = DuisRequest.Read(security.Load(bytes));
        }
        catch (Exception e) when (e is XmlRefusedException or DuisFormatException)
        {
            return Show(Problem($"That is not a DUIS request: {e.Message}"));
        }
        // Microseconds since the Unix epoch: a counter no earlier request of this User has used (E55).
        var id = request.RequestId with { Originator = user, Counter = (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10 };
        var body = security.SignAndSerialise(request.WithRequestId(id).ToXmlDocument(), key);

        var after = log.Last;
        var target = new Uri(door.BaseAddress(http.Request), request.CommandVariant.WebService().Path());
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        try
        {
            using var client = door.ClientFor(user);
            using var response = await client.PostAsync(target, content, http.RequestAborted);
            var answer = await response.Content.ReadAsStringAsync(http.RequestAborted);
            string? code = null;
            if (response.IsSuccessStatusCode)
                code = TrafficHeader.Read(System.Text.Encoding.UTF8.GetBytes(answer), TrafficKind.Acknowledgement, null).ResponseCode;
            return Show(new SendOutcome(id, (int)response.StatusCode, code, answer, null, after));
        }
        catch (HttpRequestException e)
        {
            return Show(Problem($"The DUIS service at {target} could not be reached: {e.Message}"));
        }
    }
}
