using System.Net;
using System.Text;
using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using OpenDuis.Core.Demo;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Server.Hosting;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.SmkiRepository;
using OpenDuis.TestSupport;

namespace OpenDuis.Interop.Tests.SmkiRepository;

/// <summary>
/// The SMKI Repository interface over real HTTP on loopback, spoken to by HttpClient and by the
/// DCC Boxed client library <c>@smartdcc/dccboxed-keystore</c> (npm, run with Node): Organisation
/// Certificates and the Device Certificates of the Device key store (issue 16).
/// </summary>
public sealed class SmkiRepositoryServerTests : IAsyncLifetime
{
    /// <summary>A Device Certificate lodged once for all (not one of the Device key store's).</summary>
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-F1");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly HttpClient _http = new();
    private SmkiRepositoryService _repository = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("openduis-smki-device-keys-").FullName;
    private DeviceKeyStore _deviceKeys = null!;
    private SmkiRepositoryServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        RepositoryCertificate.TryCreate(SmkiDeviceCertificates.Issue(Meter), out var device, out var reason);
        Assert.True(device is not null, reason);
        _deviceKeys = DeviceKeyStore.Open(_folder);
        _deviceKeys.EnsureAll(DemoEnvironment.Devices.Select(d => d.Id));
        // The demo key set, whose Users hold key-agreement Organisation Certificates, beside ZAZ1.
        var demo = Path.Combine(_folder, "demo");
        DemoKeySet.Generate(demo, [new DemoParty(DemoEnvironment.Supplier, RemotePartyRole.Supplier)]);
        var keys = KeyStore.Create(KeyStore.Load(RepoPaths.Keystore).Certificates.Concat(KeyStore.Load(demo).Certificates), []);
        _repository = SmkiRepositoryService.FromKeyStore(keys, [device], new InventoryDeviceKeys(_deviceKeys));
        _server = await SmkiRepositoryServer.StartAsync(_repository, port: 0, cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    private Task<HttpResponseMessage> Post(string path, string body, string contentType = "application/xml") =>
        _http.PostAsync(new Uri(_server.BaseAddress, path + "?apikey=u3bg9gt38htd0j2"), new StringContent(body, Encoding.UTF8, contentType), Ct);

    [Fact]
    public async Task Search_answers_application_xml()
    {
        using var response = await Post(SmkiRepositoryEndpoints.SearchPath,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName></CertificateSearchRequest>");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<CertificateSearchResponse><Result>", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Nothing_found_is_402_and_bad_parameters_401_with_the_reason()
    {
        using var none = await Post(SmkiRepositoryEndpoints.RetrievePath, "<CertificateDataRequest><CertificateSerial>abc123</CertificateSerial></CertificateDataRequest>");
        Assert.Equal(HttpStatusCode.PaymentRequired, none.StatusCode);

        using var bad = await Post(SmkiRepositoryEndpoints.SearchPath, "<CertificateSearchRequest><CertificateSubjectName>nobody</CertificateSubjectName></CertificateSearchRequest>");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("is not an EUI-64", await bad.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        using var response = await Post(SmkiRepositoryEndpoints.SearchPath, "{}", "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Oversize_body_is_413()
    {
        using var response = await Post(SmkiRepositoryEndpoints.SearchPath, "<CertificateSearchRequest>" + new string(' ', SmkiRepositoryEndpoints.MaxRequestBytes) + "</CertificateSearchRequest>");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task The_DCC_Boxed_keystore_client_finds_and_retrieves_certificates()
    {
        var supplier = _repository.Certificates.First(c => c.Kind == RepositoryCertificateKind.Organisation && c.Role == RemotePartyRole.Supplier);
        var device = _repository.Certificates.Single(c => c.Kind == RepositoryCertificateKind.Device);

        var results = await DccBoxedKeystoreClient.QueryAsync(_server.BaseAddress,
            new(Serial: supplier.SerialHex), new(Eui: Meter.ToString(), Usage: "ds"), new(Eui: "00-db-12-34-56-78-90-ff", Usage: "ds"));

        var organisation = Assert.Single(results[0].GetProperty("result").EnumerateArray());
        Assert.Equal(supplier.Subject.ToCompactString().ToLowerInvariant(), organisation.GetProperty("eui").GetString());
        Assert.Equal(2, organisation.GetProperty("role").GetInt32());
        Assert.Equal(supplier.SerialHex, organisation.GetProperty("serial").GetString());
        Assert.Equal(Convert.ToBase64String(supplier.Certificate.RawData), organisation.GetProperty("der").GetString());

        var found = Assert.Single(results[1].GetProperty("result").EnumerateArray());
        Assert.Equal(Meter.ToCompactString().ToLowerInvariant(), found.GetProperty("eui").GetString());
        Assert.Equal(device.SerialHex, found.GetProperty("serial").GetString());
        Assert.Equal(Convert.ToBase64String(device.Certificate.RawData), found.GetProperty("der").GetString());

        Assert.Equal(JsonValueKind.Null, results[2].GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task The_client_fetches_each_demo_Device_s_DS_and_KA_certificates_as_the_Device_key_store_holds_them()
    {
        var queries = DemoEnvironment.Devices.SelectMany(d => new DccBoxedKeystoreClient.Query[] { new(d.Id.ToString(), "ds"), new(d.Id.ToString(), "ka") }).ToArray();
        var results = await DccBoxedKeystoreClient.QueryAsync(_server.BaseAddress, queries);
        for (var i = 0; i < queries.Length; i++)
        {
            var device = Eui.Parse(queries[i].Eui!);
            var held = _deviceKeys.Find(device)!;
            var expected = queries[i].Usage == "ds" ? held.DigitalSigningCertificate : held.KeyAgreementCertificate;
            var found = Assert.Single(results[i].GetProperty("result").EnumerateArray());
            Assert.Equal(device.ToCompactString().ToLowerInvariant(), found.GetProperty("eui").GetString());
            Assert.Equal(Convert.ToBase64String(expected.RawData), found.GetProperty("der").GetString());
            Assert.Equal(expected.SerialNumber.TrimStart('0').ToLowerInvariant(), found.GetProperty("serial").GetString());
        }
    }

    [Fact]
    public async Task A_Device_search_answers_its_DS_and_KA_certificates_In_use_and_each_is_retrieved_by_serial()
    {
        using var search = await Post(SmkiRepositoryEndpoints.SearchPath,
            $"<?xml version=\"1.0\" encoding=\"utf-8\"?><CertificateSearchRequest><CertificateSubjectAltName>{DemoEnvironment.Esme.ToString().ToLowerInvariant()}</CertificateSubjectAltName></CertificateSearchRequest>");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var results = XDocument.Parse(await search.Content.ReadAsStringAsync(Ct)).Root!.Elements("Result").ToArray();
        Assert.Equal(["DS", "KA"], results.Select(r => r.Element("CertificateUsage")!.Value).Order());
        Assert.All(results, r => Assert.Equal("I", r.Element("CertificateStatus")!.Value));
        Assert.All(results, r => Assert.Equal(DemoEnvironment.Esme.ToString().ToLowerInvariant(), r.Element("CertificateSubjectAltName")!.Value));
        Assert.All(results, r => Assert.Null(r.Element("CertificateSubjectName")));

        foreach (var result in results)
        {
            var serial = result.Element("CertificateSerial")!.Value;
            using var retrieved = await Post(SmkiRepositoryEndpoints.RetrievePath, $"<CertificateDataRequest><CertificateSerial>{serial}</CertificateSerial></CertificateDataRequest>");
            Assert.Equal(HttpStatusCode.OK, retrieved.StatusCode);
            var body = XDocument.Parse(await retrieved.Content.ReadAsStringAsync(Ct)).Root!.Element("CertificateResponse")!;
            using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.Element("CertificateBody")!.Value));
            Assert.True(SmkiDeviceCertificate.TryReadDeviceId(certificate, out var named) && named == DemoEnvironment.Esme);
            Assert.Equal(result.Element("CertificateUsage")!.Value, body.Element("CertificateUsage")!.Value);
        }
    }

    [Theory]
    [InlineData("<CertificateSearchRequest><CertificateSubjectAltName>00-db-12-34-56-78-90-fe</CertificateSubjectAltName></CertificateSearchRequest>", HttpStatusCode.PaymentRequired, "no certificate matches")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectAltName>00db12345678</CertificateSubjectAltName></CertificateSearchRequest>", HttpStatusCode.Unauthorized, "is not an EUI-64")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectAltName>00-db-12-34-56-78-90-a0</CertificateSubjectAltName><CertificateUsage>XX</CertificateUsage></CertificateSearchRequest>", HttpStatusCode.Unauthorized, "is not DS or KA")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectAltName>00-db-12-34-56-78-90-a0</CertificateSubjectAltName><CertificateStatus>R</CertificateStatus></CertificateSearchRequest>", HttpStatusCode.PaymentRequired, "only In-use")]
    [InlineData("<CertificateSearchRequest><CertificateSubjectName>00-db-12-34-56-78-90-a0</CertificateSubjectName></CertificateSearchRequest>", HttpStatusCode.PaymentRequired, "no certificate matches")]
    [InlineData("<CertificateDataRequest><CertificateSerial>zz</CertificateSerial></CertificateDataRequest>", HttpStatusCode.Unauthorized, "is not a hex serial")]
    public async Task Bad_Device_searches_get_DCC_Boxed_s_answers(string body, HttpStatusCode status, string reason)
    {
        var path = body.StartsWith("<CertificateDataRequest", StringComparison.Ordinal) ? SmkiRepositoryEndpoints.RetrievePath : SmkiRepositoryEndpoints.SearchPath;
        using var response = await Post(path, body);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_client_gets_nothing_for_an_unknown_Device_or_serial()
    {
        var results = await DccBoxedKeystoreClient.QueryAsync(_server.BaseAddress,
            new("00-db-12-34-56-78-90-fe", "ka"), new(Serial: "123456789abcdef"));
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("result").ValueKind);
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Organisation_key_agreement_certificates_are_served()
    {
        var ka = _repository.Certificates.First(c => c.Kind == RepositoryCertificateKind.Organisation && c.Usage == CertificateKeyUsage.KeyAgreement);
        using var response = await Post(SmkiRepositoryEndpoints.SearchPath,
            $"<CertificateSearchRequest><CertificateSubjectName>{ka.Subject.ToString().ToLowerInvariant()}</CertificateSubjectName><CertificateUsage>KA</CertificateUsage></CertificateSearchRequest>");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<CertificateSerial>{ka.SerialHex}</CertificateSerial>", await response.Content.ReadAsStringAsync(Ct));
    }
}
