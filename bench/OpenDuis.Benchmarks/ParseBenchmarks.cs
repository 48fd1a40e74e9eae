using BenchmarkDotNet.Attributes;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Parse: a typical 4.x device response read and rendered as the MMC GBCSResponse document, on one
/// thread (target: 50,000 messages/s on one core, i.e. at most 20 µs each). ECS17b (4.1.1) is the
/// MAC-wrapped, encrypted import-register read; ECS82 (4.18) a plain DLMS read with values; GCS60
/// (4.18) the GBZ read of a gas meter; ECS24 (4.11.1) the large tariff read.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private byte[] _message = [];

    [ParamsSource(nameof(MessageValues))]
    public string Message { get; set; } = "";

    public IEnumerable<string> MessageValues =>
    [
        "4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "4.18_ECS82/ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX",
        "4.18_GCS60/GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX", "4.11.1_ECS24/ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX",
    ];

    [GlobalSetup]
    public void Setup()
    {
        var rtds = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!, "rtds-gbcs", "RTDS-4.5.0");
        _message = Convert.FromHexString(File.ReadAllText(Path.Combine(rtds, Message)).Trim());
    }

    [Benchmark]
    public ParsedGbcsMessage ParseOnly() => GbcsParser.Parse(_message);

    [Benchmark(Baseline = true)]
    public string ParseAndRender() => MmcRenderer.Render(GbcsParser.Parse(_message), _message);

    /// <summary>The document written to a TextWriter (one that discards it, as the string above is discarded): no document-sized string.</summary>
    [Benchmark]
    public void ParseAndRenderToWriter() => MmcRenderer.RenderTo(TextWriter.Null, GbcsParser.Parse(_message), _message);
}
