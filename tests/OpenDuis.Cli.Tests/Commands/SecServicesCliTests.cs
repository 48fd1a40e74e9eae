using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis notice|incident|triage</c> as a separate process: output, refusals and exit codes.</summary>
public sealed class SecServicesCliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("openduis-sec-cli-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, true);

    private static async Task<(int ExitCode, string Out, string Err)> Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "openduis.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Notice_deemed_prints_the_time_in_ISO_8601_with_the_UK_offset()
    {
        var (code, output, _) = await Run("notice", "deemed", "--method", "post", "--sent", "2026-12-23T17:45");
        Assert.Equal(0, code);
        Assert.StartsWith("2026-12-29T00:00:00+00:00", output);
        Assert.Contains("M10.4(b)", output);
    }

    [Fact]
    public async Task Notice_deemed_refuses_fax_and_a_bounced_email_with_exit_1()
    {
        var fax = await Run("notice", "deemed", "--method", "fax", "--sent", "2026-11-25T10:00Z");
        Assert.Equal(1, fax.ExitCode);
        Assert.Contains("fax is not a permitted method", fax.Err);

        var bounced = await Run("notice", "deemed", "--method", "email", "--sent", "2026-11-25T10:00Z", "--error-at", "2026-11-25T10:30Z");
        Assert.Equal(1, bounced.ExitCode);
        Assert.Contains("M10.4(d)", bounced.Err);
    }

    [Fact]
    public async Task Notice_deemed_rejects_a_time_it_cannot_place_with_exit_2()
    {
        var (code, _, error) = await Run("notice", "deemed", "--method", "email", "--sent", "2026-03-29T01:30");
        Assert.Equal(2, code);
        Assert.Contains("clocks go forward", error);
    }

    [Fact]
    public async Task Incident_register_keeps_state_between_commands()
    {
        var register = Path.Combine(_work, "incidents.json");
        var raised = await Run("incident", "raise", "--register", register, "--user", "90-B3-D5-1F-30-01-00-00",
            "--summary", "Key misuse", "--detected", "2026-11-25T09:00Z", "--major");
        Assert.Equal(0, raised.ExitCode);
        var id = raised.Out.Split('\n')[0].Split(' ')[1].Trim();

        var partial = await Run("incident", "already-aware", id, "--register", register, "--reason", "told", "--aware", "dcc", "panel");
        Assert.Equal(1, partial.ExitCode);
        Assert.Contains("Refused (G3.5AA)", partial.Err);

        var notified = await Run("incident", "notify", id, "--register", register, "--to", "ssc", "--at", "2026-11-25T09:30Z");
        Assert.Equal(0, notified.ExitCode);
        var shown = await Run("incident", "show", id, "--register", register);
        Assert.Contains("G3.5 the Security Sub-Committee: Notified at 2026-11-25T09:30:00+00:00", shown.Out);
        Assert.Contains("Outstanding: G3.5: notify the DCC promptly", shown.Out);

        var rdp = await Run("incident", "raise", "--register", register, "--user", "90-B3-D5-1F-30-01-00-00", "--summary", "x",
            "--detected", "2026-11-25T09:00Z", "--raised-by", "90-B3-D5-1F-30-05-00-00", "--raised-by-kind", "rdp");
        Assert.Equal(1, rdp.ExitCode);
        Assert.Contains("AG 2.1.3", rdp.Err);
    }

    [Fact]
    public async Task Triage_check_refuses_TLS_without_client_authentication()
    {
        var (code, _, error) = await Run("triage", "check", "--protocol", "TLS");
        Assert.Equal(1, code);
        Assert.Contains("must include client authentication", error);
    }

    [Fact]
    public async Task Triage_check_probes_a_live_endpoint()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ephemeral = new CertificateRequest("CN=triage.example", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(Ct);
            await using var tls = new SslStream(client.GetStream());
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = false,
                }, Ct);
            }
            catch (IOException) { }
        }, Ct);

        var (code, _, error) = await Run("triage", "check", "--protocol", "TLS", "--client-auth",
            "--probe", $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        await serving;
        listener.Stop();
        Assert.Equal(1, code);
        Assert.Contains("without asking for a client certificate", error);
    }
}
