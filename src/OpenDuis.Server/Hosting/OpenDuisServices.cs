using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Network;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Requests;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// What a running OpenDUIS is composed of: keys (the Users' certificates and the DSP's signing key), the
/// stores, and the optional parts that switch features on (access control, the emulated SM WAN, DCC
/// Schedules…). Set what you have; <see cref="OpenDuisServices.AddOpenDuis"/> registers the rest with
/// <c>TryAdd…</c>, and what wraps the request path is configured through <see cref="RequestPathOptions"/>.
/// </summary>
public sealed record OpenDuisOptions
{
    /// <summary>The Users' certificates and the DSP's keys (<see cref="DspKey"/> defaults to its xmlSign key).</summary>
    public required KeyStore Keys { get; init; }

    /// <summary>The Smart Metering Inventory, Parties, Users and Registration Data.</summary>
    public required ISmiStore Store { get; init; }

    /// <summary>Where Service Responses and DCC Alerts wait for delivery.</summary>
    public required IOutboxStore Outbox { get; init; }

    /// <summary>A request admission of the caller's own; when absent, the access-control pipeline over <see cref="AccessSnapshot"/>.</summary>
    public IRequestAdmission? Admission { get; init; }

    /// <summary>The DSP xmlSign key (role 0x89) answers are signed with; by default the key store's preferred one.</summary>
    public SigningKey? DspKey { get; init; }

    /// <summary>The official DUIS XSDs (R-MSG-4); without them requests are checked structurally only.</summary>
    public OpenDuis.Protocol.Schema.DuisSchemas? Schemas { get; init; }

    /// <summary>How long a device request's ID stays "in process" (E55) when no response ends it.</summary>
    public TimeSpan? DeviceRequestHold { get; init; }

    /// <summary>The inventory, Users and Registration Data access control reads (e.g. <see cref="SmiCacheAccessSnapshot"/>): with it, and no <see cref="Admission"/>, every request goes through <see cref="AccessPipeline"/>, whose request log also answers the door's E55 check. Without either, everything the door lets through is admitted.</summary>
    public IAccessSnapshot? AccessSnapshot { get; init; }

    /// <summary>The DCC Schedules (5.1, 5.2, 5.3 and the executor; with <see cref="AccessSnapshot"/>); without them 5.x requests are acknowledged and change nothing.</summary>
    public Core.Schedules.IScheduleStore? Schedules { get; init; }

    /// <summary>The emulated Smart Metering WAN's settings: with them, accepted device requests are answered by emulated devices through the outbox (<see cref="EmulatedSmWan"/>); without, they are only acknowledged.</summary>
    public EmulatedSmWanOptions? Network { get; init; }

    /// <summary>The request log to use (e.g. a <see cref="DurableRequestLog"/> that survives restarts); in memory when absent.</summary>
    public IRequestLog? RequestLog { get; init; }

    /// <summary>The Users' and the DCC's Anomaly Detection Thresholds device requests are counted against (N46, N47).</summary>
    public IReadOnlyList<AnomalyThreshold>? AnomalyThresholds { get; init; }

    /// <summary>The transaction across the stores of <see cref="Store"/>'s database (SMI, schedules, outbox): each inventory request's change, the DCC Alerts it raises and the schedules it ends commit together (R-WS-2). Without it each is written in a transaction of its own.</summary>
    public Core.Transactions.IUnitOfWork? UnitOfWork { get; init; }

    /// <summary>Where the emulated SM WAN keeps injected faults and held Future Dated (DSP) requests across a restart (with <see cref="Network"/>); without it they last as long as the process.</summary>
    public ISmWanExecutionStore? SmWanState { get; init; }

    /// <summary>The emulated Devices' own keys and Device Certificates: registered as <see cref="Gbcs.Keys.IDeviceCredentials"/> for the emulated network, and issuing keys to Devices pre-notified (12.2).</summary>
    public InventoryDeviceKeys? DeviceKeys { get; init; }

    /// <summary>The inventory's change feed: with it (and a <see cref="SmiCacheAccessSnapshot"/>), writes by other processes reach the cache within <see cref="SmiChangeFollower.PollInterval"/>.</summary>
    public SmiChangeFollowing? Changes { get; init; }

    /// <summary>Whether the database takes writes, as the request log and the outbox find (shared with what wrote through it before the server started); without it the server makes its own.</summary>
    public Core.Transactions.StorageHealth? Health { get; init; }
}

public static class OpenDuisServices
{
    /// <summary>How long finished requests stay in the request log (sequencing looks back this far: E40, E41, E46).</summary>
    public static readonly TimeSpan RequestLogRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a finished request that no later request can refer to (not sequenced, no Command for
    /// Local Delivery) stays in the request log's memory: at 3,000 requests/s a day of them is about 40 GB.
    /// </summary>
    public static readonly TimeSpan UnlinkedRequestRetention = TimeSpan.FromMinutes(15);

    /// <summary>How long a device request's ID stays in process (E55) when no response ends it, unless the parts say otherwise.</summary>
    public static readonly TimeSpan DefaultDeviceRequestHold = TimeSpan.FromMinutes(5);

    /// <summary>Registers the DUIS request path and asynchronous delivery for <see cref="DuisServer.StartAsync"/>.</summary>
    public static IServiceCollection AddOpenDuis(this IServiceCollection services, OpenDuisOptions parts)
    {
        // Whatever is enqueued through the parts wakes this process's delivery worker once committed.
        var signal = new OutboxSignal();
        var outboxAdmin = DelegatingOutboxStore.Find<IOutboxAdmin>(parts.Outbox);
        services.AddSingleton(signal);
        parts = parts with { Outbox = new SignallingOutboxStore(parts.Outbox, signal) };
        var dspKey = parts.DspKey ?? parts.Keys.FindXmlSigningKey(DemoKeySet.DspEui)
            ?? throw new InvalidOperationException($"The key store has no DSP xmlSign key (role 0x89) for {DemoKeySet.DspEui}: every answer must be signed with it (R-MSG-3).");
        services.AddSingleton(new DuisSecurity(parts.Keys));
        if (parts.Health is { } health) services.AddSingleton(health);
        services.AddSingleton(dspKey);
        var hold = parts.DeviceRequestHold ?? DefaultDeviceRequestHold;
        if (parts.Admission is null && parts.AccessSnapshot is { } snapshot)
        {
            // One request log for the door (E55) and the pipeline (E55, sequencing, SMETS1 anti-replay).
            services.AddSingleton<IRequestLog>(sp => parts.RequestLog ?? new InMemoryRequestLog(sp.GetRequiredService<TimeProvider>(), hold, RequestLogRetention, UnlinkedRequestRetention));
            services.AddSingleton(sp => new AccessPipeline(snapshot, sp.GetRequiredService<IRequestLog>(), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IRequestAdmission>(sp => new AccessPipelineAdmission(sp.GetRequiredService<AccessPipeline>()));
            services.AddSingleton<IRequestsInProcess>(sp => new RequestLogInProcess(sp.GetRequiredService<IRequestLog>()));
        }
        else
        {
            services.AddSingleton(parts.Admission ?? AdmitAll.Instance);
            services.AddSingleton<IRequestsInProcess>(sp => new InProcessRequests(sp.GetRequiredService<TimeProvider>(), hold));
        }
        services.AddSingleton(new RequestSchemaCheck(parts.Schemas));
        services.AddSingleton<IInventoryStore>(parts.Store);
        // Inventory changes (8.3, 8.4, 8.6, 8.14.x, 12.2) are written through the cache access control reads.
        services.AddSingleton(_ => parts.AccessSnapshot is SmiCacheAccessSnapshot cached
            ? cached.Cache
            : SmiCache.LoadAsync(parts.Store).GetAwaiter().GetResult());
        // Every DCC Alert (status changes, device responses, faults, firmware, schedules) is signed by the DSP into
        // the outbox through this one sink.
        services.TryAddSingleton<Core.Alerts.IDccAlertSink>(sp => new Core.Alerts.OutboxDccAlertSink(parts.Outbox, dspKey,
            sp.GetRequiredService<TimeProvider>(), new Core.Alerts.PartyStoreDuisVersions(parts.Store), parts.Schemas));
        // ... and, with DCC Schedules, end the device's schedules at once (N4, N5, N6).
        services.TryAddSingleton<ISmiStatusChangeListener>(sp =>
        {
            ISmiStatusChangeListener alerts = new DeviceStatusAlertListener(
                new Core.Alerts.DeviceStatusAlerts(parts.Store, sp.GetRequiredService<Core.Alerts.IDccAlertSink>(), parts.UnitOfWork));
            return sp.GetService<Core.Schedules.IScheduleStore>() is { } schedules && sp.GetService<Core.Schedules.IScheduleNotices>() is { } notices
                ? new SmiStatusChangeListeners([alerts, new Core.Schedules.ScheduleRemovalOnStatusChange(schedules, notices, parts.UnitOfWork)])
                : alerts;
        });
        if (parts.DeviceKeys is { } deviceKeys)
        {
            services.AddSingleton(deviceKeys);
            services.AddSingleton<Gbcs.Keys.IDeviceCredentials>(deviceKeys);
            services.TryAddSingleton<IDeviceAdditionListener>(deviceKeys);
        }
        services.AddSingleton(sp => new InventoryServices(sp.GetRequiredService<SmiCache>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ISmiStatusChangeListener>(), parts.UnitOfWork, sp.GetService<IDeviceAdditionListener>()));
        // The operator's CPL changes (SEC F2.9) suspend and restore Devices through the same listeners, as the DCC.
        services.AddSingleton(sp => new CplSuspension(sp.GetRequiredService<SmiCache>(), sp.GetRequiredService<TimeProvider>(), dspKey.Certificate.Subject,
            sp.GetService<ISmiStatusChangeListener>(), parts.UnitOfWork));
        // The Non-Device services the DCC answers itself, each owning its Service Reference Variants (8.2, the
        // inventory changes; 5.x and 11.1 where schedules and the network are registered).
        services.AddSingleton<INonDeviceService>(sp => new InventoryReadService(sp.GetRequiredService<IInventoryStore>()));
        services.AddSingleton<INonDeviceService>(sp => sp.GetRequiredService<InventoryServices>());
        services.AddSingleton(sp => new NonDeviceServices(sp.GetServices<INonDeviceService>()));
        services.AddOptions<RequestPathOptions>();
        services.TryAddSingleton<IDuisRequestHandler>(sp => sp.GetRequiredService<IOptions<RequestPathOptions>>().Value.Wrap(sp, ActivatorUtilities.CreateInstance<DuisRequestHandler>(sp)));
        services.AddSingleton(parts.Outbox);
        services.AddSingleton<IResponseEndpoints>(new UserResponseEndpoints(parts.Store));
        if (parts.Network is { } network)
        {
            // The SMETS1 Service Provider signs its responses and S1SP Alerts with its own key where the key folder
            // has one (the demo key set does), else with the DSP's.
            services.AddSingleton(new Network.Smets1.Smets1ServiceProvider(parts.Keys.FindXmlSigningKey(DemoKeySet.Smets1ServiceProviderEui) ?? dspKey));
            // GBCS security on the SM WAN (R-GBCS-1..3): the Users' and the ACB's certificates and keys from the key store,
            // the Devices' from the Device key store when one is registered, else made in memory.
            services.TryAddSingleton<IDeviceCredentials>(new GeneratedDeviceCredentials());
            services.AddSingleton(sp => new DeviceGbcsSecurity(GbcsKeyring.From(parts.Keys), sp.GetRequiredService<IDeviceCredentials>(), dspKey.Certificate.Subject));
            services.AddSingleton(sp => new EmulatedSmWan(network, parts.Store, parts.Outbox,
                dspKey, sp.GetRequiredService<TimeProvider>(), sp.GetService<ICommandOutcomePolicy>(), sp.GetService<ILogger<EmulatedSmWan>>(),
                sp.GetService<DeviceResponseAlerts>(), sp.GetRequiredService<Network.Smets1.Smets1ServiceProvider>(), sp.GetRequiredService<DeviceGbcsSecurity>(),
                sp.GetService<Core.Transactions.StorageHealth>()));
            if (parts.SmWanState is { } state) SmWan.SmWanStateHosting.AddDurableSmWanState(services, state);
            // Future Dated (DSP), sequencing and injected faults in front of the emulated devices.
            SmWan.SmWanExecutionHosting.AddSmWanExecution(services, parts.Store, dspKey);
            services.AddHostedService(sp => new EmulatedSmWanHost(sp.GetRequiredService<EmulatedSmWan>()));
            // The commands acknowledged before a restart and not yet ended are executed again (or fail with their alert).
            if (parts.RequestLog is DurableRequestLog durable && parts.Admission is null && parts.AccessSnapshot is not null)
                services.AddHostedService(sp => new SmWan.AcceptedCommandRecovery(durable, sp.GetRequiredService<IRequestsInProcess>(),
                    sp.GetRequiredService<Network.Execution.SmWanExecution>(), sp.GetRequiredService<ILogger<SmWan.AcceptedCommandRecovery>>()));
        }
        if (parts.Changes is { } changes && parts.AccessSnapshot is SmiCacheAccessSnapshot followed)
            services.AddHostedService(sp => new SmiChangeFollower(followed, changes, sp.GetRequiredService<ILogger<SmiChangeFollower>>(),
                outboxAdmin, sp.GetRequiredService<TimeProvider>()));
        DccAlertHosting.AddDccAlertProducers(services, parts);
        if (parts.Schedules is { } schedules && parts.AccessSnapshot is { } access)
            Schedules.ScheduleHosting.AddDccSchedules(services, schedules, access);
        return services;
    }
}

/// <summary>Each User's response endpoint as stored with the User (<see cref="Core.Parties.ServiceUser.ResponseEndpoint"/>).</summary>
internal sealed class UserResponseEndpoints(IPartyStore parties) : IResponseEndpoints
{
    public async ValueTask<Uri?> FindAsync(Protocol.Domain.Eui user, CancellationToken cancellationToken = default) =>
        (await parties.FindUserAsync(user, cancellationToken))?.ResponseEndpoint;
}

/// <summary>Runs the emulated SM WAN's worker with the server, and stops it first on shutdown.</summary>
internal sealed class EmulatedSmWanHost(EmulatedSmWan network) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        network.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await network.DisposeAsync();
}
