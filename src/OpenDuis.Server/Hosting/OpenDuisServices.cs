using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Requests;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// Composes OpenDUIS on a service collection: <c>services.AddOpenDuis(o => …)</c> registers the DUIS request
/// path over <see cref="OpenDuisOptions"/>, and the <see cref="OpenDuisBuilder"/> it returns adds features
/// (<c>.AddAccessControl(…).AddSmWan(…).AddDccSchedules(…).AddAnomalyDetection(…)</c>). Every part is
/// registered with <c>TryAdd…</c>, so what the caller registered first is kept, and reads its settings from
/// the container's options (<c>IOptions&lt;T&gt;</c>, configured in any order) when it is first resolved.
/// </summary>
public static class OpenDuisServices
{
    /// <summary>How long finished requests stay in the request log (sequencing looks back this far: E40, E41, E46).</summary>
    public static readonly TimeSpan RequestLogRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a finished request that no later request can refer to (not sequenced, no Command for
    /// Local Delivery) stays in the request log's memory: at 3,000 requests/s a day of them is about 40 GB.
    /// </summary>
    public static readonly TimeSpan UnlinkedRequestRetention = TimeSpan.FromMinutes(15);

    /// <summary>How long a device request's ID stays in process (E55) when no response ends it, unless the options say otherwise.</summary>
    public static readonly TimeSpan DefaultDeviceRequestHold = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Registers the DUIS request path and asynchronous delivery for <see cref="DuisServer.StartAsync"/>: without
    /// more, every request the door lets through is admitted and device requests are only acknowledged.
    /// </summary>
    public static OpenDuisBuilder AddOpenDuis(this IServiceCollection services, Action<OpenDuisOptions> configure)
    {
        services.AddOptions<OpenDuisOptions>().Configure(configure)
            .Validate(o => o.Keys is not null, "OpenDuisOptions.Keys is required: the Users' certificates and the DSP's keys.")
            .Validate(o => o.Store is not null, "OpenDuisOptions.Store is required: the Smart Metering Inventory.")
            .Validate(o => o.Outbox is not null, "OpenDuisOptions.Outbox is required: where Service Responses and DCC Alerts wait for delivery.")
            .Validate(o => o.Keys is null || o.FindDspKey() is not null,
                $"The key store has no DSP xmlSign key (role 0x89) for {DemoKeySet.DspEui}: every answer must be signed with it (R-MSG-3).")
            .ValidateOnStart();
        services.AddOptions<RequestPathOptions>();
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton(sp => new DuisSecurity(Of(sp).Keys));
        services.TryAddSingleton(sp => Of(sp).FindDspKey()!);
        services.TryAddSingleton<ISmiStore>(sp => Of(sp).Store);
        services.TryAddSingleton<IInventoryStore>(sp => sp.GetRequiredService<ISmiStore>());
        services.TryAddSingleton<IUserDuisVersions>(sp => new PartyStoreDuisVersions(sp.GetRequiredService<ISmiStore>()));
        // Everything enqueues through the configured wrappers (the console records), and wakes this process's
        // delivery worker once committed (outermost).
        services.TryAddSingleton<IOutboxStore>(sp => new SignallingOutboxStore(
            sp.GetRequiredService<IOptions<RequestPathOptions>>().Value.Wrap(sp, Of(sp).Outbox), sp.GetRequiredService<OutboxSignal>()));
        services.TryAddSingleton<IResponseEndpoints>(sp => new UserResponseEndpoints(sp.GetRequiredService<ISmiStore>()));

        // Admission: the caller's own when registered first, else access control's pipeline when added, else everything.
        services.TryAddSingleton<IRequestAdmission>(sp => sp.GetService<AccessPipeline>() is { } pipeline ? new AccessPipelineAdmission(pipeline) : AdmitAll.Instance);
        // The door's E55 check: with access control its request log, which the pipeline also answers from.
        services.TryAddSingleton<IRequestsInProcess>(sp => sp.GetService<AccessPipeline>() is not null
            ? new RequestLogInProcess(sp.GetRequiredService<IRequestLog>())
            : new InProcessRequests(sp.GetRequiredService<TimeProvider>(), Of(sp).DeviceRequestHold));
        services.TryAddSingleton(sp => new RequestSchemaCheck(Of(sp).Schemas));

        // Inventory changes (8.3, 8.4, 8.6, 8.14.x, 12.2) are written through the cache access control reads.
        services.TryAddSingleton(sp => sp.GetService<IAccessSnapshot>() is SmiCacheAccessSnapshot cached
            ? cached.Cache
            : SmiCache.LoadAsync(sp.GetRequiredService<ISmiStore>()).GetAwaiter().GetResult());
        // Every DCC Alert (status changes, device responses, faults, firmware, schedules, anomalies) is signed by the
        // DSP into the outbox through this one sink.
        services.TryAddSingleton(sp => new ResponseCounter(sp.GetRequiredService<TimeProvider>(), Of(sp).NodeNumber));
        services.TryAddSingleton<IDccAlertSink>(sp => new OutboxDccAlertSink(sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<SigningKey>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IUserDuisVersions>(), Of(sp).Schemas, sp.GetRequiredService<ResponseCounter>()));
        // A Device's status change raises its alert and, with DCC Schedules, ends the device's schedules at once (N4, N5, N6).
        services.TryAddSingleton<ISmiStatusChangeListener>(sp =>
        {
            var unitOfWork = Of(sp).UnitOfWork;
            ISmiStatusChangeListener alerts = new DeviceStatusAlertListener(
                new DeviceStatusAlerts(sp.GetRequiredService<ISmiStore>(), sp.GetRequiredService<IDccAlertSink>(), unitOfWork));
            return sp.GetService<Core.Schedules.IScheduleStore>() is { } schedules && sp.GetService<Core.Schedules.IScheduleNotices>() is { } notices
                ? new SmiStatusChangeListeners([alerts, new Core.Schedules.ScheduleRemovalOnStatusChange(schedules, notices, unitOfWork)])
                : alerts;
        });
        services.TryAddSingleton(sp => new InventoryServices(sp.GetRequiredService<SmiCache>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ISmiStatusChangeListener>(), Of(sp).UnitOfWork, sp.GetService<IDeviceAdditionListener>()));
        // The operator's CPL changes (SEC F2.9) suspend and restore Devices through the same listeners, as the DCC.
        services.TryAddSingleton(sp => new CplSuspension(sp.GetRequiredService<SmiCache>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SigningKey>().Certificate.Subject, sp.GetService<ISmiStatusChangeListener>(), Of(sp).UnitOfWork));
        // The Non-Device services the DCC answers itself, each owning its Service Reference Variants (8.2, the
        // inventory changes; 5.x and 11.1 where schedules and the SM WAN are added).
        services.AddNonDeviceService(sp => new InventoryReadService(sp.GetRequiredService<IInventoryStore>()));
        services.AddNonDeviceService(sp => sp.GetRequiredService<InventoryServices>());
        services.TryAddSingleton(sp => new NonDeviceServices(sp.GetServices<INonDeviceService>()));
        services.TryAddSingleton<IDuisRequestHandler>(sp => sp.GetRequiredService<IOptions<RequestPathOptions>>().Value.Wrap(sp, ActivatorUtilities.CreateInstance<DuisRequestHandler>(sp)));
        return new OpenDuisBuilder(services);
    }

    /// <summary>The options the composition was configured with.</summary>
    internal static OpenDuisOptions Of(IServiceProvider services) => services.GetRequiredService<IOptions<OpenDuisOptions>>().Value;

    /// <summary>Adds a Non-Device service (once per implementation type) to those <see cref="NonDeviceServices"/> dispatches to.</summary>
    internal static void AddNonDeviceService<T>(this IServiceCollection services, Func<IServiceProvider, T> factory) where T : class, INonDeviceService =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INonDeviceService, T>(factory));
}

/// <summary>Each User's response endpoint as stored with the User (<see cref="Core.Parties.ServiceUser.ResponseEndpoint"/>).</summary>
internal sealed class UserResponseEndpoints(IPartyStore parties) : IResponseEndpoints
{
    public async ValueTask<Uri?> FindAsync(Protocol.Domain.Eui user, CancellationToken cancellationToken = default) =>
        (await parties.FindUserAddressAsync(user, cancellationToken))?.ResponseEndpoint;
}
