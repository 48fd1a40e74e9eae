using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenDuis.OperatorConsole.Traffic;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;

namespace OpenDuis.OperatorConsole;

public static class ConsoleServices
{
    /// <summary>
    /// The operator console beside OpenDUIS: every request, answer, Service Response and DCC Alert is recorded for
    /// the Traffic page on its way through (around the DUIS door and the outbox, <see cref="RequestPathOptions"/>),
    /// and the console's pages are served under <see cref="ConsoleOptions.Root"/>.
    /// </summary>
    public static OpenDuisBuilder AddOperatorConsole(this OpenDuisBuilder builder, ConsoleOptions options)
    {
        var services = builder.Services;
        services.TryAddSingleton(_ => new TrafficLog(TimeProvider.System));
        services.Configure<RequestPathOptions>(o =>
        {
            o.OutboxWrappers.Add((sp, outbox) => new RecordingOutboxStore(outbox, sp.GetRequiredService<TrafficLog>()));
            o.HandlerWrappers.Add((sp, door) => new RecordingRequestHandler(door, sp.GetRequiredService<TrafficLog>()));
        });
        services.TryAddSingleton(options);
        services.TryAddSingleton<ConsoleContext>();
        services.TryAddSingleton<Health.MetricsHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.MetricsHistory>());
        services.TryAddSingleton<Inventory.ImportJobs>();
        services.TryAddSingleton<Conformance.ConformanceRuns>();
        services.AddRazorComponents();
        // The console keeps no protected state (no antiforgery tokens, no auth cookies of the framework's):
        // keys in memory, rather than a key ring written beside the user's home.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddHttpClient(ConsoleEndpoints.SelfClient);
        services.TryAddSingleton<DuisDoor>();
        services.AddSingleton<IServerEndpoints, ConsoleEndpoints>();
        return builder;
    }
}
