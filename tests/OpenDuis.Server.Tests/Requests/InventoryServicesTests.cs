using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// <see cref="InventoryServices"/> over a real SQLite inventory and its cache, for what no request over
/// HTTP can reach: 8.6 Service Opt In (the request matrix makes no User Role eligible, so the pipeline
/// answers E2 first), the status-change hook, and bodies the XSD would stop before the reader.
/// </summary>
public sealed class InventoryServicesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("openduis-inventory-").FullName;
    private SqliteSmiStore _store = null!;
    private SmiCache _cache = null!;
    private readonly RecordingListener _changes = new();
    private InventoryServices _services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Eui OptedOut = Eui.Parse("00-DB-12-34-56-78-D0-01");

    public async ValueTask InitializeAsync()
    {
        _store = await SqliteSmiStore.OpenAsync(Path.Combine(_directory, "openduis.db"));
        await DemoEnvironment.SeedAsync(_store);
        var esme = DemoEnvironment.Devices.Single(d => d.Id == DemoEnvironment.Esme);
        await _store.SaveDeviceAsync(esme with { Id = OptedOut, Status = SmiStatus.Withdrawn, Mpxn = null });
        _cache = await SmiCache.LoadAsync(_store);
        _services = new InventoryServices(_cache, new FakeTimeProvider(Now), _changes);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }

    private Task<InventoryOutcome> OptIn(Eui device, DeviceType type, Mpxn mpxn, DateOnly date) =>
        _services.ApplyAsync(DemoEnvironment.Supplier, new ServiceOptIn(device, type, mpxn, date), Ct);

    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    [Fact]
    public async Task Service_opt_in_returns_a_withdrawn_meter_to_Pending_with_its_MPxN_and_tells_the_status_change_hook()
    {
        var outcome = await OptIn(OptedOut, DeviceType.ESME, DemoEnvironment.ElectricityMpan, Today);

        Assert.Equal(ResponseCode.I99, outcome.Code);
        Assert.True(_cache.TryGetDevice(OptedOut, out var device));
        Assert.Equal((SmiStatus.Pending, DemoEnvironment.ElectricityMpan), (device.Status, device.Mpxn));
        Assert.Equal(SmiStatus.Pending, (await _store.FindDeviceAsync(OptedOut, Ct))!.Status);
        var change = Assert.Single(_changes.Seen);
        Assert.Equal((SmiStatus.Withdrawn, SmiStatus.Pending, DemoEnvironment.Supplier, ServiceReferenceVariant.Parse("8.6"), Now),
            (change.Before.Status, change.After.Status, change.ChangedBy, change.By, change.At));
    }

    [Fact]
    public async Task Service_opt_in_refusals_each_with_its_code_and_no_change()
    {
        Assert.Equal(ResponseCode.E19, (await OptIn(Eui.Parse("00-DB-12-34-56-78-D0-FF"), DeviceType.ESME, DemoEnvironment.ElectricityMpan, Today)).Code);
        Assert.Equal(InventoryResponseCodes.OptInDeviceTypeMismatch, (await OptIn(OptedOut, DeviceType.GSME, DemoEnvironment.GasMprn, Today)).Code);
        Assert.Equal(InventoryResponseCodes.OptInNotOptedOut, (await OptIn(DemoEnvironment.Esme, DeviceType.ESME, DemoEnvironment.ElectricityMpan, Today)).Code);
        Assert.Equal(InventoryResponseCodes.OptInMpxnWrongFuel, (await OptIn(OptedOut, DeviceType.ESME, DemoEnvironment.GasMprn, Today)).Code);
        Assert.Equal(InventoryResponseCodes.OptInDateInFuture, (await OptIn(OptedOut, DeviceType.ESME, DemoEnvironment.ElectricityMpan, Today.AddDays(1))).Code);
        var refused = await OptIn(OptedOut, DeviceType.ESME, Mpxn.MpanFromTwelveDigits(1_099_999_999_98), Today);
        Assert.Equal(InventoryResponseCodes.OptInNotResponsibleSupplier, refused.Code);
        Assert.Contains("is not the Registered Supplier", refused.Reason);

        Assert.True(_cache.TryGetDevice(OptedOut, out var device));
        Assert.Equal(SmiStatus.Withdrawn, device.Status);
        Assert.Empty(_changes.Seen);
    }

    [Fact]
    public async Task Every_status_change_of_decommission_is_told_to_the_hook_once()
    {
        var outcome = await _services.ApplyAsync(DemoEnvironment.Supplier, new DecommissionDevice(DemoEnvironment.Gsme), Ct);

        Assert.Equal(ResponseCode.I99, outcome.Code);
        var change = Assert.Single(_changes.Seen);
        Assert.Equal((DemoEnvironment.Gsme, SmiStatus.Commissioned, SmiStatus.Decommissioned), (change.After.Id, change.Before.Status, change.After.Status));
    }

    [Theory]
    [InlineData("8.3", "<sr:DecommissionDevice><sr:DeviceID>not-an-eui</sr:DeviceID></sr:DecommissionDevice>", "sr:DeviceID 'not-an-eui' is not an EUI-64.")]
    [InlineData("8.3", "<sr:DecommissionDevice/>", "sr:DecommissionDevice has no sr:DeviceID.")]
    [InlineData("8.3", "<sr:UpdateInventory/>", "The body must be sr:DecommissionDevice, not sr:UpdateInventory.")]
    [InlineData("8.4", "<sr:UpdateInventory><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID></sr:UpdateInventory>", "sr:UpdateInventory has no update after its DeviceID.")]
    [InlineData("8.4", "<sr:UpdateInventory><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID><sr:UpdateDeviceStatusCH>Broken</sr:UpdateDeviceStatusCH></sr:UpdateInventory>", "sr:UpdateDeviceStatusCH 'Broken' is not an SMI Status.")]
    [InlineData("8.4", "<sr:UpdateInventory><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID><sr:UpdateMPxN><sr:ImportMPxN>12</sr:ImportMPxN></sr:UpdateMPxN></sr:UpdateInventory>", "sr:ImportMPxN: '12' is not an MPxN: an MPAN core has 13 digits, an MPRN 6 to 10.")]
    [InlineData("12.2", "<sr:DevicePrenotification><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID><sr:DeviceManufacturer>0DB1</sr:DeviceManufacturer><sr:DeviceModel>ESME</sr:DeviceModel><sr:DeviceType>TOASTER</sr:DeviceType></sr:DevicePrenotification>", "sr:DeviceType 'TOASTER' is not a Device Type.")]
    [InlineData("8.6", "<sr:ServiceOptIn><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID><sr:DeviceType>ESME</sr:DeviceType><sr:MPxNs><sr:ImportMPxN>1234567890</sr:ImportMPxN></sr:MPxNs><sr:OptInDate>tomorrow</sr:OptInDate></sr:ServiceOptIn>", "sr:OptInDate 'tomorrow' is not a date (yyyy-MM-dd).")]
    public void A_body_the_reader_cannot_take_is_refused_naming_the_element(string variant, string body, string problem)
    {
        var doc = new XmlDocument();
        doc.LoadXml($"<wrapper xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\">{body}</wrapper>");
        var element = (XmlElement)doc.DocumentElement!.FirstChild!;

        Assert.False(InventoryRequestReader.TryRead(ServiceReferenceVariant.Parse(variant), element, out _, out var why));
        Assert.Equal(problem, why);
    }

    private sealed class RecordingListener : ISmiStatusChangeListener
    {
        public List<SmiStatusChange> Seen { get; } = [];

        public ValueTask StatusChangedAsync(SmiStatusChange change, CancellationToken cancellationToken)
        {
            Seen.Add(change);
            return ValueTask.CompletedTask;
        }
    }
}
