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
/// ResponseID, or ends in its CommandFailure DCC Alert. Runs once, after the emulated SM WAN has
/// started and before the server takes requests.
/// </summary>
internal sealed partial class AcceptedCommandRecovery(DurableRequestLog log, IRequestsInProcess inProcess, SmWanExecution execution,
    ILogger<AcceptedCommandRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var commands = await log.ClaimCommandsAsync(cancellationToken: cancellationToken);
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
        if (commands.Count > 0) LogResumed(logger, commands.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} device command(s) acknowledged before the restart and not yet answered were taken back to be executed")]
    private static partial void LogResumed(ILogger logger, int count);
}
