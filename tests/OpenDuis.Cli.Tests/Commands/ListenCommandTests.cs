using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenDuis.Core.Demo;
using OpenDuis.Server.Tls;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis listen --dccki-user</c> as a separate process: a User's endpoint on the duis profile.</summary>
public sealed class ListenCommandTests : IAsyncLifetime
{
    private readonly OpenduisProcesses _cli = new("openduis-listen-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Process Start(params string[] args) => _cli.Start(args);

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) => _cli.RunAsync(args);

    [Fact]
    public async Task A_dccki_user_that_is_no_EUI_or_has_no_certificate_is_refused_naming_why()
    {
        var (code, output) = await RunAsync("listen", "--port", "0", "--data", _data, "--dccki-user", "not-a-user");
        Assert.Equal(1, code);
        Assert.Contains("--dccki-user 'not-a-user' is not an EUI-64 User ID.", output);

        (code, output) = await RunAsync("listen", "--port", "0", "--data", _data, "--dccki-user", DemoEnvironment.Supplier.ToString());
        Assert.Equal(1, code);
        Assert.Contains($"--dccki-user {DemoEnvironment.Supplier}: no DCCKI certificate at", output);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_endpoint_serves_mutual_TLS_with_the_users_certificate_to_the_DCCs_client_certificate()
    {
        Assert.Equal(0, (await RunAsync("init", "--data", _data)).ExitCode);
        var files = DcckiDemoPki.Generate(Path.Combine(_data, "dccki"), [DemoEnvironment.Supplier], TimeProvider.System);
        var port = FreePort();
        var listen = Start("listen", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _data, "--dccki-user", DemoEnvironment.Supplier.ToString());
        var line = await ReadUntilAsync(listen, "Listening on ");
        Assert.Contains("https://", line);

        var dcc = new DuisTlsProfile(X509Certificate2.CreateFromPemFile(files.ServerCertificate, files.ServerKey),
            X509CertificateLoader.LoadCertificateFromFile(files.CaCertificate),
            X509Certificate2.CreateFromPemFile(files.DspClientCertificate, files.DspClientKey));
        using var http = new HttpClient(dcc.CreateDeliveryHandler());
        using var response = await http.PostAsync(new Uri($"https://127.0.0.1:{port}/duis"), new StringContent("<not-signed/>", Encoding.UTF8, "application/xml"), Ct);

        // The handshake held (DCC client certificate accepted, the User's certificate trusted); the unsigned body is refused.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>Reads a running command's output up to the first line containing <paramref name="marker"/> (60 s at most).</summary>
    internal static async Task<string> ReadUntilAsync(Process p, string marker)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await p.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line.Contains(marker, StringComparison.Ordinal)) return line;
        throw new InvalidOperationException($"the process ended without printing '{marker}': {await p.StandardError.ReadToEndAsync(Ct)}");
    }

    private static int FreePort() => OpenduisProcesses.FreePort();
}
