using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis report</c> as a separate process on a fresh data folder: H17 requests, refusals, and a report from the inventory.</summary>
public sealed class ReportCliTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-report-cli-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Task<(int ExitCode, string Out, string Err)> Run(params string[] args) => _cli.RunOnDataAsync(args);

    [Fact]
    public async Task H17_request_is_refused_until_evidence_is_accepted_then_generated_from_the_inventory_and_ad_hoc_limited()
    {
        var unknown = await Run("report", "request", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--frequency", "monthly");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Refused (H17.3)", unknown.Err);

        var neither = await Run("report", "requester", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--manufacturer-id", "0DB1", "--evidence-accepted", "now");
        Assert.Equal(0, neither.ExitCode);
        var refused = await Run("report", "request", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--frequency", "adhoc");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Refused (H17.2)", refused.Err);

        // The status is recorded; the evidence accepted earlier is kept.
        Assert.Equal(0, (await Run("report", "requester", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--manufacturer-id", "0DB1", "--party")).ExitCode);
        var accepted = await Run("report", "request", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--frequency", "adhoc");
        Assert.Equal(0, accepted.ExitCode);
        Assert.StartsWith("Request 1 accepted", accepted.Out);

        var again = await Run("report", "request", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--frequency", "adhoc");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Refused (H17.4)", again.Err);
        Assert.Contains("the next may be requested from", again.Err);

        var generated = await Run("report", "generate", "1");
        Assert.Equal(0, generated.ExitCode);
        var file = Path.Combine(_data, "reports", "h17-1.csv");
        Assert.Contains(file, generated.Out);
        var lines = await File.ReadAllLinesAsync(file, Ct);
        Assert.StartsWith("# CONFIDENTIAL: SEC Section H17 report for DEMO-MAKER", lines[0]);
        var rows = lines.Skip(4).ToList();
        Assert.Contains($"{rows.Count} Smart Meter(s)", generated.Out);
        // The demo ESME: its Registered Supplier since 2020 and its Communications Hub from the Device Log.
        Assert.Contains("00-DB-12-34-56-78-90-A0,ESME,ESME,0DB1,1.0,Commissioned,", rows.Single(r => r.StartsWith("00-DB-12-34-56-78-90-A0", StringComparison.Ordinal)));
        Assert.Contains(",DEMO-SUPPLIER from 2020-01-01,0DB1,CHF,1.0", rows.Single(r => r.StartsWith("00-DB-12-34-56-78-90-A0", StringComparison.Ordinal)));
        Assert.DoesNotContain(rows, r => r.Contains(",CHF,CHF,", StringComparison.Ordinal) || r.Contains(",PPMID,", StringComparison.Ordinal));

        var list = await Run("report", "list", "--as", "DEMO-MAKER", "--kind", "manufacturer");
        Assert.Contains($"1\tAdHoc\t", list.Out);
        Assert.Contains($"{rows.Count} meter(s)", list.Out);
    }

    private static int FreePort() => OpenduisProcesses.FreePort();

    [Fact]
    public async Task Serve_gives_the_report_to_its_recipient_key_and_answers_another_as_if_it_did_not_exist()
    {
        await Run("report", "requester", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--manufacturer-id", "0DB1", "--party", "--evidence-accepted", "now");
        await Run("report", "requester", "--as", "MAP-CO", "--kind", "map", "--map-id", "90-B3-D5-1F-30-05-00-00", "--sesa", "--evidence-accepted", "now");
        Assert.Equal(0, (await Run("report", "request", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--frequency", "monthly")).ExitCode);
        Assert.Equal(0, (await Run("report", "generate", "1")).ExitCode);
        var makerKey = await Run("report", "key", "--as", "DEMO-MAKER", "--kind", "manufacturer");
        Assert.Equal(0, makerKey.ExitCode);
        var mapKey = (await Run("report", "key", "--as", "MAP-CO", "--kind", "map")).Out.Trim();
        var unknown = await Run("report", "key", "--as", "NOBODY", "--kind", "map");
        Assert.Equal(2, unknown.ExitCode);
        // The demo meters' Registered Supplier may hold a key to the Manufacturer's reports; the network operator may not.
        var supplierKey = await Run("report", "key", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--for-supplier", "DEMO-SUPPLIER");
        Assert.Equal(0, supplierKey.ExitCode);
        var thirdParty = await Run("report", "key", "--as", "DEMO-MAKER", "--kind", "manufacturer", "--for-supplier", "DEMO-NETWORK-OPERATOR");
        Assert.Equal(1, thirdParty.ExitCode);
        Assert.Contains("Refused (H17.6)", thirdParty.Err);

        int port = FreePort(), reportsPort = FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "openduis.dll"), "serve", "--data", _data, "--port", $"{port}", "--smki-port", "0", "--reports-port", $"{reportsPort}" })
            psi.ArgumentList.Add(a);
        using var serve = Process.Start(psi)!;
        try
        {
            using var http = new HttpClient();
            async Task<HttpResponseMessage> Get(string key)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{reportsPort}/reports/h17/1");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                return await http.SendAsync(request, Ct);
            }
            HttpResponseMessage? mine = null;
            // serve's start-up (JIT, migrations) can take tens of seconds on a loaded machine.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (mine is null && DateTime.UtcNow < deadline)
            {
                try { mine = await Get(makerKey.Out.Trim()); }
                catch (HttpRequestException)
                {
                    if (serve.HasExited) Assert.Fail("openduis serve exited: " + await serve.StandardOutput.ReadToEndAsync(Ct) + await serve.StandardError.ReadToEndAsync(Ct));
                    await Task.Delay(100, Ct);
                }
            }
            Assert.True(mine is not null, "openduis serve did not answer on its reports port within 90 s.");
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            Assert.StartsWith("# CONFIDENTIAL", await mine.Content.ReadAsStringAsync(Ct));
            using var suppliers = await Get(supplierKey.Out.Trim());
            Assert.Equal(HttpStatusCode.OK, suppliers.StatusCode);

            using var theirs = await Get(mapKey);
            // As if the report did not exist (no oracle of others' report ids).
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
            Assert.Contains("for this download key (H17.6", await theirs.Content.ReadAsStringAsync(Ct));
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task Report_commands_reject_bad_input_with_exit_2()
    {
        var noIdentity = await Run("report", "requester", "--as", "MAP-CO", "--kind", "map", "--party");
        Assert.Equal(2, noIdentity.ExitCode);
        Assert.Contains("--map-id is required", noIdentity.Err);

        var badEui = await Run("report", "requester", "--as", "MAP-CO", "--kind", "map", "--map-id", "not-an-eui");
        Assert.Equal(2, badEui.ExitCode);
        Assert.Contains("is not an EUI-64", badEui.Err);

        var missing = await Run("report", "generate", "42");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no H17 report request 42", missing.Err);
    }
}
