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
/// message of a request never sent before an earlier one was accepted. A message for a User with no
/// response endpoint is parked (<see cref="OutboxParking"/>), said once, not retried every few seconds.
/// </summary>
internal sealed partial class OutboxDeliveryWorker(
    IOutboxStore store,
    IResponseEndpoints endpoints,
    HttpClient http,
    TimeProvider clock,
    DuisMetrics metrics,
    OutboxDeliveryOptions options,
    OutboxSignal signal,
    ILogger<OutboxDeliveryWorker> logger,
    Core.Transactions.StorageHealth health) : BackgroundService
{
    /// <summary>How the worker names itself to <see cref="Core.Transactions.StorageHealth"/>.</summary>
    public const string Component = "outbox";

    private static readonly MediaTypeHeaderValue Xml = new("application/xml") { CharSet = "utf-8" };
    // The outcome counters, looked up once rather than by label for every message.
    private readonly Prometheus.Counter.Child _delivered = metrics.Deliveries.WithLabels("delivered");
    private readonly Prometheus.Counter.Child _retried = metrics.Deliveries.WithLabels("retry");
    private readonly Prometheus.Counter.Child _noEndpoint = metrics.Deliveries.WithLabels("no_endpoint");
    private readonly Prometheus.Gauge _depth = metrics.OutboxDepth;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks the worker to look at the outbox now (after a local enqueue) instead of at its next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.Enqueued += Wake;
        try { await DeliverAsync(stoppingToken); }
        finally { signal.Enqueued -= Wake; }
    }

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        long? depthCounted = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<PendingDelivery> batch;
            try
            {
                var leasedAt = clock.GetUtcNow();
                batch = await store.LeaseDueAsync(leasedAt, options.Lease, options.BatchSize, stoppingToken);
                if (batch.Count > 0) await DeliverRoundAsync(batch, leasedAt + options.Lease, stoppingToken);
                health.Succeeded(Component);
                // The depth is a COUNT over the undelivered rows: at most once a poll interval, not once a round.
                if (depthCounted is not { } last || Environment.TickCount64 - last >= (long)options.PollInterval.TotalMilliseconds)
                {
                    _depth.Set(await store.CountUndeliveredAsync(stoppingToken));
                    depthCounted = Environment.TickCount64;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Said once per change of state (StorageHealth), not at every poll while the database is away.
                health.Failed(Component, e);
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

    /// <summary>
    /// One round: each recipient's endpoint looked up once, the messages POSTed in parallel, and every
    /// outcome (delivered, or due again after back-off) recorded in one write after the round. A
    /// crash before that write sends the round's messages again when their lease expires: at least once.
    /// </summary>
    /// <para>
    /// A message is sent only while this node's lease on it holds (until <paramref name="leaseEnd"/>): a node stalled past
    /// it (a long pause) sends nothing more of the round on waking, since another node may be delivering those messages
    /// now, and records nothing of those it did not send.
    /// </para>
    private async Task DeliverRoundAsync(IReadOnlyList<PendingDelivery> batch, DateTimeOffset leaseEnd, CancellationToken stoppingToken)
    {
        var endpointOf = new Dictionary<Protocol.Domain.Eui, Uri?>();
        foreach (var message in batch)
            if (!endpointOf.ContainsKey(message.Recipient))
                endpointOf[message.Recipient] = await endpoints.FindAsync(message.Recipient, stoppingToken);

        var outcomes = new DeliveryOutcome[batch.Count];
        var failures = new string?[batch.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = CancellationToken.None },
            async (i, _) => failures[i] = clock.GetUtcNow() >= leaseEnd ? LeaseLost : await AttemptAsync(batch[i], endpointOf[batch[i].Recipient], stoppingToken));

        var now = clock.GetUtcNow();
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            outcomes[i] = failures[i] is not { } failure
                ? DeliveryOutcome.Accepted(message.Sequence, now)
                // No endpoint to try: parked until the User gets one (users endpoint) or the operator releases it (outbox retry).
                : endpointOf[message.Recipient] is null && !stoppingToken.IsCancellationRequested
                    ? DeliveryOutcome.Retry(message.Sequence, now, OutboxParking.Until, failure)
                    : DeliveryOutcome.Retry(message.Sequence, now,
                        now + (stoppingToken.IsCancellationRequested ? TimeSpan.Zero : options.Backoff.DelayAfter(message.Attempts + 1)), failure);
        }
        var unsent = failures.Count(f => ReferenceEquals(f, LeaseLost));
        if (unsent > 0) LogLeaseLapsed(logger, unsent);
        await store.RecordAttemptsAsync(unsent == 0 ? outcomes : [.. outcomes.Where((_, i) => !ReferenceEquals(failures[i], LeaseLost))], CancellationToken.None);

        // One line per recipient and reason, not one per message: a User without an endpoint (or
        // with one that is down) must not flood the log while its messages wait.
        foreach (var group in Enumerable.Range(0, batch.Count).Where(i => failures[i] is not null && !ReferenceEquals(failures[i], LeaseLost))
                     .GroupBy(i => (batch[i].Recipient, failures[i]!)))
        {
            var first = batch[group.First()];
            if (outcomes[group.First()].NextAttemptAt == OutboxParking.Until)
                LogParked(logger, group.Count(), group.Key.Recipient.ToString(), first.ResponseId);
            else
                LogRetry(logger, group.Count(), group.Key.Recipient.ToString(), first.ResponseId, first.Attempts + 1,
                    outcomes[group.First()].NextAttemptAt!.Value - now, group.Key.Item2);
        }
    }

    private const string LeaseLost = "this node's delivery lease ran out before it was sent";

    /// <returns>Null when the endpoint accepted the message, else why it was not delivered.</returns>
    private async Task<string?> AttemptAsync(PendingDelivery message, Uri? endpoint, CancellationToken stoppingToken)
    {
        if (endpoint is null)
        {
            _noEndpoint.Inc();
            return $"User {message.Recipient} has no response endpoint";
        }
        try
        {
            // The attempt's time limit is the client's own (HttpClient.Timeout, set to the attempt timeout where the client is
            // made): it links the stopping token with its timer once, where a source of ours would be a second per POST.
            using var content = new ByteArrayContent(message.Body);
            content.Headers.ContentType = Xml;
            using var response = await http.PostAsync(endpoint, content, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                _delivered.Inc();
                return null;
            }
            _retried.Inc();
            return $"{endpoint} answered HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            _retried.Inc();
            return stoppingToken.IsCancellationRequested ? "server stopping" : e.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node's delivery lease on a round ran out before the round ended (the node paused): {Count} message(s) not sent are left to whichever node leases them next")]
    private static partial void LogLeaseLapsed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {Count} message(s) to {Recipient} failed (first {ResponseId}, attempt {Attempt}), next try in {Delay}: {Failure}")]
    private static partial void LogRetry(ILogger logger, int count, string recipient, string responseId, int attempt, TimeSpan delay, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Parked {Count} message(s) for {Recipient} (first {ResponseId}): it has no response endpoint. Set one with `openduis users endpoint {Recipient} URL` (that releases them), or see them with `openduis outbox list`")]
    private static partial void LogParked(ILogger logger, int count, string recipient, string responseId);
}
