using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenDuis.Server.Hosting;

/// <summary>Paths answered only with <c>Authorization: Bearer &lt;token&gt;</c> (401 with a challenge otherwise).</summary>
public static class BearerToken
{
    /// <summary>
    /// Guards every request under <paramref name="path"/> as middleware, so it holds for endpoints that are
    /// request pipelines of their own (prometheus-net's /metrics) as well as for route handlers.
    /// </summary>
    /// <param name="option">The option that set the token, named in the refusal.</param>
    public static IApplicationBuilder UseBearerToken(this IApplicationBuilder app, PathString path, string token, string realm, string option)
    {
        // Compared as hashes in fixed time: neither the token's bytes nor its length leak through timing.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(path))
            {
                await next(context);
                return;
            }
            var header = context.Request.Headers.Authorization.ToString();
            var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
            if (given is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected))
            {
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = given is null ? $"Bearer realm=\"{realm}\"" : $"Bearer realm=\"{realm}\", error=\"invalid_token\"";
            await SideService.PlainText(context.Response, StatusCodes.Status401Unauthorized, given is null
                ? $"{path} needs Authorization: Bearer <token>, the token the server was started with ({option})."
                : $"The bearer token is not the one the server was started with ({option}).");
        });
    }
}
