using System.Net;
using Microsoft.AspNetCore.Http;

namespace OpenDuis.Server.SmWan;

/// <summary>
/// What the operator's admin APIs (faults, device events, CPL changes) answer alike: they change how
/// the DCC behaves for every User, so they answer only callers on the loopback interface (403
/// otherwise), and refuse bad input with 400 and the reason as plain text.
/// </summary>
internal static class AdminAnswers
{
    /// <summary>Null for a caller on the loopback interface, else the 403 naming <paramref name="api"/>.</summary>
    public static IResult? LoopbackOnly(HttpContext context, string api) =>
        context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip) ? null
            : Results.Text($"The {api} admin API answers only on the loopback interface.", "text/plain", statusCode: StatusCodes.Status403Forbidden);

    public static IResult BadRequest(string reason) => Results.Text(reason, "text/plain", statusCode: StatusCodes.Status400BadRequest);
}
