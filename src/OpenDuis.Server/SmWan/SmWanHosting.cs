using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Network;
using OpenDuis.Network.Execution;
using OpenDuis.Network.Gbcs;
using OpenDuis.Network.Smets1;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.SmWan;

// Beside the builder it extends, so one using brings every feature.
namespace OpenDuis.Server.Hosting;

public static class SmWanHosting
{
    /// <summary>
    /// The emulated Smart Metering WAN: accepted device requests are answered by emulated devices through the
    /// outbox (<see cref="EmulatedSmWan"/>), behind <see cref="SmWanExecution"/> (Future Dated (DSP), sequencing,
    /// injected faults) as the <see cref="IDeviceNetwork"/>, wrapped as <see cref="RequestPathOptions.NetworkWrappers"/>
    /// say. With <see cref="SmWanOptions.State"/> the faults and held requests are read back at start, the Devices'
    /// states are kept with the responses that report them (and read back by whichever node runs a Device next), and with a
    /// <see cref="DurableRequestLog"/> the commands acknowledged before a restart are executed again.
    /// </summary>
    public static OpenDuisBuilder AddSmWan(this OpenDuisBuilder builder, Action<SmWanOptions>? configure = null)
    {
        var services = builder.Services;
        var options = services.AddOptions<SmWanOptions>();
        if (configure is not null) options.Configure(configure);
        // The SMETS1 Service Provider signs its responses and S1SP Alerts with its own key where the key folder
        // has one (the demo key set does), else with the DSP's.
        services.TryAddSingleton(sp => new Smets1ServiceProvider(
            OpenDuisServices.Of(sp).Keys.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui) ?? sp.GetRequiredService<SigningKey>()));
        // GBCS security on the SM WAN (R-GBCS-1..3): the Users' and the ACB's certificates and keys from the key store,
        // the Devices' from the Device keys when added, else made in memory.
        services.TryAddSingleton<IDeviceCredentials>(sp => (IDeviceCredentials?)sp.GetService<InventoryDeviceKeys>() ?? new GeneratedDeviceCredentials());
        services.TryAddSingleton(sp => new DeviceGbcsSecurity(GbcsKeyring.From(OpenDuisServices.Of(sp).Keys), sp.GetRequiredService<IDeviceCredentials>(),
            sp.GetRequiredService<SigningKey>().Certificate.Subject));
        // The alerts the devices' responses give rise to (N999, N49–N52).
        services.TryAddSingleton(sp =>
        {
            var store = sp.GetRequiredService<ISmiStore>();
            var sink = sp.GetRequiredService<IDccAlertSink>();
            return new DeviceResponseAlerts(sink, sp.GetRequiredService<IUserDuisVersions>(), OpenDuisServices.Of(sp).Schemas,
                new FirmwareVersionAlerts(store, sink), new ServiceResponseAlerts(store, sink),
                id => sp.GetService<DeviceFaults>()?.Find(id) is { Mode: DeviceFaultMode.Unreachable or DeviceFaultMode.NoResponse });
        });
        services.TryAddSingleton(sp => new EmulatedSmWan(Of(sp).Network, sp.GetRequiredService<IInventoryStore>(), sp.GetRequiredService<IOutboxStore>(),
            sp.GetRequiredService<SigningKey>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ICommandOutcomePolicy>(), sp.GetService<ILogger<EmulatedSmWan>>(),
            sp.GetService<DeviceResponseAlerts>(), sp.GetRequiredService<Smets1ServiceProvider>(), sp.GetRequiredService<DeviceGbcsSecurity>(),
            sp.GetService<Core.Transactions.StorageHealth>(), Of(sp).State as IDeviceStateStore, OpenDuisServices.Of(sp).UnitOfWork, Of(sp).IssuedPreCommands));
        AddExecution(services);
        services.AddHostedService(sp => new SmWanStateRestore(sp.GetRequiredService<DeviceFaults>(), sp.GetRequiredService<SmWanExecution>(),
            sp.GetRequiredService<ILogger<SmWanStateRestore>>()));
        services.AddHostedService(sp => new SmWanExecutionHost(sp.GetRequiredService<SmWanExecution>()));
        services.AddHostedService(sp => new EmulatedSmWanHost(sp.GetRequiredService<EmulatedSmWan>(), sp.GetService<IRequestLog>() is DurableRequestLog { IsShared: true }));
        // The commands acknowledged before a restart and not yet ended are executed again (or fail with their alert).
        services.AddHostedService(sp => new AcceptedCommandRecovery(sp.GetService<IRequestLog>() as DurableRequestLog, sp.GetRequiredService<IRequestsInProcess>(),
            sp.GetRequiredService<SmWanExecution>(), sp.GetRequiredService<ILogger<AcceptedCommandRecovery>>()));
        return builder;
    }

    private static SmWanOptions Of(IServiceProvider services) => services.GetRequiredService<IOptions<SmWanOptions>>().Value;

    /// <summary>Future Dated (DSP), sequencing and injected faults in front of the emulated devices, and the events and firmware distribution beside them.</summary>
    private static void AddExecution(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new DeviceFaults(Of(sp).State));
        services.TryAddSingleton<ICommandOutcomePolicy>(sp => sp.GetRequiredService<DeviceFaults>());
        // Its DCC Alerts go through the one sink; the SMETS1 Service Provider signs its S1SP Alerts with its own key.
        services.TryAddSingleton(sp => new SmWanExecution(sp.GetRequiredService<EmulatedSmWan>(), sp.GetRequiredService<DeviceFaults>(),
            sp.GetRequiredService<IDccAlertSink>(), sp.GetRequiredService<ISmiStore>(), sp.GetRequiredService<Smets1ServiceProvider>().Key,
            sp.GetRequiredService<TimeProvider>(), Of(sp).Execution, sp.GetService<IRequestLog>(), sp.GetService<ILogger<SmWanExecution>>()));
        services.TryAddSingleton<IDeviceNetwork>(sp => sp.GetRequiredService<IOptions<RequestPathOptions>>().Value.Wrap(sp, sp.GetRequiredService<SmWanExecution>()));
        // Device events (admin API /admin/devices/{eui}/events) raise their DCC Alerts through the same sink; a SMETS1
        // Device's own alerts (device-alert) are carried as the SMETS1 Service Provider carries them.
        services.TryAddSingleton(sp => new Smets1DeviceAlerts(sp.GetRequiredService<Smets1ServiceProvider>(), sp.GetRequiredService<IOutboxStore>(),
            sp.GetRequiredService<SigningKey>(), sp.GetRequiredService<IUserDuisVersions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ResponseCounter>()));
        services.TryAddSingleton(sp => new Network.Events.DeviceEvents(sp.GetRequiredService<ISmiStore>(), sp.GetRequiredService<IDccAlertSink>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<EmulatedSmWan>(), sp.GetRequiredService<DeviceFaults>(), sp.GetService<Smets1DeviceAlerts>()));
        services.TryAddSingleton(sp => new Network.Events.FirmwareDistribution(sp.GetRequiredService<ISmiStore>(), sp.GetRequiredService<IDccAlertSink>(),
            sp.GetRequiredService<DeviceFaults>()));
        services.AddNonDeviceService(sp => sp.GetRequiredService<Network.Events.FirmwareDistribution>());
    }

    /// <summary>
    /// Runs the emulated SM WAN's worker with the server, and stops it first on shutdown; a node sharing its database with
    /// others first lets the devices about to answer do so, since what it leaves is executed again by another node.
    /// </summary>
    private sealed class EmulatedSmWanHost(EmulatedSmWan network, bool shared) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            network.Start();
            return Task.CompletedTask;
        }

        /// <summary>How long before a graceful stop a device about to answer is waited for (later ones go to the node that takes them over).</summary>
        public static readonly TimeSpan Drain = TimeSpan.FromSeconds(3);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (shared) await network.DrainAsync(Drain, cancellationToken);
            await network.DisposeAsync();
        }
    }

    /// <summary>Stops the execution layer's timeline with the server.</summary>
    private sealed class SmWanExecutionHost(SmWanExecution execution) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await execution.DisposeAsync();
    }
}

/// <summary>Reads the kept faults and held Future Dated (DSP) requests back before the server takes requests (issue 6).</summary>
internal sealed partial class SmWanStateRestore(DeviceFaults faults, SmWanExecution execution, ILogger<SmWanStateRestore> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kept = await faults.LoadAsync(cancellationToken);
        var held = await execution.RestoreHeldAsync(cancellationToken);
        if (kept + held > 0) LogRestored(logger, kept, held);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Emulated SM WAN: {Faults} device fault(s) and {Held} held Future Dated (DSP) request(s) kept from before the restart")]
    private static partial void LogRestored(ILogger logger, int faults, int held);
}
