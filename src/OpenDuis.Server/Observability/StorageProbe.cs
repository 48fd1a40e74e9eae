using Microsoft.Extensions.Hosting;
using OpenDuis.Core.Transactions;

namespace OpenDuis.Server.Observability;

/// <summary>
/// Writes the heartbeat row every <see cref="Interval"/> and reports the outcome to <see cref="StorageHealth"/>:
/// an idle server whose database stops taking writes (read-only, full, privileges taken away) turns
/// /health failing and refuses requests HTTP 503 within seconds, and back when it writes again, not at
/// its next request. A write that does not finish within <see cref="Timeout"/> counts as failed.
/// </summary>
internal sealed class StorageProbe(IStorageHeartbeat heartbeat, StorageHealth health, TimeProvider clock) : BackgroundService
{
    /// <summary>How the probe names itself to <see cref="StorageHealth"/>.</summary>
    public const string Component = "heartbeat row";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _node = Environment.MachineName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (true)
        {
            using var within = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            within.CancelAfter(Timeout);
            try
            {
                await heartbeat.BeatAsync(_node, clock.GetUtcNow(), within.Token);
                health.Succeeded(Component);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (OperationCanceledException)
            {
                health.Failed(Component, new TimeoutException($"the database did not take the heartbeat write within {Timeout.TotalSeconds:0} s"));
            }
            catch (Exception e)
            {
                // Said once per change of state by StorageHealthLog.
                health.Failed(Component, e);
            }
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) return;
            }
            catch (OperationCanceledException) { return; }
        }
    }
}
