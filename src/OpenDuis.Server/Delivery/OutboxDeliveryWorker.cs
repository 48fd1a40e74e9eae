using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Outbox;
using OpenDuis.Server.Observability;

namespace OpenDuis.Server.Delivery;

/// <summary>
/// Sends what the outbox holds to each User's response endpoint (R-WS-2): signed bytes exactly as
/// stored (so the ResponseID and signature are the same on every attempt), a message removed only
/// once the endpoint answered 2xx, failures retried with capped exponential back-off, and a later
/// message of a request never sent before an earlier one was accepted.
/// </summary>
public sealed partial class OutboxDeliveryWorker(
    IOutboxStore store,
    IResponseEndpoints endpoints,
    HttpClient http,
    TimeProvider clock,
    DuisMetrics metrics,
    OutboxDeliveryOptions options,
    ILogger<OutboxDeliveryWorker> logger) : BackgroundService
{
    private static readonly MediaTypeHeaderValue Xml = new("application/xml") { CharSet = "utf-8" };
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks the worker to look at the outbox now (after a local enqueue) instead of at its next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<PendingDelivery> batch;
            try
            {
                batch = await store.LeaseDueAsync(clock.GetUtcNow(), options.Lease, options.BatchSize, stoppingToken);
                if (batch.Count > 0)
                    await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = CancellationToken.None },
                        (message, _) => new ValueTask(DeliverAsync(message, stoppingToken)));
                metrics.OutboxDepth.Set(await store.CountUndeliveredAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogStoreFailure(logger, e);
                batch = [];
            }

            if (batch.Count < options.BatchSize)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                idle.CancelAfter(options.PollInterval);
                try { await _wake.Reader.ReadAsync(idle.Token); }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task DeliverAsync(PendingDelivery message, CancellationToken stoppingToken)
    {
        string failure;
        try
        {
            var endpoint = await endpoints.FindAsync(message.Recipient, stoppingToken);
            if (endpoint is null)
            {
                failure = $"User {message.Recipient} has no response endpoint";
                metrics.Deliveries.WithLabels("no_endpoint").Inc();
            }
            else
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                attempt.CancelAfter(options.AttemptTimeout);
                using var content = new ByteArrayContent(message.Body);
                content.Headers.ContentType = Xml;
                using var response = await http.PostAsync(endpoint, content, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    await store.MarkDeliveredAsync(message.Sequence, clock.GetUtcNow(), CancellationToken.None);
                    metrics.Deliveries.WithLabels("delivered").Inc();
                    return;
                }
                failure = $"{endpoint} answered HTTP {(int)response.StatusCode}";
                metrics.Deliveries.WithLabels("retry").Inc();
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            failure = stoppingToken.IsCancellationRequested ? "server stopping" : e.Message;
            metrics.Deliveries.WithLabels("retry").Inc();
        }

        var delay = stoppingToken.IsCancellationRequested ? TimeSpan.Zero : options.Backoff.DelayAfter(message.Attempts + 1);
        LogRetry(logger, message.ResponseId, message.Recipient.ToString(), message.Attempts + 1, delay, failure);
        await store.ScheduleRetryAsync(message.Sequence, clock.GetUtcNow() + delay, failure, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {ResponseId} to {Recipient} failed (attempt {Attempt}), next try in {Delay}: {Failure}")]
    private static partial void LogRetry(ILogger logger, string responseId, string recipient, int attempt, TimeSpan delay, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox could not be read")]
    private static partial void LogStoreFailure(ILogger logger, Exception exception);
}
