using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;

namespace OpenDuis.OperatorConsole;

public static class ConsoleServices
{
    /// <summary>
    /// <see cref="OpenDuisServices.AddOpenDuis"/> with the operator console beside it: every request,
    /// answer, Service Response and DCC Alert is recorded for the Traffic page on its way through
    /// (the DUIS door and the outbox), and the console's pages are served under <see cref="ConsoleOptions.Root"/>.
    /// </summary>
    public static IServiceCollection AddOpenDuisWithConsole(this IServiceCollection services, OpenDuisOptions parts, ConsoleOptions options)
    {
        var inspection = Core.Outbox.DelegatingOutboxStore.Find<Core.Outbox.IOutboxInspection>(parts.Outbox);
        var log = new TrafficLog(TimeProvider.System);
        services.AddSingleton(log);
        parts = parts with { Outbox = new RecordingOutboxStore(parts.Outbox, log) };
        services.AddOpenDuis(parts);

        services.Configure<RequestPathOptions>(o => o.HandlerWrappers.Add((_, door) => new RecordingRequestHandler(door, log)));

        services.AddSingleton(new ConsoleContext(parts, options, inspection));
        services.AddSingleton<Health.MetricsHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.MetricsHistory>());
        services.AddSingleton<Inventory.ImportJobs>();
        services.AddSingleton<Conformance.ConformanceRuns>();
        services.AddRazorComponents();
        // The console keeps no protected state (no antiforgery tokens, no auth cookies of the framework's):
        // keys in memory, rather than a key ring written beside the user's home.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddHttpClient(ConsoleEndpoints.SelfClient);
        services.AddSingleton<DuisDoor>();
        services.AddSingleton<IServerEndpoints, ConsoleEndpoints>();
        return services;
    }
}
