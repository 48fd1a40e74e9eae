using Microsoft.AspNetCore.Routing;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// Endpoints a feature adds beside the DUIS services on the same port (the operator console): each
/// registered implementation maps its routes once the host is built.
/// </summary>
public interface IServerEndpoints
{
    void Map(IEndpointRouteBuilder app);
}
