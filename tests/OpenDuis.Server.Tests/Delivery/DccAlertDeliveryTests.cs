using System.Net;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Schema;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Hosting;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Delivery;

/// <summary>
/// DCC Alerts end to end: an event in the SMI or the request path raises an alert, the DSP signs
/// it, the outbox delivers it over HTTP to the recipient User's listener, where it verifies as the
/// DSP's, is valid against the XSD of the User's DUIS version and is accepted by the DCC Boxed tool.
/// </summary>
public sealed class DccAlertDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Lazy<DuisSchemas> Schemas = new(() => DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));
    private static SigningKey DspKey => OpenDuisInstance.TestKeys.Value.FindXmlSigningKey(DemoKeySet.DspEui)!;

    private static ServerOptions FastDelivery => TestSupport.FastDelivery.Server(lease: TimeSpan.FromSeconds(2));

    private sealed class Harness : IAsyncDisposable
    {
        public required OpenDuisInstance Instance { get; init; }
        public required ResponseListener Listener { get; init; }
        public required OutboxDccAlertSink Sink { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Listener.DisposeAsync();
            await Instance.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(params Eui[] listeningUsers)
    {
        var instance = await OpenDuisInstance.StartAsync(options: FastDelivery);
        var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        foreach (var u in listeningUsers)
        {
            var user = (await instance.Store.FindUserAsync(u, Ct))!;
            await instance.Store.SaveUserAsync(user with { ResponseEndpoint = listener.Address }, Ct);
        }
        var sink = new OutboxDccAlertSink(instance.Outbox, DspKey, TimeProvider.System, new PartyStoreDuisVersions(instance.Store), Schemas.Value);
        return new Harness { Instance = instance, Listener = listener, Sink = sink };
    }

    /// <summary>The next delivered message: verified as the DSP's, XSD-valid in its own schemaVersion, read back.</summary>
    private static async Task<DuisResponse> ReceiveAlertAsync(ResponseListener listener)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var message = await listener.Received.ReadAsync(timeout.Token);
        var document = SecureXml.Default.Load(message.Body);
        var verified = DuisSignatureVerifier.Verify(document, OpenDuisInstance.TestKeys.Value, RemotePartyRole.DspXmlSign);
        Assert.True(verified.IsValid, verified.ToString());
        var schema = Schemas.Value.Validate(document);
        Assert.True(schema.IsValid, schema.ToString());
        var response = DuisResponse.Read(document);
        Assert.Equal(ResponseBodyKind.DccAlertMessage, response.BodyKind);
        // The DCC Boxed tool's own schema is 5.1: it checks what a 5.1 User receives, and 5.4 alerts whose elements 5.1 shares.
        var tool = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(message.Body));
        Assert.True(tool.Succeeded, tool.ToString());
        return response;
    }

    [Fact]
    public async Task Suspending_and_restoring_a_meter_alerts_its_Registered_Supplier_with_N8_then_N9()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);

        var (_, raised) = await producer.ChangeStatusAsync(DemoEnvironment.Esme, SmiStatus.Suspended, DateTimeOffset.UtcNow, Ct);
        // Every User of the Registered Supplier's Party that holds the Import Supplier role.
        var supplierUsers = DemoEnvironment.Users.Where(u => u.Party == DemoEnvironment.Users.Single(s => s.Id == DemoEnvironment.Supplier).Party
            && u.Holds(UserRole.ImportSupplier)).Select(u => u.Id).Order();
        Assert.Equal(supplierUsers, raised.Select(a => a.Recipient).Order());
        var suspended = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N8", suspended.Alert!.Code.Code);
        Assert.Equal(ResponseCode.I0, suspended.ResponseCode);
        Assert.Equal(DemoEnvironment.Esme.ToString(), suspended.Alert.Content["DeviceID", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.NotNull(suspended.Alert.Content["DeviceStatusChange", DuisNamespaces.ServiceUserGateway]!["DeviceSuspended", DuisNamespaces.ServiceUserGateway]);
        Assert.Equal(DemoEnvironment.Supplier, suspended.ResponseId!.Value.Target);

        await producer.ChangeStatusAsync(DemoEnvironment.Esme, SmiStatus.Commissioned, DateTimeOffset.UtcNow, Ct);
        Assert.Equal("N9", (await ReceiveAlertAsync(h.Listener)).Alert!.Code.Code);
    }

    [Fact]
    public async Task Decommissioning_a_meter_alerts_the_Network_Operator_with_N2_and_its_MPAN()
    {
        await using var h = await StartAsync(DemoEnvironment.NetworkOperator);
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);

        await producer.ChangeStatusAsync(DemoEnvironment.Esme, SmiStatus.Decommissioned, DateTimeOffset.UtcNow, Ct);

        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N2", alert.Alert!.Code.Code);
        Assert.Contains(DemoEnvironment.ElectricityMpan.ToString(), alert.Alert.Content.InnerXml);
        Assert.Equal(DemoEnvironment.NetworkOperator, alert.ResponseId!.Value.Target);
    }

    [Fact]
    public async Task Commissioning_a_meter_tells_its_Registered_Supplier_N29_with_its_MPAN()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);
        var esme = (await h.Instance.Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        await h.Instance.Store.SaveDeviceAsync(esme with { Status = SmiStatus.InstalledNotCommissioned }, Ct);

        var (_, raised) = await producer.ChangeStatusAsync(DemoEnvironment.Esme, SmiStatus.Commissioned, DateTimeOffset.UtcNow, Ct);

        Assert.Contains(raised, a => a.Code.Code == "N1" && a.Recipient == DemoEnvironment.NetworkOperator);
        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N29", alert.Alert!.Code.Code);
        Assert.Equal(DemoEnvironment.Supplier, alert.ResponseId!.Value.Target);
        Assert.Contains(DemoEnvironment.ElectricityMpan.ToString(), alert.Alert.Content["DeviceStatusChange", DuisNamespaces.ServiceUserGateway]!["MeterIdentity", DuisNamespaces.ServiceUserGateway]!.InnerXml);
    }

    [Theory]
    [InlineData("00-DB-12-34-56-78-90-A0", SmiStatus.InstalledNotCommissioned, SmiStatus.Commissioned, "90-B3-D5-1F-30-02-00-00", "N1", "MeterIdentity")]
    [InlineData("00-DB-12-34-56-78-90-A2", SmiStatus.Commissioned, SmiStatus.Decommissioned, "90-B3-D5-1F-30-01-00-00", "N28", "CHFDecommissioning")]
    [InlineData("00-DB-12-34-56-78-90-A0", SmiStatus.Recovery, SmiStatus.Recovered, "90-B3-D5-1F-30-01-00-00", "N45", "RecoveryComplete")]
    [InlineData("00-DB-12-34-56-78-90-A0", SmiStatus.Recovery, SmiStatus.Recovered, "90-B3-D5-1F-30-02-00-00", "N45", "RecoveryComplete")]
    public async Task A_status_change_reaches_its_recipient_as_its_DeviceStatusChangeEvent(string device, SmiStatus from, SmiStatus to, string recipient,
        string code, string change)
    {
        await using var h = await StartAsync(Eui.Parse(recipient));
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);
        var before = (await h.Instance.Store.FindDeviceAsync(Eui.Parse(device), Ct))!;
        await h.Instance.Store.SaveDeviceAsync(before with { Status = from }, Ct);

        await producer.ChangeStatusAsync(before.Id, to, DateTimeOffset.UtcNow, Ct);

        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(code, alert.Alert!.Code.Code);
        Assert.Equal(Eui.Parse(recipient), alert.ResponseId!.Value.Target);
        Assert.Equal(device, alert.Alert.Content["DeviceID", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.NotNull(alert.Alert.Content["DeviceStatusChange", DuisNamespaces.ServiceUserGateway]![change, DuisNamespaces.ServiceUserGateway]);
    }

    [Fact]
    public async Task Decommissioning_a_PPMID_tells_the_Supplier_it_left_the_inventory_N16()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);

        await producer.ChangeStatusAsync(DemoEnvironment.Ppmid, SmiStatus.Decommissioned, DateTimeOffset.UtcNow, Ct);

        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N16", alert.Alert!.Code.Code);
        Assert.Equal(DemoEnvironment.Ppmid.ToString(), alert.Alert.Content["DeviceID", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.NotNull(alert.Alert.Content["DeviceStatusChange", DuisNamespaces.ServiceUserGateway]!["DeviceRemovedFromInventory", DuisNamespaces.ServiceUserGateway]);
    }

    [Fact]
    public async Task An_illegal_status_change_raises_nothing_and_says_which_changes_are_allowed()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var producer = new DeviceStatusAlerts(h.Instance.Store, h.Sink);

        var ex = await Assert.ThrowsAsync<OpenDuis.Core.Inventory.IllegalSmiTransitionException>(() =>
            producer.ChangeStatusAsync(DemoEnvironment.Esme, SmiStatus.Whitelisted, DateTimeOffset.UtcNow, Ct));
        Assert.Contains("may move only to", ex.Message);
        Assert.Equal(0, await h.Instance.Outbox.CountUndeliveredAsync(Ct));
        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            producer.ChangeStatusAsync(Eui.Parse("00-DB-12-34-56-78-99-99"), SmiStatus.Suspended, DateTimeOffset.UtcNow, Ct));
    }

    [Theory]
    [InlineData("9.9", null, "N51")]
    [InlineData("2.0", OpenDuis.Core.Inventory.CplStatus.Current, "N49")]
    [InlineData("0.9", OpenDuis.Core.Inventory.CplStatus.Removed, "N50")]
    public async Task A_reported_firmware_version_unlike_the_SMIs_alerts_the_Supplier_by_its_CPL_status(string reported,
        OpenDuis.Core.Inventory.CplStatus? status, string expected)
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var esme = (await h.Instance.Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        if (status is { } s)
        {
            var product = (await h.Instance.Store.FindProductAsync(esme.Manufacturer!, esme.Model!, esme.FirmwareVersion!, Ct))!;
            await h.Instance.Store.SaveProductAsync(product with { FirmwareVersion = reported, Status = s }, Ct);
        }
        var producer = new FirmwareVersionAlerts(h.Instance.Store, h.Sink);

        Assert.Empty(await producer.VersionReportedAsync(DemoEnvironment.Esme, esme.FirmwareVersion!, DateTimeOffset.UtcNow, cancellationToken: Ct));
        await producer.VersionReportedAsync(DemoEnvironment.Esme, reported, DateTimeOffset.UtcNow, cancellationToken: Ct);

        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(expected, alert.Alert!.Code.Code);
        Assert.Equal(reported, alert.Alert.Content["FirmwareVersionDevice", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.Equal(esme.FirmwareVersion, alert.Alert.Content["FirmwareVersionSMI", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public async Task A_power_outage_on_a_Communications_Hub_alerts_the_Network_Operator_with_AD1_per_MPAN()
    {
        await using var h = await StartAsync(DemoEnvironment.NetworkOperator);
        var started = DateTimeOffset.UtcNow.AddMinutes(-3);

        var raised = await new DeviceNetworkAlerts(h.Instance.Store, h.Sink).PowerOutageAsync(DemoEnvironment.CommsHub, started, Ct);

        // Every User of the Network Operator's Party holding the Electricity Distributor role.
        var party = DemoEnvironment.Users.Single(u => u.Id == DemoEnvironment.NetworkOperator).Party;
        Assert.Contains(raised, a => a.Recipient == DemoEnvironment.NetworkOperator);
        Assert.All(raised, a => Assert.Contains(DemoEnvironment.Users, u => u.Id == a.Recipient && u.Party == party && u.Holds(UserRole.ElectricityDistributor)));
        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("AD1", alert.Alert!.Code.Code);
        Assert.Equal(DemoEnvironment.CommsHub.ToString(), alert.Alert.Content["CommsHubDeviceID", DuisNamespaces.ServiceUserGateway]!.InnerText);
        var mpxn = alert.Alert.Content["MPxN", DuisNamespaces.ServiceUserGateway]!.InnerText;
        Assert.Contains(mpxn, new[] { DemoEnvironment.ElectricityMpan.ToString(), DemoEnvironment.SecondMpan.ToString() });
    }

    [Fact]
    public async Task A_Dual_Band_CHF_Sub_GHz_alert_reaches_the_Supplier_as_N54_with_E59()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);

        var raised = await new DeviceNetworkAlerts(h.Instance.Store, h.Sink).DualBandAsync(
            new DualBandChAlert(DemoEnvironment.CommsHub, 0x8F29, Event: new DualBandEvent.SubGhzChannelChanged(new SubGhzChannel(SubGhzBand.Lower, 12), ScanTrigger.GsmeMissedItsCurfew)),
            DateTimeOffset.UtcNow, Ct);

        Assert.Contains(raised, a => a.Recipient == DemoEnvironment.Supplier);
        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N54", alert.Alert!.Code.Code);
        Assert.Equal(ResponseCode.E59, alert.ResponseCode);
        Assert.Equal("8F29", alert.Alert.Content["DeviceAlertCode", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public async Task A_command_the_CHF_could_not_deliver_and_an_S1SP_error_reach_the_originator_as_N53_E58_and_N55_E62()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var network = new DeviceNetworkAlerts(h.Instance.Store, h.Sink);
        var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, 5150);

        await network.CommandFailedAsync(DccAlertCode.Parse("N53"), request, ResponseCode.E58, cancellationToken: Ct);
        var failure = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(("N53", ResponseCode.E58, request), (failure.Alert!.Code.Code, failure.ResponseCode, failure.RequestId!.Value));

        var s1sp = new S1SpAlert("S1SP-E17", DateTimeOffset.UtcNow, request, DemoEnvironment.Esme, "rejected by the SMETS1 Service Provider").Sign(DspKey, DuisSchemaVersion.V5_4);
        await network.S1SpAlertAsync(request, s1sp, utrn: false, cancellationToken: Ct);
        var conveyed = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(("N55", ResponseCode.E62), (conveyed.Alert!.Code.Code, conveyed.ResponseCode));
        Assert.NotNull(conveyed.Alert.Content["S1SPAlert", DuisNamespaces.ServiceUserGateway]);
    }

    private sealed class CountingNetwork : IDeviceNetwork
    {
        public int Executed;
        public ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Executed);
            return ValueTask.FromResult(DeviceAcceptance.Acknowledged);
        }
    }

    private static DuisRequest Template(string name) =>
        DuisRequest.Read(SecureXml.Default.Load(File.ReadAllBytes(Path.Combine(RepoPaths.Templates, name))));

    [Fact]
    public async Task A_request_beyond_the_Users_volume_threshold_is_quarantined_not_executed_and_the_User_gets_N46()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var detector = new AnomalyDetector(TimeProvider.System);
        var read = Template("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML");
        detector.SetUserThreshold(DemoEnvironment.Supplier, read.ServiceReferenceVariant, new VolumeThreshold(read.ServiceReferenceVariant, 2, TimeSpan.FromHours(1)));
        var wan = new CountingNetwork();
        var network = new QuarantiningDeviceNetwork(wan, detector, h.Sink);

        for (var i = 0; i < 3; i++)
        {
            var acceptance = await network.AcceptAsync(new DeviceCommand(read, DemoEnvironment.Supplier, DateTimeOffset.UtcNow), Ct);
            Assert.Equal(ResponseCode.I99, acceptance.Code);
        }

        Assert.Equal(2, wan.Executed);
        var alert = await ReceiveAlertAsync(h.Listener);
        Assert.Equal("N46", alert.Alert!.Code.Code);
        Assert.Equal(read.RequestId, alert.RequestId);
        var breach = alert.Alert.Content["ADUserThresholdBreach", DuisNamespaces.ServiceUserGateway]!;
        Assert.Equal(read.RequestId.ToString(), breach["RequestID", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public async Task Over_HTTP_the_request_beyond_the_threshold_is_acknowledged_I99_and_quarantined_with_N46()
    {
        var directory = Directory.CreateTempSubdirectory("openduis-quarantine-").FullName;
        await using var store = await OpenDuis.Storage.Smi.SqliteSmiStore.OpenAsync(Path.Combine(directory, "openduis.db"), cancellationToken: Ct);
        await DemoEnvironment.SeedAsync(store, cancellationToken: Ct);
        var outbox = await OpenDuis.Storage.Outbox.SqliteOutboxStore.OpenAsync(Path.Combine(directory, "openduis.db"), TimeProvider.System, Ct);
        await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var supplier = (await store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await store.SaveUserAsync(supplier with { ResponseEndpoint = listener.Address }, Ct);
        var snapshot = await OpenDuis.Core.AccessControl.SmiCacheAccessSnapshot.LoadAsync(await OpenDuis.Core.Inventory.SmiCache.LoadAsync(store, Ct), Ct);

        var detector = new AnomalyDetector(TimeProvider.System);
        var variant = ServiceReferenceVariant.Parse("1.1.1");
        detector.SetUserThreshold(DemoEnvironment.Supplier, variant, new VolumeThreshold(variant, 2, TimeSpan.FromHours(1)));
        var wan = new CountingNetwork();
        var sink = new OutboxDccAlertSink(outbox, DspKey, TimeProvider.System, new PartyStoreDuisVersions(store), Schemas.Value);
        await using var server = await DuisServer.StartAsync(FastDelivery, services =>
        {
            services.AddOpenDuis(o => { o.Keys = OpenDuisInstance.TestKeys.Value; o.Store = store; o.Outbox = outbox; o.Schemas = Schemas.Value; })
                .AddAccessControl(snapshot);
            services.AddSingleton<IDeviceNetwork>(new QuarantiningDeviceNetwork(wan, detector, sink));
        }, Ct);
        using var http = new HttpClient();

        var sent = new List<RequestId>();
        for (var i = 0; i < 3; i++)
        {
            var xml = ServedRequests.SignWithTool(ServedRequests.Template("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS"));
            var request = DuisRequest.Read(SecureXml.Default.Load(Encoding.UTF8.GetBytes(xml)));
            sent.Add(request.RequestId);
            using var content = new StringContent(xml, Encoding.UTF8, "application/xml");
            using var answer = await http.PostAsync(server.ServiceUri(request.CommandVariant.WebService()), content, Ct);
            var ack = DuisResponse.Read(SecureXml.Default.Load(await answer.Content.ReadAsByteArrayAsync(Ct)));
            Assert.Equal(ResponseCode.I99, ack.ResponseCode);
        }

        Assert.Equal(2, wan.Executed);
        var alert = await ReceiveAlertAsync(listener);
        Assert.Equal("N46", alert.Alert!.Code.Code);
        Assert.Equal(sent[2], alert.RequestId);
    }

    [Fact]
    public async Task The_DCCs_threshold_over_all_Users_quarantines_with_N47()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var detector = new AnomalyDetector(TimeProvider.System);
        var read = Template("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML");
        detector.SetDccThreshold(read.ServiceReferenceVariant, new VolumeThreshold(read.ServiceReferenceVariant, 0, TimeSpan.FromMinutes(5)));
        var wan = new CountingNetwork();

        await new QuarantiningDeviceNetwork(wan, detector, h.Sink).AcceptAsync(new DeviceCommand(read, DemoEnvironment.Supplier, DateTimeOffset.UtcNow), Ct);

        Assert.Equal(0, wan.Executed);
        Assert.Equal("N47", (await ReceiveAlertAsync(h.Listener)).Alert!.Code.Code);
    }

    [Fact]
    public async Task A_User_on_DUIS_5_1_gets_alerts_in_5_1_and_N999_for_one_that_does_not_exist_in_5_1()
    {
        await using var h = await StartAsync(DemoEnvironment.Supplier);
        var user = (await h.Instance.Store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await h.Instance.Store.SaveUserAsync(user with { DuisVersion = "5.1" }, Ct);
        var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, 4242);

        await h.Sink.RaiseAsync([new AlertToRaise(DccAlertCode.Parse("N24"), new UpdateHanDeviceLogResult(request), DemoEnvironment.Supplier) { RequestId = request }], Ct);
        var compatible = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(DuisSchemaVersion.V5_1, compatible.SchemaVersion);
        Assert.Equal("N24", compatible.Alert!.Code.Code);

        // sr:ECoSErrorCode is new in 5.4 (DUIS 3.9.8).
        await h.Sink.RaiseAsync([new AlertToRaise(DccAlertCode.Parse("N27"), ChangeOfSupplier.ForRequest(request, "E01"), DemoEnvironment.Supplier)
            { RequestId = request, ResponseCode = ResponseCode.E68, DeviceId = DemoEnvironment.Esme }], Ct);
        var mismatch = await ReceiveAlertAsync(h.Listener);
        Assert.Equal(DuisSchemaVersion.V5_1, mismatch.SchemaVersion);
        Assert.Equal("N999", mismatch.Alert!.Code.Code);
        var named = mismatch.Alert.Content["DCCAlertVersionMismatch", DuisNamespaces.ServiceUserGateway]!;
        Assert.Equal("N27", named["DCCAlertCode", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.Equal("5.1", mismatch.Alert.Content["ServiceUserDUISVersion", DuisNamespaces.ServiceUserGateway]!.InnerText);
    }

    [Fact]
    public void A_5_4_Service_Response_with_a_code_5_1_lacks_is_replaced_by_N999_naming_the_request()
    {
        var request = new RequestId(DemoEnvironment.Supplier, DemoKeySet.DspEui, 77);
        var reference = ServiceReference.Parse("8.14");
        var variant = ServiceReferenceVariant.Parse("8.14.1");
        var response = DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, request, reference, variant, ResponseCode.Parse("E081406"), DateTimeOffset.UtcNow);
        var check = new DuisVersionCheck(Schemas.Value);

        var n999 = check.CheckServiceResponse(response, reference, variant, DuisSchemaVersion.V5_4, DuisSchemaVersion.V5_1, DemoEnvironment.Supplier);
        Assert.NotNull(n999);
        Assert.Equal("N999", n999.Code.Code);
        var entry = new OutboxDccAlertSink(new NoOutbox(), DspKey, TimeProvider.System).Build(n999, DuisSchemaVersion.V5_1);
        var document = SecureXml.Default.Load(entry.Body);
        Assert.True(Schemas.Value.Validate(document).IsValid);
        Assert.Contains("<sr:ServiceRequestDUISVersion>5.4</sr:ServiceRequestDUISVersion>", Encoding.UTF8.GetString(entry.Body));

        var ok = DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, request, reference, variant, ResponseCode.I99, DateTimeOffset.UtcNow);
        Assert.Null(check.CheckServiceResponse(ok, reference, variant, DuisSchemaVersion.V5_4, DuisSchemaVersion.V5_1, DemoEnvironment.Supplier));
    }

    // Build only: nothing is written.
    private sealed class NoOutbox : IOutboxStore
    {
        public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
