using System.Globalization;
using Microsoft.Extensions.Hosting;
using OpenDuis.Server.Observability;

namespace OpenDuis.OperatorConsole.Health;

/// <summary>One interval of the last hour: requests answered, by Response Code, and the latency percentiles.</summary>
internal sealed record MetricsPoint(DateTimeOffset At, double Seconds, long Requests, IReadOnlyDictionary<string, long> ByCode, double? P50, double? P95, double? P99);

/// <summary>
/// The Health page's last hour, sampled from what /metrics counts: every <see cref="Interval"/> the
/// server's registry is exported as Prometheus text (as a scraper would read it), and the change of
/// openduis_requests_total and of the openduis_request_duration_seconds buckets since the previous
/// sample becomes one point.
/// </summary>
internal sealed class MetricsHistory(DuisMetrics metrics, TimeProvider clock) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public const int Points = 360;

    private readonly Lock _lock = new();
    private readonly Queue<MetricsPoint> _points = new();
    private Snapshot? _previous;

    public IReadOnlyList<MetricsPoint> History { get { lock (_lock) return _points.ToList(); } }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        await SampleAsync(stoppingToken);
        while (await timer.WaitForNextTickAsync(stoppingToken)) await SampleAsync(stoppingToken);
    }

    /// <summary>Takes one sample now (the page also calls it so a fresh server shows something).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text, cancellationToken);
        var now = Snapshot.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray()), clock.GetUtcNow());
        lock (_lock)
        {
            if (_previous is { } before && now.At > before.At)
            {
                var byCode = now.ByCode.ToDictionary(p => p.Key, p => p.Value - before.ByCode.GetValueOrDefault(p.Key));
                var buckets = now.Buckets.Select(b => (b.Le, Count: b.Count - before.Buckets.FirstOrDefault(x => x.Le == b.Le).Count)).ToList();
                _points.Enqueue(new MetricsPoint(now.At, (now.At - before.At).TotalSeconds, byCode.Values.Sum(), byCode.Where(p => p.Value > 0).ToDictionary(),
                    Quantile(buckets, 0.50), Quantile(buckets, 0.95), Quantile(buckets, 0.99)));
                while (_points.Count > Points) _points.Dequeue();
            }
            _previous = now;
        }
    }

    /// <summary>The bucket bound under which the quantile falls (Prometheus histogram_quantile, without interpolation).</summary>
    private static double? Quantile(List<(double Le, double Count)> cumulative, double q)
    {
        var total = cumulative.Count == 0 ? 0 : cumulative.Max(b => b.Count);
        if (total <= 0) return null;
        foreach (var (le, count) in cumulative.OrderBy(b => b.Le))
            if (count >= q * total) return double.IsPositiveInfinity(le) ? null : le;
        return null;
    }

    private sealed record Snapshot(DateTimeOffset At, Dictionary<string, long> ByCode, List<(double Le, double Count)> Buckets)
    {
        /// <summary>Reads the two families from the exposition text, summed over services.</summary>
        public static Snapshot Parse(string exposition, DateTimeOffset at)
        {
            var byCode = new Dictionary<string, long>();
            var buckets = new Dictionary<double, double>();
            foreach (var line in exposition.Split('\n'))
            {
                if (line.StartsWith("openduis_requests_total{", StringComparison.Ordinal) && Label(line, "code") is { } code)
                    byCode[code] = byCode.GetValueOrDefault(code) + (long)Value(line);
                else if (line.StartsWith("openduis_request_duration_seconds_bucket{", StringComparison.Ordinal) && Label(line, "le") is { } le)
                {
                    var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                    buckets[bound] = buckets.GetValueOrDefault(bound) + Value(line);
                }
            }
            return new Snapshot(at, byCode, buckets.Select(p => (p.Key, p.Value)).ToList());
        }

        private static string? Label(string line, string name)
        {
            var start = line.IndexOf(name + "=\"", StringComparison.Ordinal);
            if (start < 0) return null;
            start += name.Length + 2;
            var end = line.IndexOf('"', start);
            return end < 0 ? null : line[start..end];
        }

        private static double Value(string line) =>
            double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
