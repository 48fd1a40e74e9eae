using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.SmkiRepository;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.SmkiRepository;

/// <summary>
/// The SMKI Repository interface over real HTTP on loopback, spoken to by HttpClient and by the
/// DCC Boxed client library <c>@smartdcc/dccboxed-keystore</c> (npm, run with Node).
/// </summary>
public sealed class SmkiRepositoryServerTests : IAsyncLifetime
{
    private const string ClientPackage = "@smartdcc/dccboxed-keystore@0.4.2";
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-A1");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly HttpClient _http = new();
    private SmkiRepositoryService _repository = null!;
    private SmkiRepositoryServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        RepositoryCertificate.TryCreate(SmkiDeviceCertificates.Issue(Meter), out var device, out var reason);
        Assert.True(device is not null, reason);
        _repository = SmkiRepositoryService.FromKeyStore(KeyStore.Load(RepoPaths.Keystore), [device]);
        _server = await SmkiRepositoryServer.StartAsync(_repository, port: 0, cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
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
        var address = $"{_server.BaseAddress.Host}:{_server.BaseAddress.Port}";

        using var result = JsonDocument.Parse(await RunClientAsync(address, supplier.SerialHex, Meter.ToString()));
        var organisation = result.RootElement.GetProperty("organisation");
        Assert.Equal(supplier.Subject.ToCompactString().ToLowerInvariant(), organisation.GetProperty("eui").GetString());
        Assert.Equal(2, organisation.GetProperty("role").GetInt32());
        Assert.Equal(supplier.SerialHex, organisation.GetProperty("serial").GetString());
        Assert.Equal(Convert.ToBase64String(supplier.Certificate.RawData), organisation.GetProperty("der").GetString());

        var found = Assert.Single(result.RootElement.GetProperty("device").EnumerateArray());
        Assert.Equal(Meter.ToCompactString().ToLowerInvariant(), found.GetProperty("eui").GetString());
        Assert.Equal(device.SerialHex, found.GetProperty("serial").GetString());
        Assert.Equal(Convert.ToBase64String(device.Certificate.RawData), found.GetProperty("der").GetString());

        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("unknownDevice").ValueKind);
    }

    private const string ClientScript = """
        const { BoxedKeyStore, KeyUsage } = require('@smartdcc/dccboxed-keystore');
        const [address, dir, serial, meter] = process.argv.slice(1);
        const der = (c) => c.raw.toString('base64');
        (async () => {
          const ks = await BoxedKeyStore.new(address, `${dir}/local.json`, `${dir}/backing.json`);
          const org = await ks.query({ lookup: 'certificate', serial: BigInt('0x' + serial) });
          const dev = await ks.query({ lookup: 'certificate', eui: meter, keyUsage: KeyUsage.digitalSignature });
          const unknown = await ks.query({ lookup: 'certificate', eui: '00-db-12-34-56-78-90-ff', keyUsage: KeyUsage.digitalSignature });
          console.log(JSON.stringify({
            organisation: org && { eui: org.eui.toString(), role: org.role, serial: org.serial.toString(16), der: der(org.certificate) },
            device: dev && dev.map(d => ({ eui: d.eui.toString(), serial: d.serial.toString(16), der: der(d.certificate) })),
            unknownDevice: unknown,
          }));
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    /// <summary>Runs the npm client against the server; its local and backing stores start empty, so every answer comes over HTTP.</summary>
    private static async Task<string> RunClientAsync(string address, string serial, string meter)
    {
        var modules = LocateClientModules();
        var work = Directory.CreateTempSubdirectory("openduis-smki-client-").FullName;
        try
        {
            var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["NODE_PATH"] = modules;
            foreach (var arg in (string[])["-e", ClientScript, address, work, serial, meter]) psi.ArgumentList.Add(arg);
            using var node = Process.Start(psi) ?? throw Prerequisite.Missing("node");
            var stdout = node.StandardOutput.ReadToEndAsync(Ct);
            var stderr = node.StandardError.ReadToEndAsync(Ct);
            await node.WaitForExitAsync(Ct);
            Assert.True(node.ExitCode == 0, $"client failed: {await stderr}");
            return await stdout;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    private static string LocateClientModules()
    {
        var tools = Path.Combine(RepoPaths.Root, ".tools");
        var modules = Path.Combine(tools, "node_modules");
        if (Directory.Exists(Path.Combine(modules, "@smartdcc", "dccboxed-keystore"))) return modules;
        Directory.CreateDirectory(tools);
        try
        {
            var psi = new ProcessStartInfo("npm") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["install", "--no-audit", "--no-fund", "--prefix", tools, ClientPackage]) psi.ArgumentList.Add(arg);
            using var npm = Process.Start(psi)!;
            npm.StandardOutput.ReadToEnd();
            npm.StandardError.ReadToEnd();
            npm.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw Prerequisite.Missing($"npm, to install {ClientPackage}");
        }
        return Directory.Exists(Path.Combine(modules, "@smartdcc", "dccboxed-keystore"))
            ? modules
            : throw Prerequisite.Missing($"{ClientPackage} (npm install into {tools} failed)");
    }
}
