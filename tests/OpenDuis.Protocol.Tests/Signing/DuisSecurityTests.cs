using System.Text;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>The facade the web server calls on every request, used concurrently as it will be.</summary>
public class DuisSecurityTests
{
    [Fact]
    public void Load_verify_validate_and_sign_from_many_threads_at_once()
    {
        var security = new DuisSecurity(SecurityFixtures.Zaz1, schemas: DuisSchemas.Load(Path.Combine(RepoPaths.Reference, "duis-xsd")));
        var names = SecurityFixtures.TemplateNames().Take(40).ToArray();
        var signed = names.Select(n => SecurityFixtures.SignTemplate(n, out _, out var role) is var b && role == RemotePartyRole.XmlSign ? b : null)
            .Where(b => b is not null).Cast<byte[]>().ToArray();
        var dsp = SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.Dsp)!;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, signed.Length * 10, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var document = security.Load(signed[i % signed.Length]);
            var result = security.Verify(document);
            if (!result.IsValid) failures.Add(result.ToString());
            if (!security.Validate(document).IsValid) failures.Add("schema");
            var response = security.Load(security.SignAndSerialise(document, dsp));
            if (!security.Verify(response, RemotePartyRole.DspXmlSign).IsValid) failures.Add("re-signed");
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void The_facade_applies_its_size_limit_and_validates_structure_without_schemas()
    {
        var security = new DuisSecurity(SecurityFixtures.Zaz1, new SecureXmlOptions { MaxBytes = 512 });
        Assert.Equal(XmlRefusal.Oversize, Assert.Throws<XmlRefusedException>(() => security.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))).Refusal);
        var unbounded = new DuisSecurity(SecurityFixtures.Zaz1);
        Assert.Null(unbounded.Schemas);
        Assert.True(unbounded.Validate(unbounded.Load(SecurityFixtures.TemplateBytes("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))).IsValid);
        Assert.False(unbounded.Validate(unbounded.Load(Encoding.UTF8.GetBytes("<x/>"))).IsValid);
    }
}
