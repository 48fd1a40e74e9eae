using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Benchmarks;

/// <summary>
/// Canonicalisation time against the number of namespace declarations in scope (issue: a request
/// padded with 30,000 declarations cost 1.3–2 s of CPU). The declarations sit on the root of an RTDS
/// request, where an attacker puts them: inclusive C14N (the Reference) renders them all once, and
/// every element below must find its own prefix among them; exclusive C14N (SignedInfo's form) renders
/// none. Linear means the time per declaration stays flat from 1k to 30k. The server refuses such a
/// request before this point (64 attributes per element, 4,096 in all: SecureXmlOptions), so the
/// documents are built in memory and canonicalised directly.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*CanonicalisationScaling*' --job short
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class CanonicalisationScalingBenchmarks
{
    private XmlDocument _document = null!;
    private XmlElement _signature = null!;
    private readonly Canonicalizer _canonicalizer = new();

    [Params(1_000, 10_000, 30_000)]
    public int Declarations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _document = new XmlDocument { PreserveWhitespace = true };
        _document.Load(Path.Combine(ReferenceData.Templates, "ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML"));
        for (var i = 0; i < Declarations; i++)
            _document.DocumentElement!.SetAttribute("xmlns:p" + i, "urn:p" + i);
        _signature = (XmlElement)_document.GetElementsByTagName("Signature", DuisSignatureProfile.DsigNamespace)[0]!;
    }

    [Benchmark]
    public int Inclusive() => _canonicalizer.Canonicalise(_document, CanonicalForm.Inclusive, _signature).Length;

    [Benchmark]
    public int Exclusive() => _canonicalizer.Canonicalise(_document, CanonicalForm.Exclusive, _signature).Length;
}
