using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Server.Schedules;

/// <summary>How the server runs DCC Schedules.</summary>
/// <param name="PollInterval">How often the executor looks for due occurrences when none was due.</param>
/// <param name="Workers">
/// Executor loops on this node: while one waits on the store (claiming or completing a batch),
/// another builds and checks its own; the store's leases keep them apart as they keep nodes apart.
/// </param>
public sealed record ScheduleHostingOptions(ScheduleExecutorOptions Executor, TimeSpan PollInterval, int Workers = 2)
{
    public static ScheduleHostingOptions Default { get; } = new(ScheduleExecutorOptions.Default, TimeSpan.FromSeconds(5));
}

public static class ScheduleHosting
{
    /// <summary>
    /// Registers the 5.1/5.2/5.3 services over <paramref name="schedules"/>, the executor's notices
    /// through the outbox, and the executor worker (idle until an <c>IDeviceNetwork</c> is registered).
    /// </summary>
    public static IServiceCollection AddDccSchedules(this IServiceCollection services, IScheduleStore schedules, IAccessSnapshot access)
    {
        services.AddSingleton(schedules);
        services.AddSingleton(sp => new ScheduleServices(schedules, access, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Core.Requests.INonDeviceService>(sp => sp.GetRequiredService<ScheduleServices>());
        services.AddSingleton<IScheduleNotices>(sp => new OutboxScheduleNotices(sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<SigningKey>(),
            user => access.TryGetUser(user, out var u) && DuisSchemaVersion.TryParse(u.DuisVersion, out var v) ? v : DuisSchemaVersion.V5_4));
        services.AddHostedService(sp =>
        {
            var options = sp.GetService<ScheduleHostingOptions>() ?? ScheduleHostingOptions.Default;
            return new ScheduleExecutorWorker(sp, schedules, sp.GetRequiredService<IScheduleNotices>(), sp.GetRequiredService<TimeProvider>(),
                options.Executor, options.PollInterval, sp.GetRequiredService<ILogger<ScheduleExecutorWorker>>(), options.Workers);
        });
        return services;
    }
}
