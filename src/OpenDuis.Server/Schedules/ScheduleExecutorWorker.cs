using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;

namespace OpenDuis.Server.Schedules;

/// <summary>
/// Runs the <see cref="ScheduleExecutor"/> inside the server: a batch whenever occurrences are due,
/// otherwise a look every <paramref name="pollInterval"/> (on the injected clock). Every node sharing
/// one store runs one; the store's leases keep them from running an occurrence twice. Without an
/// emulated Smart Metering WAN (<see cref="IDeviceNetwork"/>) registered there is nowhere to send
/// commands, so the worker says so once and stays idle.
/// </summary>
internal sealed partial class ScheduleExecutorWorker(
    IServiceProvider services,
    IScheduleStore store,
    IScheduleNotices notices,
    TimeProvider clock,
    ScheduleExecutorOptions options,
    TimeSpan pollInterval,
    ILogger<ScheduleExecutorWorker> logger,
    int workers = 1) : BackgroundService
{
    /// <summary>How the executor names itself to <see cref="Core.Transactions.StorageHealth"/>.</summary>
    public const string Component = "DCC Schedules";

    private readonly Core.Transactions.StorageHealth? _health = services.GetService<Core.Transactions.StorageHealth>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var network = services.GetService<IDeviceNetwork>();
        var pipeline = services.GetService<AccessPipeline>();
        if (network is null || pipeline is null)
        {
            LogIdle(logger, network is null ? "no Smart Metering WAN (IDeviceNetwork)" : "no access-control pipeline");
            return;
        }
        if (services.GetService<IRequestLog>() is DurableRequestLog { IsShared: true } log)
            network = new ScheduledCommandsToOwner(network, log, services.GetRequiredService<IRequestsInProcess>());
        var executor = new ScheduleExecutor(store, pipeline, network, notices, clock, options);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => RunLoopAsync(executor, stoppingToken), CancellationToken.None)));
    }

    private async Task RunLoopAsync(ScheduleExecutor executor, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ran = 0;
            try
            {
                var results = await executor.RunDueAsync(stoppingToken);
                ran = results.Count;
                _health?.Succeeded(Component);
                foreach (var r in results)
                    if (r.Outcome is not OccurrenceOutcome.Fired)
                        LogOutcome(logger, r.Occurrence.Id.ToString(), r.Occurrence.DueAt, r.Outcome.ToString(), r.Code?.ToString() ?? "", r.Reason ?? "");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (_health is not null && e is System.Data.Common.DbException or IOException)
            {
                // The database refuses (full, read-only, privileges gone): said once per change of state by
                // StorageHealthLog, not with a stack trace at every poll; the occurrences run when it writes again.
                _health.Failed(Component, e);
            }
            catch (Exception e)
            {
                LogFailure(logger, e);
            }
            if (ran < options.BatchSize)
            {
                try { await Task.Delay(pollInterval, clock, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DCC Schedules will not run: {Missing} is configured")]
    private static partial void LogIdle(ILogger logger, string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "DCC Schedule {ScheduleId} occurrence due {DueAt}: {Outcome} {Code} {Reason}")]
    private static partial void LogOutcome(ILogger logger, string scheduleId, DateTimeOffset dueAt, string outcome, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "DCC Schedule executor batch failed; its occurrences stay leased and run again after the lease")]
    private static partial void LogFailure(ILogger logger, Exception exception);
}
