using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OpenDuis.Core.Demo;
using OpenDuis.Core.MapReports;
using OpenDuis.Server.MapReports;
using OpenDuis.Storage;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Server.Tests.MapReports;

/// <summary>The H17 report download over loopback HTTP, on a real SQLite store with the demo inventory.</summary>
public sealed class H17ReportDownloadTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-h17-download-").FullName;
    private DataStores _stores = null!;
    private IH17ReportStore _store = null!;
    private H17ReportServer _server = null!;
    private readonly HttpClient _http = new();
    private H17ReportRequest _report = null!;
    private string _makerKey = "", _mapKey = "";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public async ValueTask InitializeAsync()
    {
        _stores = new DataStores(await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"), Ct));
        _store = _stores.H17Reports;
        await DemoEnvironment.SeedAsync(_stores.Smi, cancellationToken: Ct);
        var maker = new H17Requester("DEMO-MAKER", H17Capacity.Manufacturer, IsParty: true, SignedEnablingServicesAgreement: false, Now.AddDays(-1)) { ManufacturerId = "0DB1" };
        var map = new H17Requester("MAP-CO", H17Capacity.MeterAssetProvider, IsParty: false, SignedEnablingServicesAgreement: true, Now.AddDays(-1)) { MeterAssetProviderId = DemoEnvironment.Supplier };
        await _store.SaveRequesterAsync(maker, Ct);
        await _store.SaveRequesterAsync(map, Ct);
        _makerKey = await IssueAsync(maker);
        _mapKey = await IssueAsync(map);

        _report = (await H17Reports.RequestAsync(_store, maker.Name, maker.Capacity, ReportFrequency.Monthly, Now, Ct)).Value;
        var file = Path.Combine(_dir, $"h17-{_report.Id}.csv");
        await using (var writer = new StreamWriter(file, false, new UTF8Encoding(false)))
            await H17Reports.GenerateAsync(_store, _report, writer, file, Now, cancellationToken: Ct);
        _server = await H17ReportServer.StartAsync(_store, port: 0, cancellationToken: Ct);
    }

    private async Task<string> IssueAsync(H17Requester requester)
    {
        var (key, hash) = H17DownloadKeys.Issue();
        await _store.AddDownloadKeyAsync(hash, requester.Name, requester.Capacity, Now, cancellationToken: Ct);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _stores.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private Task<HttpResponseMessage> Get(long id, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, $"/reports/h17/{id}"));
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task H17_6_the_recipient_downloads_its_confidential_report()
    {
        using var response = await Get(_report.Id, _makerKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var csv = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("# CONFIDENTIAL: SEC Section H17 report for DEMO-MAKER", csv);
        Assert.Contains("00-DB-12-34-56-78-90-A0,ESME,", csv);
    }

    [Fact]
    public async Task H17_6_another_entity_with_a_valid_key_gets_the_answer_for_a_report_that_does_not_exist()
    {
        using var response = await Get(_report.Id, _mapKey);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var reason = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("H17.6", reason);
        Assert.DoesNotContain("another recipient", reason);

        // No oracle: the same status and the same words (but the id) as for an id that was never issued.
        using var missing = await Get(9_999, _mapKey);
        Assert.Equal(response.StatusCode, missing.StatusCode);
        Assert.Equal(reason.Replace($"report {_report.Id} ", "report ID ", StringComparison.Ordinal),
            (await missing.Content.ReadAsStringAsync(Ct)).Replace("report 9999 ", "report ID ", StringComparison.Ordinal));
        Assert.Equal(response.Content.Headers.ContentType, missing.Content.Headers.ContentType);
    }

    [Fact]
    public async Task No_key_or_an_unknown_key_is_401_with_a_Bearer_challenge()
    {
        using var none = await Get(_report.Id, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("download key", await none.Content.ReadAsStringAsync(Ct));

        using var forged = await Get(_report.Id, _makerKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("not one the DCC issued", await forged.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_report_not_generated_or_not_existing_is_404()
    {
        var pending = (await H17Reports.RequestAsync(_store, "DEMO-MAKER", H17Capacity.Manufacturer, ReportFrequency.Quarterly, Now, Ct)).Value;
        using var notYet = await Get(pending.Id, _makerKey);
        Assert.Equal(HttpStatusCode.NotFound, notYet.StatusCode);
        Assert.Contains("has not been generated yet", await notYet.Content.ReadAsStringAsync(Ct));

        using var missing = await Get(9_999, _makerKey);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no H17 report 9999", await missing.Content.ReadAsStringAsync(Ct));
    }
}
