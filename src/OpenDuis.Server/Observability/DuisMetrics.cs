using Prometheus;

namespace OpenDuis.Server.Observability;

/// <summary>
/// The Prometheus series the server exposes on /metrics. Each server instance has its own registry,
/// so several servers in one process (tests, benchmarks) do not mix their figures.
/// </summary>
public sealed class DuisMetrics
{
    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    /// <summary>Requests by web service (S, T, D), DUIS response code and outcome.</summary>
    public Counter Requests { get; }

    /// <summary>Time from the last body byte read to the synchronous answer written, by service.</summary>
    public Histogram Latency { get; }

    /// <summary>Messages in the outbox not yet accepted by their User.</summary>
    public Gauge OutboxDepth { get; }

    /// <summary>Delivery attempts by outcome (delivered, retry, no_endpoint).</summary>
    public Counter Deliveries { get; }

    /// <summary>
    /// Bytes the process has allocated since it started (<see cref="GC.GetTotalAllocatedBytes"/>), read at each scrape: a
    /// load generator outside the process divides its growth by the requests it sent for the server's allocation per request.
    /// </summary>
    public Gauge AllocatedBytes { get; }

    public DuisMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        Requests = factory.CreateCounter("openduis_requests_total", "DUIS requests answered, by service, response code and outcome.",
            new CounterConfiguration { LabelNames = ["service", "code", "outcome"] });
        Latency = factory.CreateHistogram("openduis_request_duration_seconds", "Synchronous answer latency, by service.",
            new HistogramConfiguration
            {
                LabelNames = ["service"],
                Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16),
            });
        OutboxDepth = factory.CreateGauge("openduis_outbox_depth", "Service Responses and DCC Alerts not yet delivered.");
        Deliveries = factory.CreateCounter("openduis_outbox_deliveries_total", "Outbox delivery attempts by outcome.",
            new CounterConfiguration { LabelNames = ["outcome"] });
        AllocatedBytes = factory.CreateGauge("openduis_process_allocated_bytes", "Bytes allocated by the process since it started (managed heap).");
        Registry.AddBeforeCollectCallback(() => AllocatedBytes.Set(GC.GetTotalAllocatedBytes()));
    }
}
