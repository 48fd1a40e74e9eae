using System.Diagnostics;
using System.Net;
using System.Text;
using OpenDuis.Server.SmkiRepository;

namespace OpenDuis.Cli.Tests.Hosting;

/// <summary><c>openduis serve</c> starts the SMKI Repository service beside the DUIS services, serving the data folder's certificates.</summary>
public sealed class ServeSmkiRepositoryTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("openduis-serve-smki-").FullName;
    private Process? _serve;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (_serve is { HasExited: false }) _serve.Kill(entireProcessTree: true);
        _serve?.WaitForExit(10_000);
        _serve?.Dispose();
        Directory.Delete(_data, true);
    }

    private static int FreePort() => OpenduisProcesses.FreePort();

    [Fact]
    public async Task Serve_answers_SMKI_Repository_searches_on_its_own_port()
    {
        int port = FreePort(), smkiPort = FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "openduis.dll"), "serve", "--data", _data, "--port", $"{port}", "--smki-port", $"{smkiPort}" })
            psi.ArgumentList.Add(a);
        _serve = Process.Start(psi)!;
        var log = new StringBuilder();
        _serve.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _serve.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _serve.BeginOutputReadLine();
        _serve.BeginErrorReadLine();

        using var http = new HttpClient();
        var search = new Uri($"http://127.0.0.1:{smkiPort}{SmkiRepositoryEndpoints.SearchPath}");
        const string Supplier = "<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-01-00-00</CertificateSubjectName></CertificateSearchRequest>";
        HttpResponseMessage? answer = null;
        // serve's start-up (JIT, migrations) can take tens of seconds on a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (answer is null && DateTime.UtcNow < deadline)
        {
            try
            {
                answer = await http.PostAsync(search, new StringContent(Supplier, Encoding.UTF8, "application/xml"), Ct);
            }
            catch (HttpRequestException)
            {
                if (_serve.HasExited) lock (log) Assert.Fail("openduis serve exited: " + log);
                await Task.Delay(100, Ct);
            }
        }
        Assert.NotNull(answer);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("<CertificateSearchResponse><Result>", await answer.Content.ReadAsStringAsync(Ct));
        Assert.True((await http.GetAsync($"http://127.0.0.1:{port}/health", Ct)).IsSuccessStatusCode);
        lock (log) Assert.Contains($"SMKI Repository http://127.0.0.1:{smkiPort}/", log.ToString());
    }
}
