using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// With LOADGEN_ALLOCATIONS set, the runtime's allocation samples (GC AllocationTick: one event per about
/// 100 KB allocated, naming the type whose allocation crossed the mark) are counted by type during the
/// load, so the allocation per request can be split by what is allocated.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _counting;

    public static AllocationSampler? StartIfAsked() =>
        Environment.GetEnvironmentVariable("LOADGEN_ALLOCATIONS") is null ? null : new AllocationSampler();

    public void Begin() => _counting = true;

    public void End() => _counting = false;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // GC keyword (0x1) at Verbose carries AllocationTick.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_counting || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
    }

    /// <summary>The types that took the most, in KB per request.</summary>
    public string Report(int requests, int top = 25)
    {
        var total = _bytes.Values.Sum();
        return string.Join(Environment.NewLine, _bytes.OrderByDescending(p => p.Value).Take(top).Select(p =>
            string.Create(CultureInfo.InvariantCulture, $"  {p.Value / 1024.0 / requests,6:F1} KB/request {100.0 * p.Value / total,5:F1} %  {p.Key}")));
    }
}
