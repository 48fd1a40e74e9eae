using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Inventory;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// Where the inventory's change feed is, and the position the cache was loaded from (taken before it was
/// read); with a <paramref name="Signal"/> (PostgreSQL's NOTIFY) the feed is read as soon as a change commits.
/// </summary>
public sealed record SmiChangeFollowing(ISmiChangeFeed Feed, string LoadedFrom, IChangeSignal? Signal = null);

/// <summary>
/// Keeps the server's in-memory inventory (<see cref="SmiCacheAccessSnapshot"/>) current with writes
/// made by other processes: <c>openduis import</c>, <c>users endpoint</c>, another node. Told of each
/// commit (<see cref="SmiChangeFollowing.Signal"/>), it reads the change feed at once and once a second
/// besides (the version check, should a notification be lost); without, it polls the feed (one indexed
/// read) a few times a second. It reads again only what changed.
/// </summary>
/// <remarks>
/// A User given a response endpoint has its parked messages released (<see cref="Core.Outbox.OutboxParking"/>); a
/// device fault set or cleared through another node is read again (<see cref="OpenDuis.Network.Execution.DeviceFaults"/>).
/// </remarks>
internal sealed partial class SmiChangeFollower(SmiCacheAccessSnapshot snapshot, SmiChangeFollowing following, ILogger<SmiChangeFollower> logger,
    Core.Outbox.IOutboxAdmin? outbox = null, TimeProvider? clock = null, OpenDuis.Network.Execution.DeviceFaults? faults = null) : BackgroundService
{
    /// <summary>How often the feed is read: a CLI change reaches requests within this.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the feed is read while notifications arrive: a notification lost is made good within this.</summary>
    public static readonly TimeSpan VersionCheckInterval = TimeSpan.FromSeconds(1);

    // Larger batches (a bulk import) are applied by reading everything again.
    private const int MaxChangesApplied = 10_000;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Kept = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var position = following.LoadedFrom;
        var pruned = Environment.TickCount64;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (following.Signal is { IsListening: true } signal) await signal.WaitAsync(VersionCheckInterval, stoppingToken).ConfigureAwait(false);
                else await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(false);
                var batch = await following.Feed.ReadSinceAsync(position, MaxChangesApplied, stoppingToken).ConfigureAwait(false);
                if (batch.Overflowed || batch.Changes.Count > 0)
                {
                    await snapshot.ApplyAsync(batch, stoppingToken).ConfigureAwait(false);
                    // A fault set or cleared through another node applies here too, should this node own the Device.
                    if (faults is not null && (batch.Overflowed || batch.Changes.Any(c => c is SmiChange.FaultChanged)))
                        await faults.RefreshAsync(batch.Overflowed ? null : [.. batch.Changes.OfType<SmiChange.FaultChanged>().Select(c => c.Device)], stoppingToken).ConfigureAwait(false);
                    if (outbox is not null)
                        foreach (var change in batch.Changes)
                            if (change is SmiChange.UserChanged(var user) && snapshot.TryGetUser(user, out var u) && u.ResponseEndpoint is not null)
                                await outbox.ReleaseParkedAsync(user, (clock ?? TimeProvider.System).GetUtcNow(), stoppingToken).ConfigureAwait(false);
                    LogApplied(logger, batch.Overflowed ? "everything (a bulk change)" : $"{batch.Changes.Count} change(s)");
                }
                position = batch.Position;
                if (Environment.TickCount64 - pruned > PruneEvery.TotalMilliseconds)
                {
                    await following.Feed.PruneAsync(Kept, stoppingToken).ConfigureAwait(false);
                    pruned = Environment.TickCount64;
                }
                if (failing) LogRecovered(logger);
                failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Said once per failure, not every poll; the position stays, so nothing is missed on recovery.
                if (!failing) LogFailure(logger, e.Message);
                failing = true;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inventory changed by another writer: read again {What}")]
    private static partial void LogApplied(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The inventory's change feed cannot be read ({Reason}); changes made by other processes are not seen until it can")]
    private static partial void LogFailure(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The inventory's change feed is readable again")]
    private static partial void LogRecovered(ILogger logger);
}
