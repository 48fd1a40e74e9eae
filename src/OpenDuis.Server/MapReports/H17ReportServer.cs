using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.MapReports;

using OpenDuis.Server.Hosting;

namespace OpenDuis.Server.MapReports;

/// <summary>
/// The H17 report download (the DCC's file-sharing platform, H17.6): <c>GET /reports/h17/{id}</c>
/// with <c>Authorization: Bearer &lt;download key&gt;</c>. MAPs and Manufacturers need not be Users
/// with a DCC Gateway Connection (a Specimen Enabling Services Agreement signatory is eligible), so
/// the caller is identified by the download key the DCC issued to it (<c>openduis report key</c>),
/// not by a DCCKI certificate. No or an unknown key: 401; another recipient's report: 404, word for word
/// the answer for a report that does not exist.
/// </summary>
public static class H17ReportEndpoints
{
    public const string Path = "/reports/h17/{id:long}";

    public static IEndpointRouteBuilder MapH17Reports(this IEndpointRouteBuilder app, IH17ReportStore store)
    {
        app.MapGet(Path, (HttpContext context, long id) => DownloadAsync(context, store, id));
        return app;
    }

    private static async Task DownloadAsync(HttpContext context, IH17ReportStore store, long id)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= "Bearer ".Length)
        {
            response.Headers.WWWAuthenticate = "Bearer realm=\"openduis-h17\"";
            await SideService.PlainText(response, StatusCodes.Status401Unauthorized, "An H17 report is downloaded with its recipient's download key: Authorization: Bearer <key>.");
            return;
        }
        var caller = await store.FindDownloadKeyAsync(H17DownloadKeys.Hash(authorization["Bearer ".Length..].Trim()), context.RequestAborted);
        if (caller is null)
        {
            response.Headers.WWWAuthenticate = "Bearer realm=\"openduis-h17\", error=\"invalid_token\"";
            await SideService.PlainText(response, StatusCodes.Status401Unauthorized, "The download key is not one the DCC issued.");
            return;
        }
        var report = await store.FindRequestAsync(id, context.RequestAborted);
        // H17.6: a report goes only to its recipient. "Not yours" answers exactly as "no such report",
        // so a key-holder cannot learn which report ids exist (or how many reports others requested).
        if (report is null || H17Reports.CheckDownload(report, caller.Value) is not null)
        {
            await SideService.PlainText(response, StatusCodes.Status404NotFound,
                $"There is no H17 report {id} for this download key (H17.6: a report is provided only to the Manufacturer or Meter Asset Provider that requested it).");
            return;
        }
        if (report.File is not { } file || !File.Exists(file))
        {
            await SideService.PlainText(response, StatusCodes.Status404NotFound, $"Report {id} has not been generated yet.");
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"h17-{id}.csv\"";
        await response.SendFileAsync(file, context.RequestAborted);
    }
}

/// <summary>A stand-alone host for the H17 report download, beside the DUIS services; port 0 binds an ephemeral port.</summary>
public sealed class H17ReportServer : SideService
{
    public const int DefaultPort = 8084;

    private H17ReportServer(WebApplication app, Uri baseAddress) : base(app, baseAddress) { }

    public static async Task<H17ReportServer> StartAsync(
        IH17ReportStore store, IPAddress? address = null, int port = DefaultPort,
        LogLevel minimumLogLevel = LogLevel.Warning, CancellationToken cancellationToken = default)
    {
        var (app, baseAddress) = await StartHostAsync(
            a => a.MapH17Reports(store), address, port, null, minimumLogLevel, cancellationToken);
        return new H17ReportServer(app, baseAddress);
    }
}
