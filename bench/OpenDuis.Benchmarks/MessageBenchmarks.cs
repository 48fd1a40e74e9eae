using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The DUIS message layer without crypto: reading a request from its parsed document (the header
/// parse the hot path pays on every request), writing it back, and building the acknowledgement.
/// </summary>
[MemoryDiagnoser]
public class MessageBenchmarks
{
    private XmlDocument _request = null!;
    private DuisRequest _parsed = null!;
    private string _text = null!;
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Params("CS11_3.3_SUCCESS_REQUEST_DUIS.XML", "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")]
    public string Template { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _text = File.ReadAllText(Path.Combine(ReferenceData.Templates, Template));
        _request = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        _request.LoadXml(_text);
        _parsed = DuisRequest.Read(_request);
    }

    /// <summary>Header and body location from an already-loaded document.</summary>
    [Benchmark(Baseline = true)]
    public DuisRequest ReadRequest() => DuisRequest.Read(_request);

    /// <summary>For scale: the XML parse that produces the document in the first place.</summary>
    [Benchmark]
    public XmlDocument LoadDocument()
    {
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(_text);
        return doc;
    }

    [Benchmark]
    public XmlDocument WriteRequest() => _parsed.ToXmlDocument();

    [Benchmark]
    public XmlDocument BuildAcknowledgement() => DuisResponse.CreateAcknowledgement(_parsed, ResponseCode.I99, At).ToXmlDocument();
}

internal static class ReferenceData
{
    /// <summary>../shared/reference beside the repository (or $OPENDUIS_REFERENCE).</summary>
    public static string Templates
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("OPENDUIS_REFERENCE");
            if (configured is not null) return Path.Combine(configured, "duis-templates");
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenDuis.slnx"))) dir = dir.Parent;
            if (dir is null) throw new DirectoryNotFoundException("OpenDuis.slnx not found above " + AppContext.BaseDirectory + "; set OPENDUIS_REFERENCE.");
            return Path.Combine(dir.FullName, "..", "shared", "reference", "duis-templates");
        }
    }
}
