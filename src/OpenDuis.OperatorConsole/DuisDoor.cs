using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;

namespace OpenDuis.OperatorConsole;

/// <summary>
/// How the console reaches this server's own DUIS services, as a User would: on the dev profile the
/// port the console is served on; on the duis profile the TLS port, presenting the User's DCCKI
/// client certificate (R-WS-3), since the console is then served on the plain operator port.
/// </summary>
internal sealed class DuisDoor(IServer server, ServerOptions options, IHttpClientFactory clients)
{
    public Uri BaseAddress(HttpRequest request) => options.Profile == ConnectionProfile.Duis
        ? server.Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)))
            .First(a => a.Scheme == Uri.UriSchemeHttps)
        : new Uri($"{request.Scheme}://{request.Host}");

    /// <summary>A client that sends as <paramref name="user"/>: dispose it after use.</summary>
    public HttpClient ClientFor(Eui user) => options.Profile == ConnectionProfile.Duis && options.Dccki is { } dccki
        ? new HttpClient(DuisTlsProfile.CreateClientHandler(dccki, user))
        : clients.CreateClient(ConsoleEndpoints.SelfClient);

    /// <summary>For each User, a handler with its DCCKI certificate on the duis profile (the conformance runner's); null on dev.</summary>
    public Func<Eui, HttpMessageHandler>? HandlerFor => options.Profile == ConnectionProfile.Duis && options.Dccki is { } dccki
        ? user => DuisTlsProfile.CreateClientHandler(dccki, user)
        : null;
}
