using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.SmkiRepository;

using OpenDuis.Server.Hosting;

namespace OpenDuis.Server.SmkiRepository;

/// <summary>
/// The SMKI Repository interface as DCC Boxed serves it: <c>POST /services/certificatesearch</c> and
/// <c>POST /services/retrievecertificate</c>, <c>application/xml</c> both ways, 401 for unusable
/// parameters and 402 for nothing found (what DCC Boxed clients such as
/// <c>@smartdcc/dccboxed-keystore</c> expect). The <c>apikey</c> query parameter those clients send is ignored.
/// </summary>
public static class SmkiRepositoryEndpoints
{
    public const string SearchPath = "/services/certificatesearch";
    public const string RetrievePath = "/services/retrievecertificate";

    /// <summary>Search and retrieval requests are a few hundred bytes.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapSmkiRepository(this IEndpointRouteBuilder app, SmkiRepositoryService repository)
    {
        app.MapPost(SearchPath, (HttpContext context) => AnswerAsync(context, repository.Search));
        app.MapPost(RetrievePath, (HttpContext context) => AnswerAsync(context, repository.Retrieve));
        return app;
    }

    private static async Task AnswerAsync(HttpContext context, Func<ReadOnlyMemory<byte>, SmkiRepositoryAnswer> handle)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.ContentType is not { } type || !type.Split(';')[0].Trim().EndsWith("/xml", StringComparison.OrdinalIgnoreCase))
        {
            await SideService.PlainText(response, StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be application/xml, not '{request.ContentType}'.");
            return;
        }
        if (request.ContentLength > MaxRequestBytes)
        {
            await SideService.PlainText(response, StatusCodes.Status413PayloadTooLarge, $"Request body over {MaxRequestBytes} bytes.");
            return;
        }
        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (body.Length + read > MaxRequestBytes)
            {
                await SideService.PlainText(response, StatusCodes.Status413PayloadTooLarge, $"Request body over {MaxRequestBytes} bytes.");
                return;
            }
            body.Write(buffer, 0, read);
        }

        var answer = handle(body.GetBuffer().AsMemory(0, (int)body.Length));
        if (answer.Status != SmkiRepositoryAnswer.Ok)
        {
            await SideService.PlainText(response, answer.Status, answer.Problem ?? "");
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/xml; charset=utf-8";
        await response.WriteAsync(answer.Xml!, context.RequestAborted);
    }
}

/// <summary>
/// A stand-alone host for the SMKI Repository interface, beside the DUIS services: port 8083 as on
/// DCC Boxed, plain HTTP on loopback unless told otherwise; port 0 binds an ephemeral port.
/// </summary>
public sealed class SmkiRepositoryServer : SideService
{
    public const int DefaultPort = 8083;

    private SmkiRepositoryServer(WebApplication app, Uri baseAddress) : base(app, baseAddress) { }

    public static async Task<SmkiRepositoryServer> StartAsync(
        SmkiRepositoryService repository, IPAddress? address = null, int port = DefaultPort,
        LogLevel minimumLogLevel = LogLevel.Warning, CancellationToken cancellationToken = default)
    {
        var (app, baseAddress) = await StartHostAsync(
            a => a.MapSmkiRepository(repository), address, port, SmkiRepositoryEndpoints.MaxRequestBytes, minimumLogLevel, cancellationToken);
        return new SmkiRepositoryServer(app, baseAddress);
    }
}
