using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Gbcs.Keys;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// What <see cref="OpenDuisServices.AddOpenDuis(IServiceCollection, Action{OpenDuisOptions})"/> returns: each
/// method adds one feature to the composition (with <c>TryAdd…</c>, and options of its own configured through
/// <c>IConfigureOptions&lt;T&gt;</c>), in any order. The SM WAN, DCC Schedules and Anomaly Detection live
/// beside their code (<see cref="SmWanHosting"/>, <see cref="ScheduleHosting"/>,
/// <see cref="AnomalyDetectionHosting"/>); the operator console in its own project.
/// </summary>
public sealed class OpenDuisBuilder
{
    internal OpenDuisBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>
    /// Access control (DUIS 3.5.10, SEC H4): every request goes through <see cref="AccessPipeline"/> over
    /// <paramref name="snapshot"/> (the inventory, Users and Registration Data it reads), whose request log also
    /// answers the door's E55 check: <paramref name="requestLog"/> (e.g. a <see cref="DurableRequestLog"/> that
    /// survives restarts), else one in memory.
    /// </summary>
    public OpenDuisBuilder AddAccessControl(IAccessSnapshot snapshot, IRequestLog? requestLog = null)
    {
        Services.TryAddSingleton(snapshot);
        if (requestLog is not null) Services.TryAddSingleton(requestLog);
        Services.TryAddSingleton<IRequestLog>(sp => new InMemoryRequestLog(sp.GetRequiredService<TimeProvider>(), OpenDuisServices.Of(sp).DeviceRequestHold,
            OpenDuisServices.RequestLogRetention, OpenDuisServices.UnlinkedRequestRetention));
        Services.TryAddSingleton(sp => new AccessPipeline(sp.GetRequiredService<IAccessSnapshot>(), sp.GetRequiredService<IRequestLog>(), sp.GetRequiredService<TimeProvider>()));
        return this;
    }

    /// <summary>
    /// The emulated Devices' own keys and Device Certificates: the emulated SM WAN's <see cref="IDeviceCredentials"/>,
    /// and the issuer of keys to Devices pre-notified (12.2).
    /// </summary>
    public OpenDuisBuilder AddDeviceKeys(InventoryDeviceKeys deviceKeys)
    {
        Services.TryAddSingleton(deviceKeys);
        Services.TryAddSingleton<IDeviceCredentials>(deviceKeys);
        Services.TryAddSingleton<IDeviceAdditionListener>(deviceKeys);
        return this;
    }

    /// <summary>
    /// Follows the inventory's change feed: writes by other processes (the CLI, other nodes) reach access
    /// control's cache within <see cref="SmiChangeFollower.PollInterval"/>. Needs <see cref="AddAccessControl"/>
    /// over a <see cref="SmiCacheAccessSnapshot"/>.
    /// </summary>
    public OpenDuisBuilder FollowChanges(SmiChangeFollowing changes)
    {
        Services.AddHostedService(sp => new SmiChangeFollower(
            sp.GetRequiredService<IAccessSnapshot>() as SmiCacheAccessSnapshot
                ?? throw new InvalidOperationException("Following the inventory's changes needs access control over the inventory's cache (SmiCacheAccessSnapshot)."),
            changes, sp.GetRequiredService<ILogger<SmiChangeFollower>>(),
            DelegatingOutboxStore.Find<IOutboxAdmin>(OpenDuisServices.Of(sp).Outbox), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<OpenDuis.Network.Execution.DeviceFaults>()));
        return this;
    }

    /// <summary>Whether the database takes writes, shared with what wrote through it before the server started (the request log, the outbox).</summary>
    public OpenDuisBuilder UseStorageHealth(Core.Transactions.StorageHealth health, Core.Transactions.IStorageHeartbeat? heartbeat = null)
    {
        Services.TryAddSingleton(health);
        if (heartbeat is not null) Services.TryAddSingleton(heartbeat);
        return this;
    }
}
