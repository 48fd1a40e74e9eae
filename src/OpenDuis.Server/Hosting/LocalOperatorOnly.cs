using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// The rule for what only the operator on the machine may use (the admin APIs: faults, device events,
/// CPL changes; a web console): the connection comes from the loopback interface, the request is
/// addressed to a loopback host, and a browser's Origin, when sent, is a loopback origin. A web page
/// the operator opens elsewhere can make the browser send requests to 127.0.0.1 under a name it
/// controls (DNS rebinding): such a request arrives from loopback but carries the foreign name in
/// Host (and Origin), and is refused with 403 and the reason. Apply it with
/// <see cref="RequireLocalOperator{TBuilder}"/> on an endpoint or a route group (a
/// web console's pages and API as much as the admin APIs), or ask <see cref="Refusal"/> directly.
/// </summary>
public static class LocalOperatorOnly
{
    /// <summary>Refuses, before the endpoint runs, a request <see cref="Refusal"/> finds fault with; <paramref name="what"/> names the API in the reason.</summary>
    public static TBuilder RequireLocalOperator<TBuilder>(this TBuilder builder, string what) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            Refusal(context.HttpContext, what) is { } reason
                ? Results.Text(reason, "text/plain", statusCode: StatusCodes.Status403Forbidden)
                : await next(context));

    /// <summary>Why the request may not reach <paramref name="what"/>, or null when it comes from the operator on this machine.</summary>
    public static string? Refusal(HttpContext context, string what)
    {
        if (context.Connection.RemoteIpAddress is not { } ip || !IPAddress.IsLoopback(ip))
            return $"The {what} answers only on the loopback interface.";
        var host = context.Request.Host;
        if (!host.HasValue || !IsLoopbackName(host.Host))
            return $"The {what} answers only requests addressed to a loopback host (127.0.0.1, [::1] or localhost); this one is addressed to '{host.Value}', as a web page reaching it by DNS rebinding would be.";
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && IsLoopbackName(uri.Host)))
            return $"The {what} answers only pages served from a loopback host; this request comes from a page of '{origin}'.";
        return null;
    }

    private static bool IsLoopbackName(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(literal, out var address) && IPAddress.IsLoopback(address);
    }
}
