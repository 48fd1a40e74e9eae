using System.Net;
using System.Net.Http.Headers;
using OpenDuis.Server.Hosting;

namespace OpenDuis.Server.Tests.Observability;

/// <summary>
/// /metrics is served on the listen address, so it is as exposed as the DUIS services; --metrics-token
/// puts it behind a bearer token, and the start-up lines say which it is, at the address really bound.
/// </summary>
public sealed class MetricsExposureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_a_metrics_token_metrics_needs_it_and_the_rest_does_not()
    {
        await using var instance = await OpenDuisInstance.StartAsync(options: new ServerOptions { Port = 0, MetricsToken = "s3cret-token", MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        var metrics = new Uri(instance.Server.BaseAddress, "/metrics");

        using (var none = await instance.Http.GetAsync(metrics, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer realm=\"openduis-metrics\"", none.Headers.WwwAuthenticate.ToString());
            Assert.Contains("--metrics-token", await none.Content.ReadAsStringAsync(Ct));
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, metrics) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokeN") } })
        using (var answer = await instance.Http.SendAsync(wrong, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.Contains("invalid_token", answer.Headers.WwwAuthenticate.ToString());
        }
        using (var right = new HttpRequestMessage(HttpMethod.Get, metrics) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token") } })
        using (var answer = await instance.Http.SendAsync(right, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains("openduis_", await answer.Content.ReadAsStringAsync(Ct));
        }
        using var health = await instance.Http.GetAsync(new Uri(instance.Server.BaseAddress, "/health"), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Serve_on_all_interfaces_prints_the_real_address_and_who_can_read_metrics()
    {
        await using var cli = new OpenduisProcesses("openduis-metrics-");
        var port = OpenduisProcesses.FreePort();
        var open = await StartUpLinesAsync(cli, "--address", "0.0.0.0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"OpenDUIS serving http://0.0.0.0:{port}/", open);
        Assert.Contains($"http://0.0.0.0:{port}/metrics open to anyone who can reach 0.0.0.0 (give --metrics-token", open);

        port = OpenduisProcesses.FreePort();
        var guarded = await StartUpLinesAsync(cli, "--address", "0.0.0.0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--metrics-token", "t");
        Assert.Contains($"http://0.0.0.0:{port}/metrics needs the bearer token", guarded);

        port = OpenduisProcesses.FreePort();
        var local = await StartUpLinesAsync(cli, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"OpenDUIS serving http://127.0.0.1:{port}/", local);
        Assert.Contains("/metrics open to this machine only (loopback)", local);
    }

    /// <summary>Starts serve, reads its output up to the /metrics line, and stops it.</summary>
    private static async Task<string> StartUpLinesAsync(OpenduisProcesses cli, params string[] args)
    {
        using var serve = cli.Start(["serve", "--data", cli.Data, "--no-network", "--smki-port", "0", .. args]);
        var lines = new System.Text.StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await serve.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.AppendLine(line);
            if (line.Contains("/metrics", StringComparison.Ordinal)) break;
        }
        serve.Kill(true);
        await serve.WaitForExitAsync(Ct);
        return lines + await serve.StandardError.ReadToEndAsync(Ct);
    }
}
