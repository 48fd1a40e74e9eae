using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Storage.Csv;
using OpenDuis.Storage.Schedules;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Schedules;

/// <summary>An OpenDUIS of its own, so no other class sees its Supplier's response endpoint or its Devices.</summary>
public sealed class ScheduleRemovalServer : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Instance = await OpenDuisInstance.StartAsync();
    public async ValueTask DisposeAsync() => await Instance.DisposeAsync();
}

/// <summary>
/// R-SR-5.1: a DCC Schedule runs "until deleted by the User or by the DCC". A Device that leaves the
/// DCC's service ends its schedules at once, each with a DSPScheduleRemoval DCC Alert to the schedule's
/// owner (DUIS 3.9.1 Table 2; N5 withdrawn and N6 suspended, as read in <see cref="ScheduleRemovalTriggers"/>),
/// delivered over loopback HTTP, DSP-signed and valid against the 5.4 XSD for the DCC Boxed tool.
/// </summary>
/// <remarks>
/// The schedules are stored directly, as the N4 test does: only a Communications Hub Function becomes
/// Withdrawn through a request OpenDUIS serves (8.4 sr:UpdateDeviceStatusCH and 8.14.3/8.14.4 on a hub
/// never installed; 8.5 Service Opt Out has no eligible User Role), and no schedulable service targets one.
/// A Device is suspended in place only when its product leaves the Central Products List (the CPL admin
/// API and <c>openduis cpl remove</c>, tested with its N8 and N6 in <see cref="CplSuspensionTests"/>); here N6
/// is shown through the server's SMI Status change listener that path and every inventory request tell, and at
/// the occurrence of a schedule on a Device imported Suspended, as <c>openduis serve</c> runs it.
/// </remarks>
public sealed class ScheduleRemovalAlertsOverHttpTests(ScheduleRemovalServer fixture) : IClassFixture<ScheduleRemovalServer>
{
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    private const string ReadLogBody =
        "<sr:DSPRetrieveImportDailyReadLog xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">" +
        "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime>" +
        "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>";

    private OpenDuisInstance Instance => fixture.Instance;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>8.14.4 No Fault Return of a hub never installed makes it Withdrawn (DUIS 3.8; SEC Appendix AC).</summary>
    [Fact]
    public async Task A_hub_returned_before_install_by_8_14_4_is_Withdrawn_and_its_DCC_Schedules_end_at_once_with_N5_to_their_owner()
    {
        var hub = "00-DB-12-34-56-78-E5-01";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(hub, "CHF")));

        var (id, alert) = await RemovedAfterAsync(hub, SupplierRequests.NonDevice("8.14.4", "CHFNoFaultReturn",
            $"<sr:DeviceID>{hub}</sr:DeviceID><sr:CHFNoFaultReturnType>No Fault Return (general)</sr:CHFNoFaultReturnType>"));

        Assert.Equal(SmiStatus.Withdrawn, Device(hub).Status);
        AssertRemovalAlert(alert, "N5", id);
    }

    /// <summary>8.4 sr:UpdateDeviceStatusCH Withdrawn, by a Supplier, of a hub not yet associated with a Metering Point.</summary>
    [Fact]
    public async Task A_hub_set_Withdrawn_by_8_4_ends_its_DCC_Schedules_at_once_with_N5_to_their_owner()
    {
        var hub = "00-DB-12-34-56-78-E5-02";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(hub, "CHF")));

        var (id, alert) = await RemovedAfterAsync(hub, SupplierRequests.NonDevice("8.4", "UpdateInventory",
            $"<sr:DeviceID>{hub}</sr:DeviceID><sr:UpdateDeviceStatusCH>Withdrawn</sr:UpdateDeviceStatusCH>"));

        Assert.Equal(SmiStatus.Withdrawn, Device(hub).Status);
        AssertRemovalAlert(alert, "N5", id);
    }

    /// <summary>
    /// SEC F2.9: a Device whose product is removed from the Central Products List is Suspended. The change
    /// is told to the server's own SMI Status change listener, the one the CPL change and every inventory
    /// request tell (the CPL path end to end: <see cref="CplSuspensionTests"/>).
    /// </summary>
    [Fact]
    public async Task A_meter_Suspended_ends_its_DCC_Schedules_at_once_with_N6_to_their_owner()
    {
        var meter = "00-DB-12-34-56-78-E6-01";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME")));
        Assert.Equal(ResponseCode.I99, await SendAsync(SupplierRequests.NonDevice("8.4", "UpdateInventory",
            $"<sr:DeviceID>{meter}</sr:DeviceID><sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(ResponseCode.I99, await SendAsync(SupplierRequests.NonDevice("8.4", "UpdateInventory",
            $"<sr:DeviceID>{meter}</sr:DeviceID><sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));

        var (id, alert) = await RemovedAfterAsync(meter, async () =>
        {
            var before = Device(meter);
            var after = before with { Status = SmiStatus.Suspended };
            Assert.True(SmiLifecycle.IsAllowed(before.Status, after.Status));
            await Instance.Cache.SaveDeviceAsync(after, Ct);
            await Instance.Server.Services.GetRequiredService<ISmiStatusChangeListener>().StatusChangedAsync(
                new SmiStatusChange(before, after, DateTimeOffset.UtcNow, DemoEnvironment.AccessControlBroker, new ServiceReferenceVariant(8, 4)), Ct);
        });

        Assert.Equal(SmiStatus.Suspended, Device(meter).Status);
        AssertRemovalAlert(alert, "N6", id);
    }

    /// <summary>
    /// The one way a User of the CLI gets a Suspended Device: <c>openduis import devices</c> adds Devices
    /// with the SMI Status given (it adds, and refuses an ID already held, so it cannot suspend a Device
    /// in place). A DCC Schedule on such a Device ends at its occurrence: <c>openduis serve</c>'s executor
    /// meets E5 and removes it with N6, delivered to the owner's endpoint set with <c>openduis users endpoint</c>.
    /// </summary>
    [Fact]
    public async Task A_schedule_on_a_meter_imported_Suspended_is_removed_by_serve_at_its_occurrence_with_N6_to_its_owner()
    {
        await using var cli = new OpenduisProcesses("openduis-schedule-n6-");
        var database = Path.Combine(cli.Data, "openduis.db");
        var keys = Directory.CreateDirectory(Path.Combine(cli.Data, "zaz1")).FullName;
        File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(keys, "zaz1-keystore.json"));
        var (exit, output, error) = await cli.RunOnDataAsync("init", "--zaz1", keys);
        Assert.True(exit == 0, error);

        // The demo ESME's row, as export writes it, under a new Device ID and Suspended.
        (exit, output, error) = await cli.RunOnDataAsync("export", "devices");
        Assert.True(exit == 0, error);
        var esmeRow = output.Split('\n').Single(l => l.StartsWith(DemoEnvironment.Esme + ",", StringComparison.Ordinal)).Split(',');
        var meter = Eui.Parse("00-DB-12-34-56-78-E6-02");
        esmeRow[0] = meter.ToString();
        esmeRow[3] = nameof(SmiStatus.Suspended);
        var csv = Path.Combine(cli.Data, "suspended.csv");
        File.WriteAllText(csv, SmiCsv.DeviceHeader + "\n" + string.Join(',', esmeRow) + "\n");
        (exit, output, error) = await cli.RunOnDataAsync("import", "devices", csv);
        Assert.True(exit == 0, output + error);

        // Due a minute ago, written into the data folder's database as 5.1 would.
        var due = DateTime.UtcNow.AddMinutes(-1);
        DspScheduleId id;
        await using (var store = await SqliteScheduleStore.OpenAsync(database, Ct))
            id = await store.CreateAsync(new ScheduleDefinition(Supplier, UserRole.ImportSupplier,
                new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(due), null, TimeOnly.FromDateTime(due)),
                ServiceReferenceVariant.Parse("4.6.1"), meter, ReadLogBody, null), DateTimeOffset.UtcNow.AddMinutes(-2), Ct);

        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        (exit, output, error) = await cli.RunOnDataAsync("users", "endpoint", Supplier.ToString(), new Uri(listener.Address, "/schedules").ToString());
        Assert.True(exit == 0, output + error);
        await cli.ServeAsync(OpenduisProcesses.FreePort());

        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(60));
        string alert;
        do alert = Encoding.UTF8.GetString((await listener.Received.ReadAsync(within.Token)).Body);
        while (!alert.Contains("DSPScheduleRemoval", StringComparison.Ordinal));
        AssertRemovalAlert(alert, "N6", id);
        Assert.Contains(meter.ToString(), alert);
        await using (var store = await SqliteScheduleStore.OpenAsync(database, Ct))
            Assert.Null(await store.GetAsync(id, Ct));
    }

    private Task<(DspScheduleId Id, string Alert)> RemovedAfterAsync(string device, DuisRequest trigger) =>
        RemovedAfterAsync(device, async () => Assert.Equal(ResponseCode.I99, await SendAsync(trigger)));

    /// <summary>
    /// Stores a daily schedule of the Supplier's on the Device, runs the trigger, and returns the schedule's
    /// ID with the DSPScheduleRemoval alert the Supplier's endpoint received; the schedule is gone at once.
    /// </summary>
    private async Task<(DspScheduleId Id, string Alert)> RemovedAfterAsync(string device, Func<Task> trigger)
    {
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var supplier = (await Instance.Store.FindUserAsync(Supplier, Ct))!;
        await Instance.Store.SaveUserAsync(supplier with { ResponseEndpoint = new Uri(listener.Address, "/schedules") }, Ct);
        try
        {
            var timing = new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), null);
            var id = await Instance.Schedules.CreateAsync(new ScheduleDefinition(Supplier, UserRole.ImportSupplier, timing,
                ServiceReferenceVariant.Parse("4.6.1"), Eui.Parse(device), "<x/>", null), DateTimeOffset.UtcNow, Ct);
            Assert.NotNull(await Instance.Schedules.GetAsync(id, Ct));

            await trigger();

            Assert.Null(await Instance.Schedules.GetAsync(id, Ct));
            using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            within.CancelAfter(TimeSpan.FromSeconds(30));
            string alert;
            do alert = Encoding.UTF8.GetString((await listener.Received.ReadAsync(within.Token)).Body);
            while (!alert.Contains("DSPScheduleRemoval", StringComparison.Ordinal));
            return (id, alert);
        }
        finally { await Instance.Store.SaveUserAsync(supplier, Ct); }
    }

    private static void AssertRemovalAlert(string alert, string code, DspScheduleId id)
    {
        Assert.Contains($">{code}<", alert);
        Assert.Contains($">{id}<", alert);
        var validated = DccBoxedTool.Shared.Validate(alert);
        Assert.True(validated.Succeeded, $"{validated}\n{alert}");
    }

    private Device Device(string id) => Instance.Cache.TryGetDevice(Eui.Parse(id), out var d) ? d : throw new KeyNotFoundException(id);

    private static DuisRequest Prenotify(string id, string type) =>
        SupplierRequests.NonDevice("12.2", "DevicePrenotification",
            $"<sr:DeviceID>{id}</sr:DeviceID><sr:DeviceManufacturer>0DB1</sr:DeviceManufacturer><sr:DeviceModel>{type}</sr:DeviceModel>" +
            $"<sr:DeviceType>{type}</sr:DeviceType><sr:FirmwareVersion>1.0</sr:FirmwareVersion>");

    private Task<ResponseCode> SendAsync(DuisRequest request) => Instance.SendValidatedAsync(request, Ct);
}
