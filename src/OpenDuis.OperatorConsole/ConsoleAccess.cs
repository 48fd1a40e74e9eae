using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace OpenDuis.OperatorConsole;

/// <summary>
/// Who may use the console. It changes how the DCC behaves for every User (faults, the CPL, imports),
/// so, as the admin API: only callers on the loopback interface; the Host must name the loopback
/// interface too (a page elsewhere cannot reach it by rebinding a name to 127.0.0.1); and a form
/// that changes something must come from the console's own pages (Origin, Sec-Fetch-Site), never
/// from another site open in the operator's browser. With a token (the duis profile) the operator
/// must also present it. Kept in one place so a shared host check can replace it.
/// </summary>
public static class ConsoleAccess
{
    public const string CookieName = "openduis-console";

    /// <summary>Null when the caller may go on; else the refusal, with the reason.</summary>
    public static IResult? Check(HttpContext context, ConsoleOptions options)
    {
        // The admin APIs' rule (loopback peer, Host and Origin: no DNS rebinding), then the console's own for changes and its token.
        if (Server.Hosting.LocalOperatorOnly.Refusal(context, "operator console") is { } refusal)
            return Refuse(StatusCodes.Status403Forbidden, refusal);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !IsSameOrigin(context.Request))
            return Refuse(StatusCodes.Status403Forbidden, "A change through the operator console must be made from its own pages (the request came from another origin).");
        if (options.Token is { } token && !Presents(context.Request, token) && !context.Request.Path.StartsWithSegments(ConsoleOptions.Root + "/sign-in"))
            return Results.Redirect(ConsoleOptions.Root + "/sign-in?then=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        return null;
    }

    private static bool IsSameOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site && site is not ("same-origin" or "none"))
            return false;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null") return origin.Length == 0;
        return Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The token as the cookie set at sign-in or a Bearer header, compared in constant time.</summary>
    public static bool Presents(HttpRequest request, string token)
    {
        var given = request.Cookies[CookieName];
        if (given is null && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            given = auth["Bearer ".Length..].Trim();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The operator token of a data folder: created on first use, owner-only (0600).</summary>
    public static string EnsureToken(string dataFolder)
    {
        var path = TokenPath(dataFolder);
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new StreamWriter(path, Encoding.ASCII, options)) file.WriteLine(token);
        return token;
    }

    public static string TokenPath(string dataFolder) => Path.Combine(dataFolder, "console-token");

    private static IResult Refuse(int status, string reason) => Results.Text(reason + "\n", "text/plain; charset=utf-8", statusCode: status);
}
