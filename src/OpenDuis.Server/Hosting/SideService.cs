using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// A small stand-alone Kestrel host for a service that runs beside the DUIS web services on its
/// own port (the SMKI Repository, the H17 report download): plain HTTP, loopback unless told
/// otherwise, port 0 for an ephemeral port, single-line console logs.
/// </summary>
public abstract class SideService : IAsyncDisposable
{
    private readonly WebApplication _app;

    protected SideService(WebApplication app, Uri listenAddress)
    {
        _app = app;
        ListenAddress = listenAddress;
        BaseAddress = DuisServer.Reachable(listenAddress);
    }

    /// <summary>Where a client on this machine reaches the service.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The address the service really listens on, as bound.</summary>
    public Uri ListenAddress { get; }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A refusal or failure answered as plain text: the status and a reason a person can read.</summary>
    public static Task PlainText(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message);
    }

    protected static async Task<(WebApplication App, Uri BaseAddress)> StartHostAsync(
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
        return (app, new Uri(bound));
    }
}
