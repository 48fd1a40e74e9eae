using System.Diagnostics;
using System.Globalization;

/// <summary>
/// An operator watching the Traffic page during a load: the page loaded every second (its latency
/// kept), and its live stream read (events, rows, and the longest wait between two events).
/// </summary>
internal sealed class ConsoleViewer
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<double> _pageMs = [];
    private readonly Task _pages, _stream;
    private long _events, _rows, _longestGapTicks;

    public ConsoleViewer(Uri console)
    {
        _pages = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    (await _http.GetStringAsync(new Uri(console, "traffic"), _stop.Token)).AsSpan();
                    lock (_pageMs) _pageMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    await Task.Delay(1000, _stop.Token);
                }
                catch (OperationCanceledException) { return; }
            }
        });
        _stream = Task.Run(async () =>
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(console, "traffic/stream"), HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                var last = Stopwatch.GetTimestamp();
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line == "event: rows")
                    {
                        var now = Stopwatch.GetTimestamp();
                        if (_events++ > 0) _longestGapTicks = Math.Max(_longestGapTicks, now - last);
                        last = now;
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                        for (var at = line.IndexOf("<tr ", StringComparison.Ordinal); at >= 0; at = line.IndexOf("<tr ", at + 4, StringComparison.Ordinal)) _rows++;
                }
            }
            catch (OperationCanceledException) { }
        });
    }

    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_pages, _stream);
        _http.Dispose();
        var pages = _pageMs.Order().ToArray();
        double P(double q) => pages.Length == 0 ? double.NaN : pages[Math.Min(pages.Length - 1, (int)Math.Ceiling(q * pages.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"Traffic page loaded {pages.Length} times during the load, p50 {P(0.5):F0} ms, max {P(1):F0} ms; live stream {_events} events with {_rows} rows, " +
            $"longest gap between events {_longestGapTicks * 1000.0 / Stopwatch.Frequency:F0} ms");
    }
}
