using System.Net;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;

namespace OpenDuis.Interop.Tests.Tls;

/// <summary>One duis-profile server and its demo DCCKI for all the handshake tests.</summary>
public sealed class DuisProfileServer : IAsyncLifetime
{
    public static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("openduis-dccki-").FullName;
    public DcckiFiles Files { get; private set; } = null!;
    public DuisServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Files = DcckiDemoPki.Generate(Directory, [User], TimeProvider.System);
        Server = await DuisServer.StartAsync(
            new ServerOptions { Profile = ConnectionProfile.Duis, Port = 0, Dccki = Files, MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning },
            _ => { });
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, true);
    }
}

/// <summary>R-WS-3: TLS 1.2 only, TLS_RSA_WITH_AES_128_GCM_SHA256 only, DCCKI client certificate required.</summary>
public sealed class TlsProfileTests(DuisProfileServer fixture) : IClassFixture<DuisProfileServer>
{
    private Task<OpenSsl.ClientResult> Connect(params string[] options) => OpenSsl.SClientAsync(fixture.Server.BaseAddress, options);

    private string[] ClientCertificate =>
        ["-cert", fixture.Files.ClientCertificate(DuisProfileServer.User), "-key", fixture.Files.ClientKey(DuisProfileServer.User)];

    [Fact]
    public async Task Handshake_completes_with_TLS12_the_one_suite_and_a_DCCKI_client_certificate()
    {
        var result = await Connect(["-tls1_2", "-cipher", "AES128-GCM-SHA256", "-CAfile", fixture.Files.CaCertificate, "-verify_return_error", .. ClientCertificate]);

        Assert.True(result.GotHttpOk, result.ToString());
        Assert.Contains("Cipher is AES128-GCM-SHA256", result.Output);
        Assert.Contains("Protocol  : TLSv1.2", result.Output);
        Assert.Contains("Verify return code: 0 (ok)", result.Output);
    }

    [Fact]
    public async Task Handshake_fails_without_a_client_certificate()
    {
        var result = await Connect("-tls1_2", "-cipher", "AES128-GCM-SHA256");

        Assert.False(result.GotHttpOk, result.ToString());
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task Handshake_fails_with_TLS13()
    {
        var result = await Connect(["-tls1_3", .. ClientCertificate]);

        Assert.False(result.GotHttpOk, result.ToString());
        Assert.NotEqual(0, result.ExitCode);
    }

    [Theory]
    [InlineData("ECDHE-RSA-AES128-GCM-SHA256")]
    [InlineData("AES256-GCM-SHA384")]
    [InlineData("ECDHE-RSA-AES256-GCM-SHA384")]
    [InlineData("AES128-SHA256")]
    public async Task Handshake_fails_with_any_other_cipher_suite(string cipher)
    {
        var result = await Connect(["-tls1_2", "-cipher", cipher, .. ClientCertificate]);

        Assert.False(result.GotHttpOk, result.ToString());
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task Handshake_fails_with_a_client_certificate_from_another_CA()
    {
        var stranger = Path.Combine(fixture.Directory, "stranger");
        var files = DcckiDemoPki.Generate(stranger, [DuisProfileServer.User], TimeProvider.System);

        var result = await Connect("-tls1_2", "-cipher", "AES128-GCM-SHA256",
            "-cert", files.ClientCertificate(DuisProfileServer.User), "-key", files.ClientKey(DuisProfileServer.User));

        Assert.False(result.GotHttpOk, result.ToString());
    }

    [Fact]
    public async Task DotNet_client_with_the_demo_certificate_reaches_health_over_the_profile()
    {
        using var http = new HttpClient(DuisTlsProfile.CreateClientHandler(fixture.Files, DuisProfileServer.User));

        var response = await http.GetAsync(new Uri(fixture.Server.BaseAddress, "/health"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Demo_DCCKI_issues_RSA_server_and_client_certificates_chained_to_its_CA()
    {
        using var server = X509CertificateLoader.LoadCertificateFromFile(fixture.Files.ServerCertificate);
        using var client = X509CertificateLoader.LoadCertificateFromFile(fixture.Files.ClientCertificate(DuisProfileServer.User));
        var profile = DuisTlsProfile.Load(fixture.Files);

        Assert.NotNull(server.GetRSAPublicKey());
        Assert.True(profile.IsDcckiClient(client));
        Assert.False(profile.IsDcckiClient(server)); // a server certificate is not for client authentication
        Assert.Contains(DuisProfileServer.User.ToString(), client.Subject);
        Assert.Equal(2048, client.GetRSAPublicKey()!.KeySize);
    }
}
