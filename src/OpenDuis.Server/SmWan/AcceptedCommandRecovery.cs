using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Server.SmWan;

/// <summary>
/// After a restart, takes back the device commands that were acknowledged I99 and had not ended when
/// the server stopped (the durable command queue of <see cref="DurableRequestLog"/>) and hands each to
/// the SM WAN again with its resumed lease (<see cref="SmWanExecution.ResumeAsync"/>), oldest first so
/// a sequence's earlier requests go before their successors: each is executed again, with the same
/// ResponseID, or ends in its CommandFailure DCC Alert. Runs first after the emulated SM WAN has
/// started and before the server takes requests; then, while the server runs, every third of
/// <see cref="DurableRequestLog.CommandLease"/> it takes over the commands of another node sharing the
/// database whose lease ran out (the node died), so they are answered without waiting for a restart,
/// with their Devices. On a database several nodes share it also follows the commands other nodes hand
/// to this one because it owns their Devices: woken by NOTIFY at once, and once a second besides.
/// With a request log in memory (no <paramref name="durable"/>) nothing outlives the process: it does nothing.
/// </summary>
internal sealed partial class AcceptedCommandRecovery(DurableRequestLog? durable, IRequestsInProcess inProcess, SmWanExecution execution,
    ILogger<AcceptedCommandRecovery> logger, TimeProvider? clock = null) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _takeover = Task.CompletedTask;
    private Task _handed = Task.CompletedTask;
    // Claimed in the database as this node's (and renewed with its lease) but not yet handed to the SM WAN: a failure
    // part-way through a list must not leave the rest unexecuted until a restart, so they are tried again here.
    private readonly System.Collections.Concurrent.ConcurrentQueue<AcceptedCommand> _unresumed = new();

    /// <summary>How often the commands handed to this node are looked for when no notification wakes it.</summary>
    public static readonly TimeSpan HandedPoll = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (durable is not { } log) return;
        var commands = await log.ClaimCommandsAsync(cancellationToken: cancellationToken);
        await ResumeAsync(commands, cancellationToken);
        if (commands.Count > 0) LogResumed(logger, commands.Count);
        _takeover = Task.Run(TakeOverAsync, CancellationToken.None);
        if (log.IsShared) _handed = Task.Run(FollowHandedAsync, CancellationToken.None);
    }

    private async Task FollowHandedAsync()
    {
        var log = durable!;
        var failing = false;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (log.HandedCommands is { IsListening: true } signal) await signal.WaitAsync(HandedPoll, _stopping.Token);
                else await Task.Delay(HandedPoll, clock ?? TimeProvider.System, _stopping.Token);
                await ResumeUnresumedAsync(_stopping.Token);
                var commands = await log.ClaimHandedCommandsAsync(_stopping.Token);
                if (commands.Count > 0) await ResumeAsync(commands, _stopping.Token);
                failing = false;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Said once per failure; the commands stay queued for this node meanwhile (and move on if it dies).
                if (!failing) LogHandedFailed(logger, e.Message);
                failing = true;
            }
        }
    }

    /// <summary>
    /// Every third of the lease, or at once when another node leaves its commands (it stopped gracefully, or was fenced
    /// off them): takes over what is left, then, on a shared database, takes idle Devices towards this node's fair share.
    /// </summary>
    private async Task TakeOverAsync()
    {
        var log = durable!;
        var time = clock ?? TimeProvider.System;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (log.ReleasedCommands is { IsListening: true } released) await released.WaitAsync(log.Lease / 3, _stopping.Token);
                else await Task.Delay(log.Lease / 3, time, _stopping.Token);
                try
                {
                    await ResumeUnresumedAsync(_stopping.Token);
                    var commands = await log.ClaimCommandsAsync(cancellationToken: _stopping.Token, ownToo: false);
                    if (commands.Count > 0)
                    {
                        await ResumeAsync(commands, _stopping.Token);
                        LogTakenOver(logger, commands.Count);
                    }
                    if (await log.RebalanceAsync(_stopping.Token) is > 0 and var moved) LogRebalanced(logger, moved);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Tried again at the next tick; the commands stay queued meanwhile.
                    LogTakeOverFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task ResumeUnresumedAsync(CancellationToken cancellationToken)
    {
        var again = new List<AcceptedCommand>();
        while (_unresumed.TryDequeue(out var command)) again.Add(command);
        if (again.Count > 0) await ResumeAsync(again, cancellationToken);
    }

    private async Task ResumeAsync(IReadOnlyList<AcceptedCommand> commands, CancellationToken cancellationToken)
    {
        for (var i = 0; i < commands.Count; i++)
        {
            try
            {
                await ResumeAsync(commands[i], cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The one that failed may have gone part of the way: executed again, it is answered with the same ResponseID.
                foreach (var rest in commands.Skip(i)) _unresumed.Enqueue(rest);
                throw;
            }
        }
    }

    private async Task ResumeAsync(AcceptedCommand kept, CancellationToken cancellationToken)
    {
        var lease = inProcess.Resume(kept.RequestId, kept.AcceptedAt, kept.Fence);
        DuisRequest request;
        try
        {
            request = DuisRequest.Read(SecureXml.Default.Load(kept.RequestXml));
        }
        catch (Exception e) when (e is XmlRefusedException or DuisFormatException or System.Xml.XmlException)
        {
            // It was read once before it was accepted: only a damaged database gives this. Acknowledged all the same,
            // so it ends in its failure alert, not in silence.
            await execution.FailUnreadableAsync(kept.RequestId, kept.Schedule, lease, e.Message, cancellationToken);
            return;
        }
        await execution.ResumeAsync(new DeviceCommand(request, kept.Sender, kept.AcceptedAt, kept.Schedule) { Lease = lease }, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _takeover;
        await _handed;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} device command(s) acknowledged before the restart and not yet answered were taken back to be executed")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} device command(s) of a node that stopped, died or was fenced off were taken over to be executed here")]
    private static partial void LogTakenOver(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} idle Device(s) moved here from the node owning the most, towards this node's fair share")]
    private static partial void LogRebalanced(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The device commands other nodes handed to this one (it owns their Devices) could not be taken ({Reason}); tried again shortly")]
    private static partial void LogHandedFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Other nodes' expired device commands could not be taken over ({Reason}); tried again shortly")]
    private static partial void LogTakeOverFailed(ILogger logger, string reason);
}
