using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.SmWan;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// An OpenDUIS of its own, its CPL changes seen by no other class, and the demo Supplier's response endpoint
/// listening from the start: every alert to the Supplier is delivered at once, none waits in a retry.
/// </summary>
public sealed class CplServer : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public ResponseListener Supplier { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Instance = await OpenDuisInstance.StartAsync();
        Supplier = await ResponseListener.StartAsync(IPAddress.Loopback, 0);
        var user = (await Instance.Store.FindUserAsync(DemoEnvironment.Supplier))!;
        await Instance.Store.SaveUserAsync(user with { ResponseEndpoint = new Uri(Supplier.Address, "/cpl") });
    }

    private readonly List<string> _received = [];

    /// <summary>
    /// The alert with <paramref name="code"/> about <paramref name="subject"/> the Supplier's endpoint received, or the next one,
    /// checked by the DCC Boxed tool; alerts read meanwhile are kept for later calls, as they may come in any order.
    /// </summary>
    public async Task<string> AlertAsync(string code, string subject)
    {
        bool Match(string a) => a.Contains(code, StringComparison.Ordinal) && a.Contains(subject, StringComparison.Ordinal);
        using var within = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        within.CancelAfter(TimeSpan.FromSeconds(30));
        var alert = _received.FirstOrDefault(Match);
        while (alert is null)
        {
            var next = Encoding.UTF8.GetString((await Supplier.Received.ReadAsync(within.Token)).Body);
            if (Match(next)) alert = next;
            else _received.Add(next);
        }
        _received.Remove(alert);
        var validated = DccBoxedTool.Shared.Validate(alert);
        Assert.True(validated.Succeeded, $"{validated}\n{alert}");
        return alert;
    }

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
        await Supplier.DisposeAsync();
    }
}

/// <summary>
/// SEC F2.9 through the admin API of a running server: a product combination removed from the Central
/// Products List suspends its Devices (N8 sr:DeviceSuspended to the Registered Supplier, their DCC
/// Schedules removed with N6), and restored, returns them to the status they had (N9 sr:DeviceRestored);
/// every alert delivered over loopback HTTP, DSP-signed and valid for the DCC Boxed tool.
/// </summary>
public sealed class CplSuspensionTests(CplServer fixture) : IClassFixture<CplServer>
{
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    private OpenDuisInstance Instance => fixture.Instance;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_product_removed_from_the_CPL_suspends_its_meter_with_N8_and_N6_and_restored_returns_it_Commissioned_with_N9()
    {
        var product = await NewProductAsync("CPL-A");
        var meter = await CommissionedMeterAsync("00-DB-12-34-56-78-F8-01", product);
        Assert.Equal(ResponseCode.I99, await SendAsync(Read411(meter)));

        var timing = new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), null);
        var schedule = await Instance.Schedules.CreateAsync(new ScheduleDefinition(Supplier, UserRole.ImportSupplier, timing,
            ServiceReferenceVariant.Parse("4.6.1"), meter, "<x/>", null), DateTimeOffset.UtcNow, Ct);

        var removed = await PostAsync(CplEndpoints.RemovePath, product);
        Assert.Equal(HttpStatusCode.OK, removed.Status);
        Assert.Contains(meter.ToString(), removed.Body);
        Assert.Equal(SmiStatus.Suspended, Cached(meter).Status);
        Assert.Equal(SmiStatus.Suspended, (await Instance.Store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.Equal(CplStatus.Removed, (await Instance.Store.FindProductAsync(product.Manufacturer!, product.Model!, product.FirmwareVersion!, Ct))!.Status);
        Assert.Null(await Instance.Schedules.GetAsync(schedule, Ct));

        var n8 = await fixture.AlertAsync(">N8<", meter.ToString());
        Assert.Contains("DeviceSuspended", n8);
        var n6 = await fixture.AlertAsync(">N6<", $">{schedule}<");
        Assert.Contains("DSPScheduleRemoval", n6);

        // 4.1.1 reaches Commissioned Devices only (SEC F2.9 leaves a Suspended one firmware requests alone).
        Assert.Equal(ResponseCode.E5, await SendAsync(Read411(meter)));

        var restored = await PostAsync(CplEndpoints.RestorePath, product);
        Assert.Equal(HttpStatusCode.OK, restored.Status);
        Assert.Equal(SmiStatus.Commissioned, Cached(meter).Status);
        Assert.Equal(SmiStatus.Commissioned, (await Instance.Store.FindDeviceAsync(meter, Ct))!.Status);
        var n9 = await fixture.AlertAsync(">N9<", meter.ToString());
        Assert.Contains("DeviceRestored", n9);
        Assert.Equal(ResponseCode.I99, await SendAsync(Read411(meter)));
    }

    [Fact]
    public async Task Restoring_returns_each_Device_to_the_status_it_had_before_and_leaves_Decommissioned_ones_alone()
    {
        var product = await NewProductAsync("CPL-B");
        var installed = Eui.Parse("00-DB-12-34-56-78-F8-02");
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(installed, product)));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(installed, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(installed, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
        var decommissioned = await CommissionedMeterAsync("00-DB-12-34-56-78-F8-03", product);
        Assert.Equal(ResponseCode.I99, await SendAsync(SupplierRequests.NonDevice("8.3", "DecommissionDevice", $"<sr:DeviceID>{decommissioned}</sr:DeviceID>")));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(CplEndpoints.RemovePath, product)).Status);
        Assert.Equal(SmiStatus.Suspended, Cached(installed).Status);
        Assert.Equal(SmiStatus.Decommissioned, Cached(decommissioned).Status);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(CplEndpoints.RestorePath, product)).Status);
        Assert.Equal(SmiStatus.InstalledNotCommissioned, Cached(installed).Status);
        Assert.Equal(SmiStatus.Decommissioned, Cached(decommissioned).Status);
    }

    [Fact]
    public async Task A_removal_whose_N8_cannot_be_written_is_answered_503_with_the_reason_and_changes_nothing()
    {
        var product = await NewProductAsync("CPL-D");
        var meter = await CommissionedMeterAsync("00-DB-12-34-56-78-F8-05", product);
        await ExecuteAsync("CREATE TRIGGER refuse_cpl_alerts BEFORE INSERT ON outbox WHEN NEW.kind = 'DccAlert' " +
            "BEGIN SELECT RAISE(ABORT, 'outbox refuses this row (test trigger)'); END");
        try
        {
            var refused = await PostAsync(CplEndpoints.RemovePath, product);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Contains("not applied", refused.Body);
            Assert.Contains("outbox refuses this row", refused.Body);
            Assert.Equal(SmiStatus.Commissioned, Cached(meter).Status);
            Assert.Equal(SmiStatus.Commissioned, (await Instance.Store.FindDeviceAsync(meter, Ct))!.Status);
            Assert.Equal(CplStatus.Current, (await Instance.Store.FindProductAsync(product.Manufacturer!, product.Model!, product.FirmwareVersion!, Ct))!.Status);
        }
        finally { await ExecuteAsync("DROP TRIGGER refuse_cpl_alerts"); }

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(CplEndpoints.RemovePath, product)).Status);
        Assert.Equal(SmiStatus.Suspended, Cached(meter).Status);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Instance.DatabasePath}");
        await c.OpenAsync(Ct);
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task An_unknown_combination_a_missing_field_or_a_change_already_made_is_refused_400_with_the_reason()
    {
        var unknown = await PostAsync(CplEndpoints.RemovePath, new CplProductBody("0DB1", "NO-SUCH-MODEL", "1.0"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("manufacturer 0DB1, model NO-SUCH-MODEL, firmware 1.0 is not on the Central Products List.", unknown.Body);

        var missing = await PostAsync(CplEndpoints.RemovePath, new CplProductBody("0DB1", "ESME", null));
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("The product needs firmwareVersion.", missing.Body);

        using var notJson = await Instance.Http.PostAsync(new Uri(Instance.Server.BaseAddress, CplEndpoints.RemovePath),
            new StringContent("manufacturer=0DB1", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.StartsWith("The body is not a product", await notJson.Content.ReadAsStringAsync(Ct));

        var current = await PostAsync(CplEndpoints.RestorePath, new CplProductBody("0DB1", "ESME", "1.0"));
        Assert.Equal(HttpStatusCode.BadRequest, current.Status);
        Assert.Contains("is Current on the Central Products List", current.Body);
    }

    [Fact]
    public async Task The_CLI_removes_and_restores_a_combination_on_the_running_server_and_refuses_bad_input()
    {
        var product = await NewProductAsync("CPL-C");
        var meter = await CommissionedMeterAsync("00-DB-12-34-56-78-F8-04", product);
        var at = Instance.Server.BaseAddress.ToString();
        string[] Args(string verb) => ["cpl", verb, "--manufacturer", product.Manufacturer!, "--model", product.Model!, "--firmware-version", product.FirmwareVersion!, "--server", at];

        var (code, output) = await RunCliAsync(Args("remove"));
        Assert.True(code == 0, output);
        Assert.Contains($"{meter}  Suspended", output);
        Assert.Equal(SmiStatus.Suspended, Cached(meter).Status);
        (code, output) = await RunCliAsync(Args("restore"));
        Assert.True(code == 0, output);
        Assert.Contains($"{meter}  Commissioned", output);
        Assert.Equal(SmiStatus.Commissioned, Cached(meter).Status);

        (code, output) = await RunCliAsync("cpl", "remove", "--manufacturer", "0DB1", "--model", "NO-SUCH-MODEL", "--firmware-version", "1.0", "--server", at);
        Assert.Equal(1, code);
        Assert.Contains("The server refused (400): manufacturer 0DB1, model NO-SUCH-MODEL, firmware 1.0 is not on the Central Products List.", output);
        (code, output) = await RunCliAsync("cpl", "remove", "--manufacturer", "0DB1", "--server", at);
        Assert.Equal(2, code);
        Assert.Contains("The product needs --model, --firmware-version.", output);
    }

    private async Task<CplProductBody> NewProductAsync(string model)
    {
        await Instance.Store.SaveProductAsync(new CplEntry
        {
            Manufacturer = "0DB1", Model = model, FirmwareVersion = "7.1", DeviceType = DeviceType.ESME,
            GbcsVersion = "4.2", SmetsChtsVersion = "SMETS2 V5.0", Status = CplStatus.Current,
        }, Ct);
        return new CplProductBody("0DB1", model, "7.1");
    }

    /// <summary>Pre-notified, associated with the demo MPAN and installed through 8.4, then Commissioned.</summary>
    private async Task<Eui> CommissionedMeterAsync(string id, CplProductBody product)
    {
        var meter = Eui.Parse(id);
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, product)));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
        // Commission Device (8.1.1) is a command to the meter, and this server runs without an SM WAN: its status change is stored as it would make it.
        await Instance.Cache.ChangeStatusAsync(meter, SmiStatus.Commissioned, DateTimeOffset.UtcNow, Ct);
        Assert.Equal(SmiStatus.Commissioned, Cached(meter).Status);
        return meter;
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, CplProductBody body)
    {
        using var answer = await Instance.Http.PostAsJsonAsync(new Uri(Instance.Server.BaseAddress, path), body, CplJson.Default.CplProductBody, Ct);
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "openduis.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout + await stderr);
    }

    private Device Cached(Eui id) => Instance.Cache.TryGetDevice(id, out var d) ? d : throw new KeyNotFoundException(id.ToString());

    private static DuisRequest Prenotify(Eui id, CplProductBody product) =>
        SupplierRequests.NonDevice("12.2", "DevicePrenotification",
            $"<sr:DeviceID>{id}</sr:DeviceID><sr:DeviceManufacturer>{product.Manufacturer}</sr:DeviceManufacturer><sr:DeviceModel>{product.Model}</sr:DeviceModel>" +
            $"<sr:DeviceType>ESME</sr:DeviceType><sr:FirmwareVersion>{product.FirmwareVersion}</sr:FirmwareVersion>");

    private static DuisRequest Update(Eui id, string change) =>
        SupplierRequests.NonDevice("8.4", "UpdateInventory", $"<sr:DeviceID>{id}</sr:DeviceID>{change}");

    private static DuisRequest Read411(Eui device)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith("ECS17b_4.1.1_SINGLE_SUCCESS", StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(File.ReadAllText(file));
        var t = DuisRequest.Read(doc);
        return new DuisRequest(t.SchemaVersion, new RequestId(Supplier, device, SupplierRequests.NextCounter()), t.CommandVariant,
            t.ServiceReference, t.ServiceReferenceVariant, t.Body);
    }

    private Task<ResponseCode> SendAsync(DuisRequest request) => Instance.SendValidatedAsync(request, Ct);
}
