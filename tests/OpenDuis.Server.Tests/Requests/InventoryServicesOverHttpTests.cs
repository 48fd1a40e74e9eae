using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>An OpenDUIS of its own for the inventory-changing requests, so no other class sees their changes.</summary>
public sealed class InventoryServer : IAsyncLifetime
{
    public OpenDuisInstance Instance { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Instance = await OpenDuisInstance.StartAsync();
    public async ValueTask DisposeAsync() => await Instance.DisposeAsync();
}

/// <summary>
/// The Non-Device requests that change the Smart Metering Inventory (8.3, 8.4, 8.14.x, 12.2), sent as
/// real signed requests over loopback HTTP: each success, each service-specific refusal, and the
/// change seen by the next request's access control. Every answer validates with the DCC Boxed tool.
/// Each test works on Devices it pre-notifies itself, with IDs no other test uses.
/// </summary>
public sealed class InventoryServicesOverHttpTests(InventoryServer fixture) : IClassFixture<InventoryServer>
{
    private static readonly Eui Supplier = DemoEnvironment.Supplier;
    private static readonly Mpxn UnregisteredMpan = Mpxn.MpanFromTwelveDigits(1_099_999_999_99);

    private OpenDuisInstance Instance => fixture.Instance;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_prenotified_meter_is_installed_through_8_4_then_decommissioned_by_8_3_and_the_next_device_request_gets_E5()
    {
        var meter = "00-DB-12-34-56-78-C1-01";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
        Assert.Equal(SmiStatus.Pending, Device(meter).Status);

        // Not yet associated with a Metering Point: access control has no Registered Supplier for it.
        Assert.Equal(ResponseCode.E4, await SendAsync(Read411(meter)));

        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
        Assert.Equal(SmiStatus.InstalledNotCommissioned, Device(meter).Status);
        Assert.Equal(DemoEnvironment.ElectricityMpan, Device(meter).Mpxn);

        // 4.1.1 accepts Commissioned Devices only: E5 now, as the pipeline reads the same cache.
        Assert.Equal(ResponseCode.E5, await SendAsync(Read411(meter)));
        Assert.Equal(ResponseCode.I99, await SendAsync(Decommission(meter)));
        Assert.Equal(SmiStatus.Decommissioned, Device(meter).Status);
        Assert.Equal(SmiStatus.Decommissioned, (await Instance.Store.FindDeviceAsync(Eui.Parse(meter), Ct))!.Status);
        Assert.Equal(ResponseCode.E5, await SendAsync(Read411(meter)));

        // Decommissioned → Decommissioned is no transition.
        Assert.Equal(InventoryResponseCodes.DecommissionNotAllowedFromStatus, await SendAsync(Decommission(meter)));
    }

    [Fact]
    public async Task A_prenotified_Device_and_its_hub_s_GPF_are_issued_their_own_Device_keys_and_certificates()
    {
        var (hub, gpf) = (Eui.Parse("00-DB-12-34-56-78-D7-01"), Eui.Parse("00-DB-12-34-56-78-D7-02"));
        Assert.Null(Instance.DeviceKeys.Store.Find(hub));
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(hub.ToString(), "CHF", "CHF", "1.0", gpf: gpf.ToString())));
        foreach (var device in new[] { hub, gpf })
        {
            // Issued by the request itself (the store, not the on-demand fallback, holds them).
            var credentials = Instance.DeviceKeys.Store.Find(device);
            Assert.True(credentials is { DigitalSigningKey: not null, KeyAgreementKey: not null }, $"no Device keys for {device}");
            Assert.True(Protocol.Keys.SmkiDeviceCertificate.TryReadDeviceId(credentials.KeyAgreementCertificate, out var named) && named == device);
        }
        // A refused pre-notification issues nothing.
        var refused = Eui.Parse("00-DB-12-34-56-78-D7-03");
        Assert.NotEqual(ResponseCode.I99, await SendAsync(Prenotify(refused.ToString(), "ESME", "NOT-ON-CPL", "1.0")));
        Assert.Null(Instance.DeviceKeys.Store.Find(refused));
    }

    [Fact]
    public async Task A_commissioned_demo_meter_decommissioned_by_its_supplier_refuses_device_requests_with_E5()
    {
        var esme = DemoEnvironment.EsmeWithApc;
        var before = Device(esme.ToString());
        try
        {
            Assert.Equal(ResponseCode.I99, await SendAsync(Read411(esme.ToString())));
            Assert.Equal(ResponseCode.I99, await SendAsync(Decommission(esme.ToString())));
            Assert.Equal(ResponseCode.E5, await SendAsync(Read411(esme.ToString())));
        }
        finally { await Instance.Cache.SaveDeviceAsync(before, Ct); }
    }

    /// <summary>R-SR-5.1: a schedule runs "until deleted by the User or by the DCC, e.g. on Decommission" — at once, not at its next occurrence.</summary>
    [Fact]
    public async Task Decommissioning_a_meter_deletes_its_DCC_Schedules_at_once_with_N4_to_their_owner()
    {
        var meter = "00-DB-12-34-56-78-C9-01";
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var supplier = (await Instance.Store.FindUserAsync(Supplier, Ct))!;
        await Instance.Store.SaveUserAsync(supplier with { ResponseEndpoint = new Uri(listener.Address, "/schedules") }, Ct);
        try
        {
            Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
            Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
            Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
            var timing = new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), null);
            var id = await Instance.Schedules.CreateAsync(new ScheduleDefinition(Supplier, UserRole.ImportSupplier, timing,
                ServiceReferenceVariant.Parse("4.6.1"), Eui.Parse(meter), "<x/>", null), DateTimeOffset.UtcNow, Ct);

            Assert.Equal(ResponseCode.I99, await SendAsync(Decommission(meter)));

            Assert.Null(await Instance.Schedules.GetAsync(id, Ct));
            using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            within.CancelAfter(TimeSpan.FromSeconds(30));
            string alert;
            do alert = Encoding.UTF8.GetString((await listener.Received.ReadAsync(within.Token)).Body);
            while (!alert.Contains("DSPScheduleRemoval", StringComparison.Ordinal));
            Assert.Contains(">N4<", alert);
            Assert.Contains($">{id}<", alert);
            var validated = DccBoxedTool.Shared.Validate(alert);
            Assert.True(validated.Succeeded, $"{validated}\n{alert}");
        }
        finally { await Instance.Store.SaveUserAsync(supplier, Ct); }
    }

    [Fact]
    public async Task Decommissioning_a_meter_raises_the_N2_DeviceStatusChangeEvent_to_its_network_operator_signed_and_valid()
    {
        var meter = "00-DB-12-34-56-78-C8-01";
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var operatorUser = (await Instance.Store.FindUserAsync(DemoEnvironment.NetworkOperator, Ct))!;
        await Instance.Store.SaveUserAsync(operatorUser with { ResponseEndpoint = new Uri(listener.Address, "/alerts") }, Ct);
        try
        {
            Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
            Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.ElectricityMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
            Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
            Assert.Equal(ResponseCode.I99, await SendAsync(Decommission(meter)));

            using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            within.CancelAfter(TimeSpan.FromSeconds(30));
            string alert;
            do alert = Encoding.UTF8.GetString((await listener.Received.ReadAsync(within.Token)).Body);
            while (!alert.Contains(meter, StringComparison.Ordinal));

            Assert.Contains("MeterDecommissioningOrWithdrawal", alert);
            Assert.Contains(">N2<", alert);
            var validated = DccBoxedTool.Shared.Validate(alert);
            Assert.True(validated.Succeeded, $"{validated}\n{alert}");
        }
        finally { await Instance.Store.SaveUserAsync(operatorUser, Ct); }
    }

    [Fact]
    public async Task Decommission_refusals_E19_and_E080301()
    {
        Assert.Equal(ResponseCode.E19, await SendAsync(Decommission("00-DB-12-34-56-78-C2-FF")));

        var meter = "00-DB-12-34-56-78-C2-01";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
        // No Metering Point yet, so no Registered Supplier.
        Assert.Equal(InventoryResponseCodes.DecommissionNotResponsibleSupplier, await SendAsync(Decommission(meter)));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{UnregisteredMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(InventoryResponseCodes.DecommissionNotResponsibleSupplier, await SendAsync(Decommission(meter)));
        Assert.Equal(SmiStatus.Pending, Device(meter).Status);
    }

    [Fact]
    public async Task Update_inventory_refusals_each_with_its_code()
    {
        var meter = "00-DB-12-34-56-78-C3-01";
        var gasMeter = "00-DB-12-34-56-78-C3-02";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(gasMeter, "GSME", "GSME", "1.0")));

        Assert.Equal(ResponseCode.E19, await SendAsync(Update("00-DB-12-34-56-78-C3-FF", "<sr:DeleteDevice/>")));
        Assert.Equal(InventoryResponseCodes.UpdateStatusWrongDeviceType, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusCH>Commissioned</sr:UpdateDeviceStatusCH>")));
        // Pending → Pending is no transition.
        Assert.Equal(InventoryResponseCodes.UpdateStatusNotAllowed, await SendAsync(Update(meter, "<sr:UpdateDeviceStatusExceptCH>Pending</sr:UpdateDeviceStatusExceptCH>")));
        Assert.Equal(InventoryResponseCodes.UpdateDetailsNotOnCpl, await SendAsync(Update(meter, "<sr:UpdateDeviceDetails><sr:FirmwareVersion>0000FFFF</sr:FirmwareVersion></sr:UpdateDeviceDetails>")));
        Assert.Equal(InventoryResponseCodes.UpdateMpxnWrongFuel, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{DemoEnvironment.GasMprn}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(InventoryResponseCodes.UpdateMpanNotEsme, await SendAsync(Update(gasMeter, $"<sr:UpdateMPxN><sr:ExportMPAN>{DemoEnvironment.SecondMpan}</sr:ExportMPAN></sr:UpdateMPxN>")));

        // Associated with a Metering Point whose Registered Supplier is another Party: no longer ours to update.
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, $"<sr:UpdateMPxN><sr:ImportMPxN>{UnregisteredMpan}</sr:ImportMPxN></sr:UpdateMPxN>")));
        Assert.Equal(InventoryResponseCodes.UpdateNotResponsibleSupplier, await SendAsync(Update(meter, "<sr:DeleteDevice/>")));

        // Installed: no longer deletable.
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(gasMeter, "<sr:UpdateDeviceStatusExceptCH>InstalledNotCommissioned</sr:UpdateDeviceStatusExceptCH>")));
        Assert.Equal(InventoryResponseCodes.DeleteNotPending, await SendAsync(Update(gasMeter, "<sr:DeleteDevice/>")));
    }

    [Fact]
    public async Task Update_details_on_the_CPL_is_recorded_and_delete_removes_a_pending_device_so_read_inventory_answers_E19()
    {
        var meter = "00-DB-12-34-56-78-C4-01";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(meter, "ESME", "ESME", "1.0")));
        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:UpdateDeviceDetails><sr:DeviceModel>ESME</sr:DeviceModel><sr:FirmwareVersion>1.0</sr:FirmwareVersion></sr:UpdateDeviceDetails>")));
        Assert.Equal(ResponseCode.I0, await SendAsync(ReadInventory(meter)));

        Assert.Equal(ResponseCode.I99, await SendAsync(Update(meter, "<sr:DeleteDevice/>")));
        Assert.False(Instance.Cache.TryGetDevice(Eui.Parse(meter), out _));
        Assert.Null(await Instance.Store.FindDeviceAsync(Eui.Parse(meter), Ct));
        Assert.Equal(ResponseCode.E19, await SendAsync(ReadInventory(meter)));
    }

    [Fact]
    public async Task Device_prenotification_refusals_each_with_its_code()
    {
        Assert.Equal(InventoryResponseCodes.PrenotificationDeviceIdInUse, await SendAsync(Prenotify(DemoEnvironment.Esme.ToString(), "ESME", "ESME", "1.0")));
        Assert.Equal(InventoryResponseCodes.PrenotificationDeviceIdInUse,
            await SendAsync(Prenotify("00-DB-12-34-56-78-C5-01", "CHF", "CHF", "1.0", gpf: "00-DB-12-34-56-78-C5-01")));
        Assert.Equal(InventoryResponseCodes.PrenotificationGpfNotForCommsHub,
            await SendAsync(Prenotify("00-DB-12-34-56-78-C5-02", "ESME", "ESME", "1.0", gpf: "00-DB-12-34-56-78-C5-03")));
        Assert.Equal(InventoryResponseCodes.PrenotificationEsmeVariantNotEsme,
            await SendAsync(Prenotify("00-DB-12-34-56-78-C5-04", "GSME", "GSME", "1.0", esmeVariant: "A")));
        Assert.Equal(InventoryResponseCodes.PrenotificationNotOnCpl,
            await SendAsync(Prenotify("00-DB-12-34-56-78-C5-05", "ESME", "NOT-ON-CPL", "1.0")));
        Assert.Equal(InventoryResponseCodes.PrenotificationNotOnCpl,
            await SendAsync(Prenotify("00-DB-12-34-56-78-C5-06", "GSME", "ESME", "1.0")));
        foreach (var n in new[] { "01", "02", "04", "05", "06" })
            Assert.False(Instance.Cache.TryGetDevice(Eui.Parse($"00-DB-12-34-56-78-C5-{n}"), out _), n);
    }

    [Fact]
    public async Task A_communications_hub_is_prenotified_with_its_GPF_installed_without_then_with_SM_WAN_and_returned()
    {
        var hub = "00-DB-12-34-56-78-C6-01";
        var gpf = "00-DB-12-34-56-78-C6-02";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(hub, "CHF", "CHF", "1.0", gpf: gpf)));
        Assert.Equal((DeviceType.GPF, SmiStatus.Pending), (Device(gpf).Type, Device(gpf).Status));

        Assert.Equal(ResponseCode.E19, await SendAsync(HubInstall("00-DB-12-34-56-78-C6-FF", DemoEnvironment.ElectricityMpan)));
        Assert.Equal(InventoryResponseCodes.HubStatusNotCommsHub, await SendAsync(HubNoFaultReturn(DemoEnvironment.Esme.ToString())));
        Assert.Equal(InventoryResponseCodes.HubInstallNotResponsibleSupplier, await SendAsync(HubInstall(hub, UnregisteredMpan, noSmWan: true)));

        Assert.Equal(ResponseCode.I99, await SendAsync(HubInstall(hub, DemoEnvironment.ElectricityMpan, noSmWan: true)));
        Assert.Equal(SmiStatus.InstalledNotCommissioned, Device(hub).Status);
        Assert.Equal(InventoryResponseCodes.HubStatusNotAllowed, await SendAsync(HubInstall(hub, DemoEnvironment.ElectricityMpan, noSmWan: true)));

        // 8.14.1 saying "no SM WAN" in its install type: done, with the warning.
        Assert.Equal(InventoryResponseCodes.HubInstallTypeContradictsVariant,
            await SendAsync(HubInstall(hub, DemoEnvironment.ElectricityMpan, installType: CommsHubStatusUpdate.InstallNoSmWanType)));
        Assert.Equal(SmiStatus.Commissioned, Device(hub).Status);

        Assert.Equal(ResponseCode.E19, await SendAsync(HubFaultReturn(hub, "00-DB-12-34-56-78-C6-EE")));
        Assert.Equal(ResponseCode.I99, await SendAsync(HubFaultReturn(hub, DemoEnvironment.Esme.ToString())));
        Assert.Equal(SmiStatus.Decommissioned, Device(hub).Status);
        Assert.Equal(InventoryResponseCodes.HubStatusNotAllowed, await SendAsync(HubNoFaultReturn(hub)));
    }

    [Fact]
    public async Task A_hub_returned_before_installation_is_withdrawn_and_install_success_from_pending_commissions_it()
    {
        var returned = "00-DB-12-34-56-78-C7-01";
        var installed = "00-DB-12-34-56-78-C7-02";
        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(returned, "CHF", "CHF", "1.0")));
        Assert.Equal(ResponseCode.I99, await SendAsync(HubNoFaultReturn(returned)));
        Assert.Equal(SmiStatus.Withdrawn, Device(returned).Status);

        Assert.Equal(ResponseCode.I99, await SendAsync(Prenotify(installed, "CHF", "CHF", "1.0")));
        Assert.Equal(ResponseCode.I99, await SendAsync(HubInstall(installed, DemoEnvironment.ElectricityMpan)));
        Assert.Equal((SmiStatus.Commissioned, DemoEnvironment.ElectricityMpan), (Device(installed).Status, Device(installed).Mpxn));
    }

    private Device Device(string id) => Instance.Cache.TryGetDevice(Eui.Parse(id), out var d) ? d : throw new KeyNotFoundException(id);

    private static DuisRequest Prenotify(string id, string type, string model, string? firmware, string? gpf = null, string? esmeVariant = null) =>
        SupplierRequests.NonDevice("12.2", "DevicePrenotification",
            $"<sr:DeviceID>{id}</sr:DeviceID><sr:DeviceManufacturer>0DB1</sr:DeviceManufacturer><sr:DeviceModel>{model}</sr:DeviceModel>" +
            $"<sr:DeviceType>{type}</sr:DeviceType>" + (firmware is null ? "" : $"<sr:FirmwareVersion>{firmware}</sr:FirmwareVersion>") +
            (esmeVariant is null ? "" : $"<sr:ESMEVariant>{esmeVariant}</sr:ESMEVariant>") +
            (gpf is null ? "" : $"<sr:AssociatedGPFDeviceID>{gpf}</sr:AssociatedGPFDeviceID>"));

    private static DuisRequest Update(string id, string update) =>
        SupplierRequests.NonDevice("8.4", "UpdateInventory", $"<sr:DeviceID>{id}</sr:DeviceID>{update}");

    private static DuisRequest Decommission(string id) => SupplierRequests.NonDevice("8.3", "DecommissionDevice", $"<sr:DeviceID>{id}</sr:DeviceID>");

    private static DuisRequest ReadInventory(string id) => SupplierRequests.NonDevice("8.2", "ReadInventory", $"<sr:DeviceID>{id}</sr:DeviceID>");

    private static DuisRequest HubInstall(string id, Mpxn mpxn, bool noSmWan = false, string? installType = null) => noSmWan
        ? SupplierRequests.NonDevice("8.14.2", "CHFInstallSuccessNoSMWAN",
            $"<sr:DeviceID>{id}</sr:DeviceID><sr:CHFInstallType>{installType ?? CommsHubStatusUpdate.InstallNoSmWanType}</sr:CHFInstallType><sr:MPxN>{mpxn}</sr:MPxN>" +
            "<sr:AerialInstall>false</sr:AerialInstall><sr:CHFLocation>Basement or Cellar</sr:CHFLocation>" +
            "<sr:PremiseType>Low Rise Apartment (MDU &lt;= 5 floors)</sr:PremiseType><sr:MetalObstructionCheck>false</sr:MetalObstructionCheck>" +
            "<sr:ConnectivityObstructionCheck>false</sr:ConnectivityObstructionCheck><sr:SharedObstructionCheck>false</sr:SharedObstructionCheck>")
        : SupplierRequests.NonDevice("8.14.1", "CHFInstallSuccessSMWAN",
            $"<sr:DeviceID>{id}</sr:DeviceID><sr:CHFInstallType>{installType ?? "New CHF Install"}</sr:CHFInstallType><sr:MPxN>{mpxn}</sr:MPxN>" +
            "<sr:AerialInstall>false</sr:AerialInstall><sr:CHFLocation>Basement or Cellar</sr:CHFLocation>");

    private static DuisRequest HubFaultReturn(string id, string other) => SupplierRequests.NonDevice("8.14.3", "CHFFaultReturn",
        $"<sr:DeviceID>{id}</sr:DeviceID><sr:CHFFaultReturnType>Fault identified post installation</sr:CHFFaultReturnType>" +
        $"<sr:OtherDeviceID>{other}</sr:OtherDeviceID><sr:CHFConnectionMethod>Hot-shoe</sr:CHFConnectionMethod><sr:CHFFaultReason>Damaged case</sr:CHFFaultReason>");

    private static DuisRequest HubNoFaultReturn(string id) => SupplierRequests.NonDevice("8.14.4", "CHFNoFaultReturn",
        $"<sr:DeviceID>{id}</sr:DeviceID><sr:CHFNoFaultReturnType>No Fault Return (general)</sr:CHFNoFaultReturnType>");

    private static DuisRequest Read411(string device)
    {
        var file = RepoPaths.TemplateFiles().First(f => Path.GetFileName(f).StartsWith("ECS17b_4.1.1_SINGLE_SUCCESS", StringComparison.Ordinal));
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        doc.LoadXml(File.ReadAllText(file));
        var t = DuisRequest.Read(doc);
        return new DuisRequest(t.SchemaVersion, new RequestId(Supplier, Eui.Parse(device), SupplierRequests.NextCounter()), t.CommandVariant,
            t.ServiceReference, t.ServiceReferenceVariant, t.Body);
    }

    private Task<ResponseCode> SendAsync(DuisRequest request) => Instance.SendValidatedAsync(request, Ct);
}
