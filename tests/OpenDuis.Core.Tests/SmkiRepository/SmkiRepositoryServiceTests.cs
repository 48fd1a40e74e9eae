using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.SmkiRepository;

public class SmkiRepositoryServiceTests
{
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-A0");

    private static readonly Lazy<(SmkiRepositoryService Service, X509Certificate2 Device)> Repository = new(() =>
    {
        var device = SmkiDeviceCertificates.Issue(Meter);
        Assert.True(RepositoryCertificate.TryCreate(device, out var deviceEntry, out var reason), reason);
        return (SmkiRepositoryService.FromKeyStore(KeyStore.Load(RepoPaths.Keystore), [deviceEntry!]), device);
    });

    private static SmkiRepositoryService Service => Repository.Value.Service;

    private static ReadOnlyMemory<byte> Xml(string text) => Encoding.UTF8.GetBytes(text);

    private static XElement Body(SmkiRepositoryAnswer answer)
    {
        Assert.True(answer.Status == SmkiRepositoryAnswer.Ok, answer.Problem);
        return XDocument.Parse(answer.Xml!).Root!;
    }

    [Fact]
    public void Searching_by_subject_name_finds_the_organisations_certificates()
    {
        var results = Body(Service.Search(Xml("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName></CertificateSearchRequest>")))
            .Elements("Result").ToArray();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal("90-b3-d5-1f-30-01-00-00", (string?)r.Element("CertificateSubjectName")));
        Assert.Contains(results, r => (string?)r.Element("CertificateRole") == "2" && (string?)r.Element("CertificateUsage") == "DS");
        var expected = Service.Certificates.Where(c => c.Kind == RepositoryCertificateKind.Organisation && c.Subject == Supplier)
            .Select(c => c.SerialHex).Order();
        Assert.Equal(expected, results.Select(r => (string)r.Element("CertificateSerial")!).Order());
    }

    [Fact]
    public void Searching_narrows_by_role_and_usage()
    {
        var results = Body(Service.Search(Xml("<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateRole>2</CertificateRole><CertificateUsage>DS</CertificateUsage></CertificateSearchRequest>")))
            .Elements("Result").ToArray();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal(("2", "DS"), ((string?)r.Element("CertificateRole"), (string?)r.Element("CertificateUsage"))));
        Assert.Equal(SmkiRepositoryAnswer.NothingFound, Service.Search(Xml("<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateRole>3</CertificateRole></CertificateSearchRequest>")).Status);
    }

    [Fact]
    public void Searching_by_subject_alt_name_finds_a_device_certificate_and_retrieval_returns_it()
    {
        var result = Assert.Single(Body(Service.Search(Xml("<CertificateSearchRequest><CertificateSubjectAltName>00-db-12-34-56-78-90-a0</CertificateSubjectAltName></CertificateSearchRequest>"))).Elements("Result"));
        var serial = (string)result.Element("CertificateSerial")!;

        var retrieved = Body(Service.Retrieve(Xml($"<CertificateDataRequest><CertificateSerial>{serial.ToUpperInvariant()}</CertificateSerial></CertificateDataRequest>"))).Element("CertificateResponse")!;
        Assert.Equal("00-db-12-34-56-78-90-a0", (string?)retrieved.Element("CertificateSubjectAltName"));
        Assert.Null(retrieved.Element("CertificateSubjectName"));
        Assert.Equal(Repository.Value.Device.RawData, Convert.FromBase64String((string)retrieved.Element("CertificateBody")!));
    }

    [Fact]
    public void Retrieving_an_organisation_certificate_by_serial()
    {
        var supplier = Service.Certificates.First(c => c.Kind == RepositoryCertificateKind.Organisation && c.Subject == Supplier);
        var retrieved = Body(Service.Retrieve(Xml($"<?xml version=\"1.0\" encoding=\"utf-8\"?><CertificateDataRequest><CertificateSerial>{supplier.SerialHex}</CertificateSerial></CertificateDataRequest>"))).Element("CertificateResponse")!;
        Assert.Equal("90-b3-d5-1f-30-01-00-00", (string?)retrieved.Element("CertificateSubjectName"));
        Assert.Equal(supplier.Certificate.RawData, Convert.FromBase64String((string)retrieved.Element("CertificateBody")!));
    }

    [Theory]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>00-db-12-34-56-78-90-ff</CertificateSubjectName></CertificateSearchRequest>")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectAltName>90-b3-d5-1f-30-01-00-00</CertificateSubjectAltName></CertificateSearchRequest>")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName><CertificateStatus>R</CertificateStatus></CertificateSearchRequest>")]
    public void Nothing_found_is_402(string request) =>
        Assert.Equal(SmkiRepositoryAnswer.NothingFound, Service.Search(Xml(request)).Status);

    [Fact]
    public void Retrieving_an_unknown_serial_is_402() =>
        Assert.Equal(SmkiRepositoryAnswer.NothingFound, Service.Retrieve(Xml("<CertificateDataRequest><CertificateSerial>1234abcd</CertificateSerial></CertificateDataRequest>")).Status);

    [Theory]
    [InlineData("", "Empty")]
    [InlineData("<CertificateSearchRequest>", "NotWellFormed")]
    [InlineData("<!DOCTYPE x [<!ENTITY e \"x\">]><CertificateSearchRequest/>", "DtdPresent")]
    [InlineData("<CertificateDataRequest><CertificateSerial>1</CertificateSerial></CertificateDataRequest>", "expected a CertificateSearchRequest")]
    [InlineData("<CertificateSearchRequest/>", "give CertificateSubjectName")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>supplier</CertificateSubjectName></CertificateSearchRequest>", "is not an EUI-64")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName><CertificateRole>supplier</CertificateRole></CertificateSearchRequest>", "not a Remote Party Role")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName><CertificateUsage>XX</CertificateUsage></CertificateSearchRequest>", "not DS or KA")]
    [InlineData("<CertificateSearchRequest><Password>x</Password></CertificateSearchRequest>", "may hold only")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName></CertificateSearchRequest>", "given twice")]
    public void Unusable_searches_are_401_with_the_reason(string request, string because)
    {
        var answer = Service.Search(Xml(request));
        Assert.Equal(SmkiRepositoryAnswer.InvalidParameters, answer.Status);
        Assert.Contains(because, answer.Problem);
    }

    [Theory]
    [InlineData("<CertificateDataRequest/>", "give CertificateSerial")]
    [InlineData("<CertificateDataRequest><CertificateSerial>zz</CertificateSerial></CertificateDataRequest>", "not a hex serial")]
    public void Unusable_retrievals_are_401_with_the_reason(string request, string because)
    {
        var answer = Service.Retrieve(Xml(request));
        Assert.Equal(SmkiRepositoryAnswer.InvalidParameters, answer.Status);
        Assert.Contains(because, answer.Problem);
    }

    [Fact]
    public void A_certificate_that_is_neither_organisation_nor_device_is_refused()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var plain = new CertificateRequest("CN=plain", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.False(RepositoryCertificate.TryCreate(plain, out _, out var reason));
        Assert.Contains("nor a Device Certificate", reason);
    }
}
