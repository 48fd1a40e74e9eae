using OpenDuis.Core;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;
using OpenDuis.TestSupport;

namespace OpenDuis.Storage.Tests;

/// <summary>H17 requesters, request history and report rows from the inventory; run on SQLite and PostgreSQL.</summary>
public abstract class H17StoreContract : StoreContract<DataStores>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui MapId = Eui.Parse("90-B3-D5-1F-30-05-00-00");
    private static readonly Eui OtherMap = Eui.Parse("90-B3-D5-1F-30-06-00-00");
    private static readonly Eui Chf = new(0x00DB_0000_0000_00FF);
    private static readonly Eui OtherChf = new(0x00DB_0000_0000_00FE);

    private static readonly H17Requester Map = new("Meter Finance Ltd", H17Capacity.MeterAssetProvider, IsParty: false,
        SignedEnablingServicesAgreement: true, Now.AddDays(-10)) { MeterAssetProviderId = MapId };

    private static Device Meter(ulong id, DeviceType type, Mpxn mpxn, Eui map, string manufacturer = "0DB1") => new()
    {
        Id = new Eui(id), Type = type, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
        Manufacturer = manufacturer, Model = type == DeviceType.ESME ? "E470" : "G4", FirmwareVersion = "1.0",
        Region = CspRegion.North, CommsHub = OtherChf, Mpxn = mpxn, MeterAssetProvider = map,
    };

    private static Device Hub(Eui id, string model) => new()
    {
        Id = id, Type = DeviceType.CHF, Generation = DeviceGeneration.Smets2Plus, Status = SmiStatus.Commissioned,
        Manufacturer = "Toshiba", Model = model, FirmwareVersion = "0x0300", Region = CspRegion.North,
    };

    [Fact]
    public async Task Requesters_and_their_accepted_requests_persist()
    {
        await Store.H17Reports.SaveRequesterAsync(Map, Ct);
        var maker = new H17Requester("Meters Inc", H17Capacity.Manufacturer, IsParty: true, SignedEnablingServicesAgreement: false, null) { ManufacturerId = "0DB1" };
        await Store.H17Reports.SaveRequesterAsync(maker, Ct);

        Assert.Equal(Map with { EvidenceAcceptedAt = Now.AddDays(-10) }, await Store.H17Reports.FindRequesterAsync(Map.Name, H17Capacity.MeterAssetProvider, Ct));
        Assert.Equal(maker, await Store.H17Reports.FindRequesterAsync("Meters Inc", H17Capacity.Manufacturer, Ct));
        Assert.Null(await Store.H17Reports.FindRequesterAsync("Meters Inc", H17Capacity.MeterAssetProvider, Ct));

        var first = await Store.H17Reports.AddRequestAsync(Map.Name, H17Capacity.MeterAssetProvider, ReportFrequency.Monthly, Now, Ct);
        var second = await Store.H17Reports.AddRequestAsync(Map.Name, H17Capacity.MeterAssetProvider, ReportFrequency.AdHoc, Now.AddHours(1), Ct);
        Assert.True(second.Id > first.Id);
        await Store.H17Reports.MarkGeneratedAsync(first.Id, Now.AddMinutes(5), 42, "/data/reports/1.csv", Ct);

        Assert.Equal(first with { GeneratedAt = Now.AddMinutes(5), Meters = 42, File = "/data/reports/1.csv" }, await Store.H17Reports.FindRequestAsync(first.Id, Ct));
        Assert.Equal([first.Id, second.Id], (await Store.H17Reports.RequestsAsync(Map.Name, H17Capacity.MeterAssetProvider, Ct)).Select(r => r.Id));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.H17Reports.MarkGeneratedAsync(999_999, Now, 0, "x", Ct));
    }

    [Fact]
    public async Task Download_keys_are_found_by_their_hash_only()
    {
        await Store.H17Reports.SaveRequesterAsync(Map, Ct);
        var (key, hash) = H17DownloadKeys.Issue();
        await Store.H17Reports.AddDownloadKeyAsync(hash, Map.Name, H17Capacity.MeterAssetProvider, Now, cancellationToken: Ct);
        var (supplierKey, supplierHash) = H17DownloadKeys.Issue();
        await Store.H17Reports.AddDownloadKeyAsync(supplierHash, Map.Name, H17Capacity.MeterAssetProvider, Now, PartyId.Parse("NEW-SUPPLIER"), Ct);
        Assert.Equal((Map.Name, H17Capacity.MeterAssetProvider), await Store.H17Reports.FindDownloadKeyAsync(H17DownloadKeys.Hash(supplierKey), Ct));

        Assert.Equal((Map.Name, H17Capacity.MeterAssetProvider), await Store.H17Reports.FindDownloadKeyAsync(H17DownloadKeys.Hash(key), Ct));
        Assert.Null(await Store.H17Reports.FindDownloadKeyAsync(key, Ct));
        Assert.Null(await Store.H17Reports.FindDownloadKeyAsync(H17DownloadKeys.Hash(key + "x"), Ct));
    }

    [Fact]
    public async Task H17_4_a_second_ad_hoc_request_in_the_month_is_refused_from_the_stored_history()
    {
        await Store.H17Reports.SaveRequesterAsync(Map, Ct);
        var first = await H17Reports.RequestAsync(Store.H17Reports, Map.Name, H17Capacity.MeterAssetProvider, ReportFrequency.AdHoc, Now, Ct);
        Assert.True(first.IsAllowed);

        var second = await H17Reports.RequestAsync(Store.H17Reports, Map.Name, H17Capacity.MeterAssetProvider, ReportFrequency.AdHoc, Now.AddDays(2), Ct);
        Assert.Equal("H17.4", second.Refusal!.Clause);
        Assert.Contains("from 2026-12-01", second.Refusal.Reason);
        Assert.Single(await Store.H17Reports.RequestsAsync(Map.Name, H17Capacity.MeterAssetProvider, Ct));
    }

    [Fact]
    public async Task H17_3_unknown_or_unproven_requesters_are_refused()
    {
        var unknown = await H17Reports.RequestAsync(Store.H17Reports, "Nobody Ltd", H17Capacity.Manufacturer, ReportFrequency.Monthly, Now, Ct);
        Assert.Equal("H17.3", unknown.Refusal!.Clause);
        Assert.Contains("Nobody Ltd", unknown.Refusal.Reason);

        await Store.H17Reports.SaveRequesterAsync(Map with { EvidenceAcceptedAt = null }, Ct);
        var unproven = await H17Reports.RequestAsync(Store.H17Reports, Map.Name, H17Capacity.MeterAssetProvider, ReportFrequency.Monthly, Now, Ct);
        Assert.Equal("H17.3", unproven.Refusal!.Clause);
        Assert.Empty(await Store.H17Reports.RequestsAsync(Map.Name, H17Capacity.MeterAssetProvider, Ct));
    }

    [Fact]
    public async Task H17_5_rows_cover_every_meter_of_the_MAP_with_suppliers_and_the_hub_from_the_device_log()
    {
        var mpan = Mpxn.MpanFromTwelveDigits(1_099_000_000_01);
        var mpan2 = Mpxn.MpanFromTwelveDigits(1_099_000_000_02);
        await Store.Smi.SaveDeviceAsync(Hub(Chf, "CH-2"), Ct);
        await Store.Smi.SaveDeviceAsync(Hub(OtherChf, "CH-1"), Ct);
        await Store.Smi.SaveDeviceAsync(Meter(0x00DB_0000_0000_0002, DeviceType.ESME, mpan, MapId), Ct);
        await Store.Smi.SaveDeviceAsync(Meter(0x00DB_0000_0000_0001, DeviceType.GSME, mpan2, MapId), Ct);
        await Store.Smi.SaveDeviceAsync(Meter(0x00DB_0000_0000_0003, DeviceType.ESME, mpan, OtherMap), Ct); // another MAP's meter
        await Store.Smi.SaveDeviceAsync(Hub(new Eui(0x00DB_0000_0000_0004), "CH-9") with { MeterAssetProvider = MapId }, Ct); // not a Smart Meter
        await Store.Smi.AddToDeviceLogAsync(new DeviceLogEntry(Chf, new Eui(0x00DB_0000_0000_0002), Now), Ct);
        // Registered Suppliers: an earlier supplier (ended), the current one, and a future one.
        await Store.Smi.RegisterAsync(new RegistrationPeriod(mpan, RegisteredRole.Supplier, PartyId.Parse("OLD-SUPPLIER"), Now.AddYears(-2)), Ct);
        await Store.Smi.RegisterAsync(new RegistrationPeriod(mpan, RegisteredRole.Supplier, PartyId.Parse("NEW-SUPPLIER"), new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        await Store.Smi.RegisterAsync(new RegistrationPeriod(mpan, RegisteredRole.Supplier, PartyId.Parse("NEXT-SUPPLIER"), Now.AddDays(30)), Ct);
        await Store.Smi.RegisterAsync(new RegistrationPeriod(mpan, RegisteredRole.NetworkOperator, PartyId.Parse("DNO"), Now.AddYears(-5)), Ct);

        var rows = await Store.H17Reports.ReadReportRowsAsync(Map, Now, Ct).ToListAsync(Ct);

        Assert.Equal([0x00DB_0000_0000_0001UL, 0x00DB_0000_0000_0002UL], rows.Select(r => r.SmartMeterId.Value));
        Assert.Equal(2, await Store.H17Reports.CountReportMetersAsync(Map, Ct));
        Assert.True(await Store.H17Reports.IsRegisteredSupplierForAsync(Map, PartyId.Parse("NEW-SUPPLIER"), Now, Ct));
        Assert.False(await Store.H17Reports.IsRegisteredSupplierForAsync(Map, PartyId.Parse("OLD-SUPPLIER"), Now, Ct)); // no longer registered
        Assert.False(await Store.H17Reports.IsRegisteredSupplierForAsync(Map, PartyId.Parse("DNO"), Now, Ct)); // a network operator, not a supplier
        var gas = rows[0];
        Assert.Equal(DeviceType.GSME, gas.SmartMeterType);
        Assert.Empty(gas.RegisteredSuppliers);
        Assert.Equal("CH-1", gas.CommsHubModel); // no Device Log entry: the Device's own hub association
        var electricity = rows[1];
        Assert.Equal(("E470", "0DB1", "1.0", SmiStatus.Commissioned, (CspRegion?)CspRegion.North), (electricity.Model, electricity.Manufacturer, electricity.FirmwareVersion, electricity.SmiStatus, electricity.Region));
        Assert.Equal([new RegisteredSupplier(PartyId.Parse("NEW-SUPPLIER"), new DateOnly(2025, 6, 1))], electricity.RegisteredSuppliers);
        Assert.Equal(("Toshiba", "CH-2", "0x0300"), (electricity.CommsHubMake, electricity.CommsHubModel, electricity.CommsHubFirmwareVersion));
    }

    [Fact]
    public async Task H17_5_a_Manufacturer_sees_the_meters_it_made_and_a_requester_without_identity_sees_none()
    {
        var mpan = Mpxn.MpanFromTwelveDigits(1_099_000_000_01);
        await Store.Smi.SaveDeviceAsync(Meter(0x00DB_0000_0000_0001, DeviceType.ESME, mpan, MapId, manufacturer: "106C"), Ct);
        await Store.Smi.SaveDeviceAsync(Meter(0x00DB_0000_0000_0002, DeviceType.ESME, mpan, MapId, manufacturer: "0DB1"), Ct);
        var maker = new H17Requester("Meters Inc", H17Capacity.Manufacturer, true, false, Now) { ManufacturerId = "106C" };

        Assert.Equal([0x00DB_0000_0000_0001UL], (await Store.H17Reports.ReadReportRowsAsync(maker, Now, Ct).ToListAsync(Ct)).Select(r => r.SmartMeterId.Value));
        Assert.Empty(await Store.H17Reports.ReadReportRowsAsync(maker with { ManufacturerId = null }, Now, Ct).ToListAsync(Ct));
        Assert.Equal(0, await Store.H17Reports.CountReportMetersAsync(maker with { ManufacturerId = null }, Ct));
    }
}

public sealed class SqliteH17StoreTests : H17StoreContract
{
    private readonly SqliteStoreFolder _db = new("openduis-h17-");
    protected override async Task<DataStores> OpenStoreAsync() => new(await _db.OpenAsync());
    protected override ValueTask DropAsync() => _db.DropAsync();
}

public sealed class PostgresH17StoreTests : H17StoreContract
{
    private readonly PostgresStoreSchema _db = new();
    protected override async Task<DataStores> OpenStoreAsync() => new(await _db.OpenAsync());
    protected override ValueTask DropAsync() => _db.DropAsync();
}
