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
/// database whose lease ran out (the node died), so they are answered without waiting for a restart.
/// With a request log in memory (no <paramref name="durable"/>) nothing outlives the process: it does nothing.
/// </summary>
internal sealed partial class AcceptedCommandRecovery(DurableRequestLog? durable, IRequestsInProcess inProcess, SmWanExecution execution,
    ILogger<AcceptedCommandRecovery> logger, TimeProvider? clock = null) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _takeover = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (durable is not { } log) return;
        var commands = await log.ClaimCommandsAsync(cancellationToken: cancellationToken);
        await ResumeAsync(commands, cancellationToken);
        if (commands.Count > 0) LogResumed(logger, commands.Count);
        _takeover = Task.Run(TakeOverAsync, CancellationToken.None);
    }

    private async Task TakeOverAsync()
    {
        var log = durable!;
        using var timer = new PeriodicTimer(DurableRequestLog.CommandLease / 3, clock ?? TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    var commands = await log.ClaimCommandsAsync(cancellationToken: _stopping.Token, ownToo: false);
                    if (commands.Count == 0) continue;
                    await ResumeAsync(commands, _stopping.Token);
                    LogTakenOver(logger, commands.Count);
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

    private async Task ResumeAsync(IReadOnlyList<AcceptedCommand> commands, CancellationToken cancellationToken)
    {
        foreach (var kept in commands)
        {
            var lease = inProcess.Resume(kept.RequestId, kept.AcceptedAt);
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
                continue;
            }
            await execution.ResumeAsync(new DeviceCommand(request, kept.Sender, kept.AcceptedAt, kept.Schedule) { Lease = lease }, cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _takeover;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} device command(s) acknowledged before the restart and not yet answered were taken back to be executed")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} device command(s) of a node whose lease ran out (it stopped or died) were taken over to be executed here")]
    private static partial void LogTakenOver(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Other nodes' expired device commands could not be taken over ({Reason}); tried again shortly")]
    private static partial void LogTakeOverFailed(ILogger logger, string reason);
}
