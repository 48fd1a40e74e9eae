using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Smi;

/// <summary>What every SMI store must do; run against SQLite and PostgreSQL by the subclasses.</summary>
public abstract class SmiStoreContract : StoreContract<ISmiStore>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset T = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Mpxn Mpan = Mpxn.MpanFromTwelveDigits(1_099_000_000_01);
    private static readonly PartyId OldSupplier = PartyId.Parse("OLD-SUPPLIER");
    private static readonly PartyId NewSupplier = PartyId.Parse("NEW-SUPPLIER");

    private static Device Esme(ulong id, SmiStatus status = SmiStatus.Commissioned) => new()
    {
        Id = new Eui(id),
        Type = DeviceType.ESME,
        Generation = DeviceGeneration.Smets2Plus,
        Status = status,
        Manufacturer = "0DB1",
        Model = "ESME",
        FirmwareVersion = "1.0",
        Region = CspRegion.South4G,
        CommsHub = new Eui(0x00DB_0000_0000_00FF),
        Mpxn = Mpan,
        Uprn = new Uprn(10023456789),
        MeterAssetProvider = Eui.Parse("90-B3-D5-1F-30-05-00-00"),
    };

    [Fact]
    public async Task Devices_are_found_by_MPxN_or_UPRN_and_by_SMI_Status_in_Device_ID_order_up_to_the_limit()
    {
        var otherMpan = Mpxn.MpanFromTwelveDigits(1_099_000_000_02);
        await Store.SaveDeviceAsync(Esme(3), Ct);
        await Store.SaveDeviceAsync(Esme(1), Ct);
        await Store.SaveDeviceAsync(Esme(2, SmiStatus.Suspended) with { Mpxn = otherMpan, Uprn = new Uprn(77) }, Ct);
        await Store.SaveDeviceAsync(Esme(4, SmiStatus.Suspended) with { Mpxn = null, Uprn = null }, Ct);

        async Task<ulong[]> Find(Mpxn? mpxn, Uprn? uprn, SmiStatus? status, int limit = 50) =>
            [.. (await Store.SearchDevicesAsync(new DeviceSearch(mpxn, uprn, status), limit, Ct)).Select(d => d.Id.Value)];

        Assert.Equal(new ulong[] { 1, 3 }, await Find(Mpan, null, null));
        Assert.Equal(new ulong[] { 2 }, await Find(null, new Uprn(77), null));
        // A number that could be either: the MPxN or the UPRN matches.
        Assert.Equal(new ulong[] { 1, 2, 3 }, await Find(Mpan, new Uprn(77), null));
        Assert.Equal(new ulong[] { 2, 4 }, await Find(null, null, SmiStatus.Suspended));
        Assert.Equal(new ulong[] { 2 }, await Find(otherMpan, null, SmiStatus.Suspended));
        Assert.Empty(await Find(Mpan, null, SmiStatus.Suspended));
        Assert.Equal(new ulong[] { 1 }, await Find(Mpan, null, null, limit: 1));
        // The SMI Status as changed, not as first saved.
        await Store.ChangeStatusAsync(new Eui(3), SmiStatus.Suspended, T, Ct);
        Assert.Equal(new ulong[] { 2, 3, 4 }, await Find(null, null, SmiStatus.Suspended));
    }

    [Fact]
    public async Task A_device_round_trips_with_every_field()
    {
        var device = Esme(0xF0DB_1234_5678_90A0) with // high bit set: the key is a negative 64-bit integer
        {
            HanVariant = HanVariant.DualBand,
            Generation = DeviceGeneration.Smets1,
            Smets1ServiceProvider = Eui.Parse("90-B3-D5-1F-30-00-01-01"),
            Smets1NotifiedCriticalSupplier = NewSupplier,
            Smets1NotifiedCriticalNetworkOperator = PartyId.Parse("CRITICAL-DNO"),
        };
        await Store.SaveDeviceAsync(device, Ct);

        Assert.Equal(device, await Store.FindDeviceAsync(device.Id, Ct));
        Assert.Null(await Store.FindDeviceAsync(new Eui(1), Ct));
    }

    [Fact]
    public async Task SMETS1_notified_critical_parties_survive_a_bulk_import_and_the_full_read()
    {
        var device = Esme(0x00DB_0000_0000_0911) with
        {
            Generation = DeviceGeneration.Smets1,
            Smets1ServiceProvider = Eui.Parse("90-B3-D5-1F-30-00-01-01"),
            Smets1NotifiedCriticalSupplier = NewSupplier,
        };
        await Store.ImportDevicesAsync(new[] { device }.ToAsyncEnumerable(), Ct);

        Assert.Equal(device, await Store.FindDeviceAsync(device.Id, Ct));
        Assert.Contains(device, await Store.ReadDevicesAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Deleting_a_device_removes_it_and_its_device_log_lines_and_says_whether_it_was_there()
    {
        var hub = new Eui(0x00DB_0000_0000_00FF);
        await Store.SaveDeviceAsync(Esme(0x0D), Ct);
        await Store.AddToDeviceLogAsync(new DeviceLogEntry(hub, new Eui(0x0D), T), Ct);

        Assert.True(await Store.DeleteDeviceAsync(new Eui(0x0D), Ct));
        Assert.Null(await Store.FindDeviceAsync(new Eui(0x0D), Ct));
        Assert.Empty(await Store.DeviceLogAsync(hub, Ct));
        Assert.False(await Store.DeleteDeviceAsync(new Eui(0x0D), Ct));
    }

    /// <summary>The emulated Devices' kept states (OpenDuis.Storage.Execution) on the store's database.</summary>
    protected abstract Task<Core.Requests.IDeviceStateStore> OpenDeviceStatesAsync();

    [Fact]
    public async Task Deleting_a_device_removes_its_emulated_state_and_events_and_leaves_other_Devices_states()
    {
        var states = await OpenDeviceStatesAsync();
        var request = new Protocol.Domain.RequestId(new Eui(0x90B3_D51F_3001_0000), new Eui(0x0D), 1).ToString();
        await Store.SaveDeviceAsync(Esme(0x0D), Ct);
        await Store.SaveDeviceAsync(Esme(0x0E), Ct);
        foreach (var device in new[] { new Eui(0x0D), new Eui(0x0E) })
            await states.SaveDeviceStatesAsync([new Core.Requests.StoredDeviceState(device, 1, "{}", [new Core.Requests.StoredDeviceEvent(1, T, "4.1.1", request)])], 100, Ct);

        Assert.True(await Store.DeleteDeviceAsync(new Eui(0x0D), Ct));
        Assert.Null(await states.FindDeviceStateAsync(new Eui(0x0D), Ct));
        Assert.Single((await states.FindDeviceStateAsync(new Eui(0x0E), Ct))!.Events);
        // Added again, it starts with no kept state: its first write is version 1 again.
        await Store.SaveDeviceAsync(Esme(0x0D), Ct);
        await states.SaveDeviceStatesAsync([new Core.Requests.StoredDeviceState(new Eui(0x0D), 1, "{}", [])], 100, Ct);
        Assert.Empty((await states.FindDeviceStateAsync(new Eui(0x0D), Ct))!.Events);
    }

    [Fact]
    public async Task Saving_a_device_again_replaces_it()
    {
        await Store.SaveDeviceAsync(Esme(7), Ct);
        await Store.SaveDeviceAsync(Esme(7) with { FirmwareVersion = "2.0", Mpxn = null }, Ct);

        var found = await Store.FindDeviceAsync(new Eui(7), Ct);
        Assert.Equal("2.0", found!.FirmwareVersion);
        Assert.Null(found.Mpxn);
    }

    [Fact]
    public async Task A_status_change_the_lifecycle_allows_is_stored()
    {
        await Store.SaveDeviceAsync(Esme(1, SmiStatus.InstalledNotCommissioned), Ct);

        var changed = await Store.ChangeStatusAsync(new Eui(1), SmiStatus.Commissioned, T, Ct);

        Assert.Equal(SmiStatus.Commissioned, changed.Status);
        Assert.Equal(SmiStatus.Commissioned, (await Store.FindDeviceAsync(new Eui(1), Ct))!.Status);
    }

    /// <summary>SEC F2.9: a CPL restoration returns a Device to the status it had before its latest suspension.</summary>
    [Fact]
    public async Task The_status_before_the_latest_suspension_is_read_from_the_history()
    {
        await Store.SaveDeviceAsync(Esme(0x5A, SmiStatus.InstalledNotCommissioned), Ct);
        Assert.Null(await Store.StatusBeforeSuspensionAsync(new Eui(0x5A), Ct));

        await Store.ChangeStatusAsync(new Eui(0x5A), SmiStatus.Suspended, T, Ct);
        await Store.ChangeStatusAsync(new Eui(0x5A), SmiStatus.InstalledNotCommissioned, T.AddMinutes(1), Ct);
        await Store.ChangeStatusAsync(new Eui(0x5A), SmiStatus.Commissioned, T.AddMinutes(2), Ct);
        await Store.ChangeStatusAsync(new Eui(0x5A), SmiStatus.Suspended, T.AddMinutes(3), Ct);

        Assert.Equal(SmiStatus.Commissioned, await Store.StatusBeforeSuspensionAsync(new Eui(0x5A), Ct));
    }

    [Fact]
    public async Task An_illegal_status_change_is_refused_with_a_clear_error_and_changes_nothing()
    {
        await Store.SaveDeviceAsync(Esme(1, SmiStatus.Decommissioned), Ct);

        var e = await Assert.ThrowsAsync<IllegalSmiTransitionException>(() => Store.ChangeStatusAsync(new Eui(1), SmiStatus.Commissioned, T, Ct));

        Assert.Equal("Device 00-00-00-00-00-00-00-01 cannot move from SMI Status Decommissioned to Commissioned; from Decommissioned it may move only to Pending (SEC Appendix AC).", e.Message);
        Assert.Equal(SmiStatus.Decommissioned, (await Store.FindDeviceAsync(new Eui(1), Ct))!.Status);
    }

    [Fact]
    public async Task A_status_change_of_an_unknown_device_is_refused()
    {
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.ChangeStatusAsync(new Eui(42), SmiStatus.Commissioned, T, Ct));
        Assert.Contains("00-00-00-00-00-00-00-2A is not in the Smart Metering Inventory", e.Message);
    }

    [Fact]
    public async Task The_registered_supplier_changes_exactly_at_the_change_of_supplier()
    {
        await Store.RegisterAsync(new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T.AddYears(-1)), Ct);
        await Store.RegisterAsync(new RegistrationPeriod(Mpan, RegisteredRole.Supplier, NewSupplier, T), Ct);

        Assert.Equal(OldSupplier, await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T.AddSeconds(-1), Ct));
        Assert.Equal(NewSupplier, await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T, Ct));
        Assert.Equal(NewSupplier, await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T.AddSeconds(1), Ct));
        Assert.Null(await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T.AddYears(-2), Ct));
        Assert.Null(await Store.RegisteredPartyAsync(Mpan, RegisteredRole.NetworkOperator, T, Ct));

        // History is kept: the old period is closed at T, not deleted.
        var history = await Store.HistoryAsync(Mpan, RegisteredRole.Supplier, Ct);
        Assert.Equal(
            [new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T.AddYears(-1), T), new RegistrationPeriod(Mpan, RegisteredRole.Supplier, NewSupplier, T)],
            history.Periods);
    }

    [Fact]
    public async Task The_cache_answers_the_registered_supplier_like_the_store_across_a_change_of_supplier()
    {
        await Store.SaveDeviceAsync(Esme(1), Ct);
        await Store.RegisterAsync(new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T.AddYears(-1)), Ct);
        var cache = await SmiCache.LoadAsync(Store, Ct);
        await cache.RegisterAsync(new RegistrationPeriod(Mpan, RegisteredRole.Supplier, NewSupplier, T), Ct);

        Assert.Equal(OldSupplier, cache.RegisteredPartyOfDevice(new Eui(1), RegisteredRole.Supplier, T.AddSeconds(-1)));
        Assert.Equal(NewSupplier, cache.RegisteredPartyOfDevice(new Eui(1), RegisteredRole.Supplier, T));
        Assert.Equal(NewSupplier, cache.RegisteredPartyOfDevice(new Eui(1), RegisteredRole.Supplier, T.AddSeconds(1)));

        var reloaded = await SmiCache.LoadAsync(Store, Ct);
        Assert.Equal(OldSupplier, reloaded.RegisteredPartyOfDevice(new Eui(1), RegisteredRole.Supplier, T.AddSeconds(-1)));
        Assert.Equal(NewSupplier, reloaded.RegisteredPartyOfDevice(new Eui(1), RegisteredRole.Supplier, T));
    }

    [Fact]
    public async Task A_bulk_registration_import_applies_each_change_of_supplier_in_order()
    {
        var gas = Mpxn.Parse("7654321");
        long n = await Store.ImportRegistrationsAsync(Periods(
            new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T.AddYears(-1)),
            new RegistrationPeriod(gas, RegisteredRole.NetworkOperator, OldSupplier, T.AddYears(-1), T.AddYears(1)),
            new RegistrationPeriod(Mpan, RegisteredRole.Supplier, NewSupplier, T)), Ct);

        Assert.Equal(3, n);
        Assert.Equal(OldSupplier, await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T.AddSeconds(-1), Ct));
        Assert.Equal(NewSupplier, await Store.RegisteredPartyAsync(Mpan, RegisteredRole.Supplier, T, Ct));
        Assert.Equal(OldSupplier, await Store.RegisteredPartyAsync(gas, RegisteredRole.NetworkOperator, T, Ct));
        Assert.Null(await Store.RegisteredPartyAsync(gas, RegisteredRole.NetworkOperator, T.AddYears(1), Ct));
    }

    [Fact]
    public async Task A_bulk_registration_import_with_a_bad_period_writes_nothing()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ImportRegistrationsAsync(Periods(
            new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T),
            new RegistrationPeriod(Mpan, RegisteredRole.Supplier, NewSupplier, T, T.AddDays(-1))), Ct));

        Assert.Empty((await Store.HistoryAsync(Mpan, RegisteredRole.Supplier, Ct)).Periods);
    }

    private static async IAsyncEnumerable<RegistrationPeriod> Periods(params RegistrationPeriod[] periods)
    {
        foreach (var p in periods)
        {
            await Task.Yield();
            yield return p;
        }
    }

    [Fact]
    public async Task A_registration_ending_before_it_starts_is_refused()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.RegisterAsync(new RegistrationPeriod(Mpan, RegisteredRole.Supplier, OldSupplier, T, T.AddDays(-1)), Ct));
        Assert.Contains("ends", e.Message);
    }

    [Fact]
    public async Task A_user_round_trips_with_roles_certificates_and_endpoint()
    {
        await Store.SavePartyAsync(new Party(OldSupplier, "Old Supplier Ltd"), Ct);
        var user = new ServiceUser
        {
            Id = Eui.Parse("90-B3-D5-1F-30-01-00-00"),
            Party = OldSupplier,
            Roles = new HashSet<UserRole> { UserRole.ImportSupplier, UserRole.GasSupplier },
            Status = UserStatus.Active,
            ResponseEndpoint = new Uri("https://user.example:8443/duis"),
            DuisVersion = "5.1",
            Certificates = [new SmkiCertificateRef("20315062944123339095836004026371736578", 135, SmkiKeyUsage.DigitalSignature, "xml-sign")],
        };
        await Store.SaveUserAsync(user, Ct);

        var found = await Store.FindUserAsync(user.Id, Ct);
        Assert.NotNull(found);
        Assert.Equal(user.Roles.Order(), found.Roles.Order());
        Assert.Equal(user.Certificates, found.Certificates);
        Assert.Equal(user.ResponseEndpoint, found.ResponseEndpoint);
        Assert.Equal(("5.1", UserStatus.Active, OldSupplier), (found.DuisVersion, found.Status, found.Party));
        Assert.Equal(new Party(OldSupplier, "Old Supplier Ltd"), await Store.FindPartyAsync(OldSupplier, Ct));
        // What delivery and the DUIS version check read every round: the same endpoint and version, alone.
        Assert.Equal(new UserAddress(user.ResponseEndpoint, "5.1"), await Store.FindUserAddressAsync(user.Id, Ct));
        Assert.Null(await Store.FindUserAddressAsync(Eui.Parse("90-B3-D5-1F-30-01-00-99"), Ct));

        await Store.SaveUserAsync(user with { Status = UserStatus.Suspended, Roles = new HashSet<UserRole> { UserRole.OtherUser }, Certificates = [] }, Ct);
        found = await Store.FindUserAsync(user.Id, Ct);
        Assert.Equal(UserStatus.Suspended, found!.Status);
        Assert.Equal([UserRole.OtherUser], found.Roles);
        Assert.Empty(found.Certificates);
        await Store.SaveUserAsync(user with { ResponseEndpoint = null }, Ct);
        Assert.Equal(new UserAddress(null, "5.1"), await Store.FindUserAddressAsync(user.Id, Ct));
    }

    [Fact]
    public async Task A_user_of_an_unknown_party_is_refused()
    {
        var user = new ServiceUser { Id = new Eui(5), Party = PartyId.Parse("NOBODY"), Roles = new HashSet<UserRole>(), Status = UserStatus.Active };
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.SaveUserAsync(user, Ct));
        Assert.Contains("Party 'NOBODY', which is not registered", e.Message);
        Assert.Null(await Store.FindUserAsync(new Eui(5), Ct));
    }

    [Fact]
    public async Task A_bulk_import_with_a_duplicate_device_writes_nothing()
    {
        await Store.SaveDeviceAsync(Esme(3), Ct);

        await Assert.ThrowsAsync<DuplicateDeviceException>(() => Store.ImportDevicesAsync(Devices(1, 2, 3, 4), Ct));

        Assert.Null(await Store.FindDeviceAsync(new Eui(1), Ct));
        Assert.Null(await Store.FindDeviceAsync(new Eui(4), Ct));
    }

    [Fact]
    public async Task A_bulk_import_adds_every_device()
    {
        Assert.Equal(1000, await Store.ImportDevicesAsync(Devices([.. Enumerable.Range(1, 1000).Select(i => (ulong)i)]), Ct));

        var all = new List<Device>();
        await foreach (var d in Store.ReadDevicesAsync(Ct)) all.Add(d);
        Assert.Equal(1000, all.Count);
        Assert.Equal(Esme(500), all[499]);
    }

    private static async IAsyncEnumerable<Device> Devices(params ulong[] ids)
    {
        foreach (var id in ids)
        {
            await Task.Yield();
            yield return Esme(id);
        }
    }

    [Fact]
    public async Task The_device_log_lists_the_devices_joined_to_a_hub()
    {
        var hub = new Eui(0xFF);
        await Store.AddToDeviceLogAsync(new DeviceLogEntry(hub, new Eui(2), T), Ct);
        await Store.AddToDeviceLogAsync(new DeviceLogEntry(hub, new Eui(1), T), Ct);
        await Store.AddToDeviceLogAsync(new DeviceLogEntry(hub, new Eui(1), T.AddDays(1)), Ct); // already there: unchanged
        await Store.RemoveFromDeviceLogAsync(hub, new Eui(2), Ct);

        Assert.Equal([new DeviceLogEntry(hub, new Eui(1), T)], await Store.DeviceLogAsync(hub, Ct));
    }

    [Fact]
    public async Task The_central_products_list_round_trips()
    {
        var entry = new CplEntry
        {
            Manufacturer = "106C", Model = "433100AC", FirmwareVersion = "9001", DeviceType = DeviceType.CHF,
            GbcsVersion = "4.2", SmetsChtsVersion = "CHTS V1.4", Status = CplStatus.Current,
        };
        await Store.SaveProductAsync(entry, Ct);
        await Store.SaveProductAsync(entry with { Status = CplStatus.Removed }, Ct);

        Assert.Equal(entry with { Status = CplStatus.Removed }, await Store.FindProductAsync("106C", "433100AC", "9001", Ct));
        Assert.Single(await Store.ProductsAsync(Ct));
    }

    [Fact]
    public async Task The_demo_environment_seeds_twice_without_change_and_the_cache_serves_it()
    {
        await DemoEnvironment.SeedAsync(Store, cancellationToken: Ct);
        await DemoEnvironment.SeedAsync(Store, cancellationToken: Ct);

        var cache = await SmiCache.LoadAsync(Store, Ct);
        Assert.Equal(DemoEnvironment.Devices.Count, cache.DeviceCount);
        Assert.Equal(DemoEnvironment.Users.Count, cache.UserCount);
        Assert.True(cache.TryGetDevice(DemoEnvironment.Esme, out var esme));
        Assert.Equal(DeviceType.ESME, esme.Type);
        Assert.True(cache.TryGetUser(DemoEnvironment.Supplier, out var supplier));
        Assert.Equal(DemoEnvironment.SupplierParty, cache.RegisteredPartyOfDevice(DemoEnvironment.Esme, RegisteredRole.Supplier, DateTimeOffset.UtcNow));
        Assert.Equal(supplier.Party, cache.RegisteredPartyOfDevice(DemoEnvironment.Gsme, RegisteredRole.Supplier, DateTimeOffset.UtcNow));
        Assert.Equal(DemoEnvironment.NetworkOperatorParty, cache.RegisteredPartyOfDevice(DemoEnvironment.Gsme, RegisteredRole.NetworkOperator, DateTimeOffset.UtcNow));
        Assert.Equal(2, (await Store.DeviceLogAsync(DemoEnvironment.GasProxy, Ct)).Count);
    }
}
