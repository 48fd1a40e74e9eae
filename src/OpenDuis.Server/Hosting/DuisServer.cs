using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Observability;
using OpenDuis.Server.Tls;
using Prometheus;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// The OpenDUIS web server: the three DUIS services, /health, /metrics and, when an outbox is
/// registered, the delivery worker. Started in-process by tests (port 0) and by <c>openduis serve</c>.
/// The caller registers the DUIS parts: an <see cref="IDuisRequestHandler"/> and, for asynchronous
/// delivery, an <see cref="IOutboxStore"/> and <see cref="IResponseEndpoints"/>.
/// </summary>
public sealed class DuisServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>Where a client on this machine reaches the server (the loopback address when it listens on all interfaces).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The address the server really listens on, as bound (e.g. http://0.0.0.0:8079/).</summary>
    public Uri ListenAddress { get; }

    /// <summary>The operator port's address, when <see cref="ServerOptions.OperatorPort"/> is set.</summary>
    public Uri? OperatorAddress { get; private init; }

    private const string OperatorConnection = "openduis.operator";
    public ServerOptions Options { get; }
    public IServiceProvider Services => _app.Services;
    public DuisMetrics Metrics => _app.Services.GetRequiredService<DuisMetrics>();

    private DuisServer(WebApplication app, ServerOptions options, Uri listenAddress)
    {
        _app = app;
        Options = options;
        ListenAddress = listenAddress;
        BaseAddress = Reachable(listenAddress);
    }

    /// <summary>The address a local client uses for a server bound to <paramref name="listenAddress"/>.</summary>
    public static Uri Reachable(Uri listenAddress) =>
        listenAddress.Host == IPAddress.Any.ToString() ? new UriBuilder(listenAddress) { Host = IPAddress.Loopback.ToString() }.Uri : listenAddress;

    public static async Task<DuisServer> StartAsync(ServerOptions options, Action<IServiceCollection> configureServices, CancellationToken cancellationToken = default)
    {
        var tls = options.Profile == ConnectionProfile.Duis
            ? DuisTlsProfile.Load(options.Dccki ?? throw new ArgumentException("The duis profile needs DCCKI files.", nameof(options)))
            : null;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(options.Address, options.Port, listen =>
            {
                if (tls is not null) tls.Apply(listen);
            });
            if (options.OperatorPort is { } operatorPort)
                kestrel.Listen(System.Net.IPAddress.Loopback, operatorPort, listen => listen.Use(next => connection =>
                {
                    connection.Items[OperatorConnection] = true;
                    return next(connection);
                }));
        });

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", options.MinimumLogLevel < LogLevel.Warning ? LogLevel.Warning : options.MinimumLogLevel);
        // Its lines (request starting/finished) are Information and Debug, below the floor above; but while any level of
        // it is on, ASP.NET Core starts an Activity and a log scope for every request. Only a node's logs show scopes.
        if (options.Node is null) builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        if (options.JsonLogs)
            builder.Logging.AddJsonConsole(json => { json.UseUtcTimestamp = true; json.TimestampFormat = "O"; json.IncludeScopes = options.Node is not null; });
        else
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true; console.UseUtcTimestamp = true; console.TimestampFormat = "HH:mm:ss.fff ";
                console.IncludeScopes = options.Node is not null;
            });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Delivery);
        services.AddSingleton<DuisMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        if (tls is not null) services.AddSingleton(tls);
        configureServices(services);
        services.TryAddSingleton(sp => new Core.Transactions.StorageHealth(sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<StorageHealthLog>();
        // With a heartbeat to write (a data folder's database), an idle server notices a database that stops taking writes.
        if (services.Any(d => d.ServiceType == typeof(Core.Transactions.IStorageHeartbeat))) services.AddHostedService<StorageProbe>();

        if (services.Any(d => d.ServiceType == typeof(IOutboxStore)))
        {
            services.TryAddSingleton<IResponseEndpoints, NoResponseEndpoints>();
            services.TryAddSingleton<OutboxSignal>();
            // Each POST is limited to the attempt timeout by the client itself (no cancellation source of the worker's per POST).
            var delivery = services.AddHttpClient<OutboxDeliveryWorker>((sp, c) => c.Timeout = sp.GetRequiredService<OutboxDeliveryOptions>().AttemptTimeout);
            // The factory's handlers log four Information lines per POST; the worker logs what failed itself.
            delivery.RemoveAllLoggers();
            // On the duis profile the DCC delivers over mutual TLS with its DCCKI certificate.
            delivery.ConfigurePrimaryHttpMessageHandler(tls is not null ? tls.CreateDeliveryHandler : DeliveryHandler);
            services.AddSingleton(sp => sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(OutboxDeliveryWorker)));
            services.AddSingleton<OutboxDeliveryWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<OutboxDeliveryWorker>());
        }

        var app = builder.Build();
        if (options.Node is { } node)
        {
            // Each request's lines name the node, so the logs of nodes behind one balancer can be told apart once collected.
            var requests = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OpenDuis.Node");
            app.Use(async (context, next) =>
            {
                using (NodeScope(requests, node.Value)) await next(context);
            });
        }
        if (options.MetricsToken is { } token) app.UseBearerToken("/metrics", token, "openduis-metrics", "--metrics-token");
        if (options.OperatorPort is not null)
        {
            // The operator port serves the operator's pages only: the DUIS services stay behind the duis profile.
            app.Use((context, next) =>
                context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items.ContainsKey(OperatorConnection) == true
                && !ServerOptions.OperatorPaths.Any(p => context.Request.Path.StartsWithSegments(p))
                    ? Results.NotFound().ExecuteAsync(context)
                    : next(context));
        }
        app.MapDuisServices();
        SmWan.DeviceFaultEndpoints.MapDeviceFaults(app);
        SmWan.DeviceEventEndpoints.MapDeviceEvents(app);
        SmWan.CplEndpoints.MapCpl(app);
        foreach (var extension in app.Services.GetServices<IServerEndpoints>()) extension.Map(app);
        // 503 while the database fails, so a load balancer or supervisor sees it too.
        app.MapGet("/health", (TimeProvider clock, Core.Transactions.StorageHealth storage) => storage.Current is { } failure
            ? Results.Json(new HealthReport("failing", options.Profile.ToString().ToLowerInvariant(), clock.GetUtcNow(),
                new DatabaseHealth("failing", failure.Component, failure.Reason, failure.Since), options.Node?.Value), HealthJson.Default.HealthReport, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json(new HealthReport("ok", options.Profile.ToString().ToLowerInvariant(), clock.GetUtcNow(), DatabaseHealth.Ok, options.Node?.Value),
                HealthJson.Default.HealthReport));
        app.MapMetrics("/metrics", app.Services.GetRequiredService<DuisMetrics>().Registry);

        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        // The operator port is the one asked for, else (ephemeral) the plain one beside the duis profile's TLS port.
        var operatorAddress = options.OperatorPort switch
        {
            null => null,
            0 => addresses.FirstOrDefault(a => tls is not null && a.Scheme == Uri.UriSchemeHttp) ?? addresses[^1],
            var port => addresses.First(a => a.Port == port),
        };
        return new DuisServer(app, options, addresses.First(a => a != operatorAddress)) { OperatorAddress = operatorAddress is null ? null : Reachable(operatorAddress) };
    }

    private static readonly Func<ILogger, string, IDisposable?> NodeScope = LoggerMessage.DefineScope<string>("node {Node}");

    /// <summary>Full URL of one of the three services.</summary>
    public Uri ServiceUri(WebService service) => new(BaseAddress, service.Path());

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// How the DCC POSTs to Users' endpoints: HTTP/1.1 connections kept alive, renewed every five minutes (a changed
    /// address is then found); no cookies (a response endpoint has no session, and the container was consulted for every POST).
    /// </summary>
    internal static SocketsHttpHandler DeliveryHandler() => new() { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    private sealed class NoResponseEndpoints : IResponseEndpoints
    {
        public ValueTask<Uri?> FindAsync(Protocol.Domain.Eui user, CancellationToken cancellationToken = default) => ValueTask.FromResult<Uri?>(null);
    }
}

/// <param name="Node">The node's name (<see cref="ServerOptions.Node"/>), when it serves as one of several.</param>
internal sealed record HealthReport(string Status, string Profile, DateTimeOffset Time, DatabaseHealth Database, string? Node = null);

/// <param name="Component">What could not write (the request log, the outbox …), while failing.</param>
/// <param name="Reason">The database's own words, while failing.</param>
internal sealed record DatabaseHealth(string Status, string? Component = null, string? Reason = null, DateTimeOffset? Since = null)
{
    public static readonly DatabaseHealth Ok = new("ok");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
