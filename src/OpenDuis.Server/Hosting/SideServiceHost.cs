using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// A small stand-alone Kestrel host for a service that runs beside the DUIS web services on its
/// own port (the SMKI Repository, the H17 report download): plain HTTP, loopback unless told
/// otherwise, port 0 for an ephemeral port, single-line console logs.
/// </summary>
internal static class SideServiceHost
{
    public static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(
        Action<WebApplication> map, IPAddress? address, int port, long? maxRequestBodyBytes,
        LogLevel minimumLogLevel, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (maxRequestBodyBytes is { } max) kestrel.Limits.MaxRequestBodySize = max;
            kestrel.Listen(address ?? IPAddress.Loopback, port);
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.Logging.AddSimpleConsole(console => { console.SingleLine = true; console.UseUtcTimestamp = true; });

        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }
}
