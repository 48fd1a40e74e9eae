using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Requests;
using OpenDuis.Network;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Server.SmWan;

public static class SmWanExecutionHosting
{
    /// <summary>
    /// Puts <see cref="SmWanExecution"/> (Future Dated (DSP), sequencing, injected faults) in front of
    /// the registered <see cref="EmulatedSmWan"/> as the <see cref="IDeviceNetwork"/>, with
    /// <see cref="DeviceFaults"/> holding slow devices' commands in its queue. Options default unless
    /// a <see cref="SmWanExecutionOptions"/> is registered.
    /// </summary>
    /// <remarks>Its DCC Alerts go through the registered <see cref="IDccAlertSink"/> (<see cref="Hosting.OpenDuisServices.AddOpenDuis"/> registers the one sink).</remarks>
    public static IServiceCollection AddSmWanExecution(this IServiceCollection services, ISmiStore store, SigningKey dspKey)
    {
        services.TryAddSingleton<DeviceFaults>();
        services.TryAddSingleton<ICommandOutcomePolicy>(sp => sp.GetRequiredService<DeviceFaults>());
        services.TryAddSingleton(new SmWanExecutionOptions());
        // The emulated SMETS1 Service Provider signs its S1SP Alerts with its own key (the DSP's where the key folder has none).
        services.AddSingleton(sp => new SmWanExecution(sp.GetRequiredService<EmulatedSmWan>(), sp.GetRequiredService<DeviceFaults>(),
            sp.GetRequiredService<IDccAlertSink>(), store, sp.GetService<Network.Smets1.Smets1ServiceProvider>()?.Key ?? dspKey, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SmWanExecutionOptions>(), sp.GetService<IRequestLog>(), sp.GetService<ILogger<SmWanExecution>>()));
        services.TryAddSingleton<IDeviceNetwork>(sp => sp.GetRequiredService<IOptions<Hosting.RequestPathOptions>>().Value.Wrap(sp, sp.GetRequiredService<SmWanExecution>()));
        // Device events (admin API /admin/devices/{eui}/events) raise their DCC Alerts through the same sink.
        // A SMETS1 Device's own alerts (device-alert) are carried as the SMETS1 Service Provider carries them, DSP-signed.
        services.TryAddSingleton(sp => new Network.Smets1.Smets1DeviceAlerts(sp.GetService<Network.Smets1.Smets1ServiceProvider>() ?? new Network.Smets1.Smets1ServiceProvider(dspKey),
            sp.GetRequiredService<OpenDuis.Core.Outbox.IOutboxStore>(), dspKey, new PartyStoreDuisVersions(store), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new Network.Events.DeviceEvents(store, sp.GetRequiredService<IDccAlertSink>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<EmulatedSmWan>(), sp.GetRequiredService<DeviceFaults>(), sp.GetService<Network.Smets1.Smets1DeviceAlerts>()));
        services.TryAddSingleton(sp => new Network.Events.FirmwareDistribution(store, sp.GetRequiredService<IDccAlertSink>(), sp.GetRequiredService<DeviceFaults>()));
        services.AddSingleton<Core.Requests.INonDeviceService>(sp => sp.GetRequiredService<Network.Events.FirmwareDistribution>());
        services.AddHostedService(sp => new SmWanExecutionHost(sp.GetRequiredService<SmWanExecution>()));
        return services;
    }
}

/// <summary>Stops the execution layer's timeline with the server.</summary>
internal sealed class SmWanExecutionHost(SmWanExecution execution) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await execution.DisposeAsync();
}
