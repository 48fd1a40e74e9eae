using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Schedules;

// Beside the builder it extends, so one using brings every feature.
namespace OpenDuis.Server.Hosting;

/// <summary>How the server runs DCC Schedules (<see cref="ScheduleHosting.AddDccSchedules"/>).</summary>
public sealed class ScheduleHostingOptions
{
    public ScheduleExecutorOptions Executor { get; set; } = ScheduleExecutorOptions.Default;

    /// <summary>How often the executor looks for due occurrences when none was due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Executor loops on this node: while one waits on the store (claiming or completing a batch),
    /// another builds and checks its own; the store's leases keep them apart as they keep nodes apart.
    /// </summary>
    public int Workers { get; set; } = 2;
}

public static class ScheduleHosting
{
    /// <summary>
    /// DCC Schedules (5.1, 5.2, 5.3 and the executor) over <paramref name="schedules"/>: the services, the
    /// executor's notices through the outbox, and the executor worker (idle until an <c>IDeviceNetwork</c> is
    /// registered). Needs <see cref="OpenDuisBuilder.AddAccessControl"/>; without schedules 5.x requests are
    /// acknowledged and change nothing.
    /// </summary>
    public static OpenDuisBuilder AddDccSchedules(this OpenDuisBuilder builder, IScheduleStore schedules, Action<ScheduleHostingOptions>? configure = null)
    {
        var services = builder.Services;
        var options = services.AddOptions<ScheduleHostingOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(schedules);
        services.TryAddSingleton(sp => new ScheduleServices(sp.GetRequiredService<IScheduleStore>(), sp.GetRequiredService<IAccessSnapshot>(), sp.GetRequiredService<TimeProvider>()));
        services.AddNonDeviceService(sp => sp.GetRequiredService<ScheduleServices>());
        services.TryAddSingleton<IScheduleNotices>(sp =>
        {
            var access = sp.GetRequiredService<IAccessSnapshot>();
            return new OutboxScheduleNotices(sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<SigningKey>(),
                user => access.TryGetUser(user, out var u) && DuisSchemaVersion.TryParse(u.DuisVersion, out var v) ? v : DuisSchemaVersion.V5_4);
        });
        services.AddHostedService(sp =>
        {
            var configured = sp.GetRequiredService<IOptions<ScheduleHostingOptions>>().Value;
            return new ScheduleExecutorWorker(sp, sp.GetRequiredService<IScheduleStore>(), sp.GetRequiredService<IScheduleNotices>(), sp.GetRequiredService<TimeProvider>(),
                configured.Executor, configured.PollInterval, sp.GetRequiredService<ILogger<ScheduleExecutorWorker>>(), configured.Workers);
        });
        return builder;
    }
}
