using System.Xml;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using static OpenDuis.Core.Tests.AccessControl.AccessFixture;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// For every request-time Response Code: a request that triggers it and a nearly identical one that
/// passes, for each User Role where the code applies (DUIS 3.5.10 Table 1). Each role sends a request
/// the demo environment accepts; the test changes one thing.
/// </summary>
public sealed class ResponseCodeTests
{
    public static TheoryData<UserRole> Roles() => new(UserRoles.All);

    public static TheoryData<UserRole> RegisteredRoles() => new(UserRoles.All.Where(r => r.IsSupplier() || r.IsNetworkOperator()));

    private static readonly PartyId Rival = PartyId.Parse("RIVAL-PARTY");

    private static (AccessFixture F, DuisRequest Request, Device Device) Accepted(UserRole role, DeviceGeneration generation = DeviceGeneration.Smets2Plus)
    {
        var f = new AccessFixture();
        var (definition, device, cv) = f.AcceptedRequest(role, generation);
        return (f, f.Request(definition.Variant.ToString(), UserId(role), device.Id, cv), device);
    }

    private static AccessDecision Evaluate(AccessFixture f, DuisRequest request, WebService? service = null, Authentication authentication = Authentication.Verified, Eui? signer = null) =>
        f.Pipeline.Evaluate(new AccessRequest(request, service ?? request.CommandVariant.WebService(), authentication, signer));

    private static void AssertCode(string expected, AccessDecision decision) =>
        Assert.True(decision.Code == ResponseCode.Parse(expected), $"expected {expected}, got {decision}");

    private static void AssertAccepted(AccessDecision decision) => Assert.True(decision.IsAccepted, decision.ToString());

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E100")]
    public void E100_a_request_failing_message_authentication_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        AssertCode("E100", Evaluate(f, request, authentication: Authentication.Failed));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E65")]
    public void E65_a_request_signed_without_the_xmlSign_role_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        AssertCode("E65", Evaluate(f, request, authentication: Authentication.NotXmlSignCertificate));
        AssertAccepted(Evaluate(f, request, signer: UserId(role)));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E1")]
    public void E1_an_unknown_originator_or_a_foreign_signer_is_refused(UserRole role)
    {
        var (f, request, device) = Accepted(role);
        var stranger = Eui.Parse("90-B3-D5-1F-30-FF-FF-FF");
        var fromStranger = f.Request(request.ServiceReferenceVariant.ToString(), stranger, device.Id, request.CommandVariant);
        AssertCode("E1", Evaluate(f, fromStranger));
        AssertCode("E1", Evaluate(f, request, signer: DemoEnvironment.LoadController));
        AssertAccepted(Evaluate(f, request, signer: UserId(role)));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E3")]
    public void E3_a_suspended_or_withdrawn_user_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        f.Snapshot.Put(UserFor(role) with { Status = UserStatus.Suspended });
        AssertCode("E3", Evaluate(f, request));
        f.Snapshot.Put(UserFor(role) with { Status = UserStatus.Withdrawn });
        AssertCode("E3", Evaluate(f, request));
        f.Snapshot.Put(UserFor(role));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E12")]
    public void E12_a_command_variant_the_service_request_does_not_allow_is_refused(UserRole role)
    {
        var (f, request, device) = Accepted(role);
        var definition = request.Definition!;
        var wrong = CommandVariants.All.First(cv => !definition.Allows(cv) && cv != CommandVariant.NonDevice);
        AssertCode("E12", Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), device.Id, wrong)));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E48")]
    public void E48_a_service_reference_that_does_not_match_the_variant_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        var mismatched = new DuisRequest(request.SchemaVersion, request.RequestId, request.CommandVariant,
            new ServiceReference(9, 9), request.ServiceReferenceVariant, request.Body);
        AssertCode("E48", Evaluate(f, mismatched));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E49")]
    public void E49_a_body_of_another_variant_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        var other = ServiceCatalogue.All.First(d => d.BodyElement != request.Definition!.BodyElement);
        var body = request.IsSignedPreCommand ? Body(request.Definition!.BodyElement) : Body(other.BodyElement);
        var wrongBody = new DuisRequest(request.SchemaVersion, request.RequestId, request.CommandVariant,
            request.ServiceReference, request.ServiceReferenceVariant, body);
        AssertCode("E49", Evaluate(f, wrongBody));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E2")]
    public void E2_a_service_request_the_role_is_not_eligible_for_is_refused(UserRole role)
    {
        var (f, request, device) = Accepted(role);
        var ineligible = ServiceCatalogue.All.First(d => !d.NonDevice && !d.IsEligible(role) && d.Targets(device.Type));
        AssertCode("E2", Evaluate(f, f.Request(ineligible.Variant.ToString(), UserId(role), device.Id, ineligible.CommandVariants[0])));
        AssertAccepted(Evaluate(f, request));
    }

    [Theory, MemberData(nameof(RegisteredRoles)), ResponseCodeTest("E4")]
    public void E4_a_supplier_or_network_operator_not_registered_at_the_request_time_is_refused(UserRole role)
    {
        var (f, request, device) = Accepted(role);
        var registered = role.IsSupplier() ? RegisteredRole.Supplier : RegisteredRole.NetworkOperator;
        // Registered to a rival from tomorrow: still authorised now.
        f.Snapshot.Register(new RegistrationPeriod(device.Mpxn!.Value, registered, Rival, Now.AddDays(1)));
        AssertAccepted(Evaluate(f, request));
        // The change of supplier / network operator took effect an hour ago.
        f.Snapshot.Register(new RegistrationPeriod(device.Mpxn!.Value, registered, Rival, Now.AddHours(-1)));
        AssertCode("E4", Evaluate(f, request));
    }

    [Fact, ResponseCodeTest("E4")]
    public void E4_a_future_dated_request_executing_after_the_supplier_changes_is_refused()
    {
        var f = new AccessFixture();
        var body = Body("ReadInstantaneousImportRegisters", $"<sr:ExecutionDateTime>{Now.AddDays(10):yyyy-MM-ddTHH:mm:ss}Z</sr:ExecutionDateTime>");
        var request = f.Request("4.1.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Esme, CommandVariant.SendNonCritical, body: body);
        AssertAccepted(Evaluate(f, request));
        f.Snapshot.Register(new RegistrationPeriod(DemoEnvironment.ElectricityMpan, RegisteredRole.Supplier, Rival, Now.AddDays(5)));
        AssertCode("E4", Evaluate(f, request));
    }

    [Fact, ResponseCodeTest("E4")]
    public void E4_an_import_supplier_may_not_act_on_a_gas_meter_of_its_own_party()
    {
        var f = new AccessFixture();
        AssertCode("E4", Evaluate(f, f.Request("4.1.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Gsme)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", UserId(UserRole.GasSupplier), DemoEnvironment.Gsme)));
    }

    [Fact, ResponseCodeTest("E4", "E11")]
    public void E4_takes_precedence_over_E11()
    {
        var f = new AccessFixture();
        // 1.1.2 targets an ESME only: sent to the Communications Hub it is E11 while registered, E4 once not.
        var request = f.Request("1.1.2", UserId(UserRole.ImportSupplier), DemoEnvironment.CommsHub);
        AssertCode("E11", Evaluate(f, request));
        f.Snapshot.Register(new RegistrationPeriod(DemoEnvironment.ElectricityMpan, RegisteredRole.Supplier, Rival, Now.AddHours(-1)));
        AssertCode("E4", Evaluate(f, request));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E5")]
    public void E5_a_device_in_an_smi_status_the_service_request_does_not_accept_is_refused(UserRole role)
    {
        var (f, request, device) = Accepted(role);
        foreach (var status in new[] { SmiStatus.Decommissioned, SmiStatus.Withdrawn, SmiStatus.Pending })
        {
            f.Snapshot.Put(device with { Status = status });
            AssertCode("E5", Evaluate(f, request));
        }
        f.Snapshot.Put(device);
        AssertAccepted(Evaluate(f, request));
    }

    [Fact, ResponseCodeTest("E5")]
    public void E5_a_suspended_device_accepts_firmware_requests_only()
    {
        var f = new AccessFixture();
        var esme = DemoEnvironment.Devices.Single(d => d.Id == DemoEnvironment.Esme);
        f.Snapshot.Put(esme with { Status = SmiStatus.Suspended });
        AssertCode("E5", Evaluate(f, f.Request("4.1.1", UserId(UserRole.ImportSupplier), esme.Id)));
        AssertAccepted(Evaluate(f, f.Request("11.2", UserId(UserRole.ImportSupplier), esme.Id)));
    }

    [Fact, ResponseCodeTest("E57")]
    public void E57_a_service_request_newer_than_the_device_models_gbcs_version_is_refused()
    {
        var f = new AccessFixture();
        var request = f.Request("6.30", UserId(UserRole.ImportSupplier), DemoEnvironment.CommsHub);
        AssertAccepted(Evaluate(f, request));
        var chf = DemoEnvironment.Products.Single(p => p.DeviceType == DeviceType.CHF);
        f.Snapshot.Put(chf with { GbcsVersion = "2.0" });
        AssertCode("E57", Evaluate(f, request));
        // An older Device Model is still fine for a request every GBCS version has.
        AssertAccepted(Evaluate(f, f.Request("11.2", UserId(UserRole.ImportSupplier), DemoEnvironment.CommsHub)));
    }

    [Fact, ResponseCodeTest("E17")]
    public void E17_a_command_for_local_delivery_is_refused_to_roles_without_field_access_and_to_uninstalled_devices()
    {
        var f = new AccessFixture();
        AssertCode("E17", Evaluate(f, f.Request("6.2.1", UserId(UserRole.RegisteredSupplierAgent), DemoEnvironment.Esme, CommandVariant.ReturnForLocalDeliveryNonCritical)));
        AssertAccepted(Evaluate(f, f.Request("6.2.1", UserId(UserRole.RegisteredSupplierAgent), DemoEnvironment.Esme, CommandVariant.SendNonCritical)));
        var esme = DemoEnvironment.Devices.Single(d => d.Id == DemoEnvironment.Esme);
        f.Snapshot.Put(esme with { Status = SmiStatus.Suspended });
        AssertCode("E17", Evaluate(f, f.Request("11.2", UserId(UserRole.ImportSupplier), esme.Id, CommandVariant.ReturnForLocalDeliveryNonCritical)));
        AssertAccepted(Evaluate(f, f.Request("11.2", UserId(UserRole.ImportSupplier), esme.Id, CommandVariant.SendNonCritical)));
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E55")]
    public void E55_a_request_id_still_being_processed_is_refused(UserRole role)
    {
        var (f, request, _) = Accepted(role);
        AssertAccepted(f.Decide(request));
        AssertCode("E55", f.Decide(request));
        f.Log.Complete(request.RequestId, RequestState.Succeeded);
        AssertAccepted(f.Decide(request));
    }

    [Fact, ResponseCodeTest("E40")]
    public void E40_first_in_sequence_with_a_preceding_request_id_is_refused()
    {
        var f = new AccessFixture();
        var a = f.Request("4.1.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Esme, firstInSequence: true);
        AssertAccepted(f.Decide(a));
        AssertCode("E40", Evaluate(f, f.Request("4.8.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Esme, firstInSequence: true, preceding: a.RequestId)));
        AssertAccepted(Evaluate(f, f.Request("4.8.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Esme, firstInSequence: false, preceding: a.RequestId)));
    }

    [Fact, ResponseCodeTest("E41")]
    public void E41_a_preceding_request_id_already_used_in_the_sequence_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        var a = f.Request("4.1.1", user, DemoEnvironment.Esme, firstInSequence: true);
        var b = f.Request("4.8.1", user, DemoEnvironment.Esme, preceding: a.RequestId);
        AssertAccepted(f.Decide(a));
        AssertAccepted(f.Decide(b));
        AssertCode("E41", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, preceding: a.RequestId)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, preceding: b.RequestId)));
    }

    [Fact, ResponseCodeTest("E42")]
    public void E42_a_circular_sequence_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        var self = new RequestId(user, DemoEnvironment.Esme, 77);
        AssertCode("E42", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, counter: 77, preceding: self)));

        var a = f.Request("4.1.1", user, DemoEnvironment.Esme, firstInSequence: true);
        var b = f.Request("4.8.1", user, DemoEnvironment.Esme, preceding: a.RequestId);
        AssertAccepted(f.Decide(a));
        AssertAccepted(f.Decide(b));
        f.Log.Complete(a.RequestId, RequestState.Succeeded);
        // Re-using A's ID after B, which follows A, closes a loop.
        AssertCode("E42", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, counter: a.RequestId.Counter, preceding: b.RequestId)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, preceding: b.RequestId)));
    }

    [Fact, ResponseCodeTest("E45")]
    public void E45_a_command_variant_not_sent_over_the_sm_wan_cannot_be_sequenced()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        AssertCode("E45", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, CommandVariant.ReturnForLocalDeliveryNonCritical, firstInSequence: true)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, CommandVariant.SendAndReturnForLocalDeliveryNonCritical, firstInSequence: true)));
    }

    [Fact, ResponseCodeTest("E46")]
    public void E46_a_request_after_the_last_in_sequence_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        var a = f.Request("4.1.1", user, DemoEnvironment.Esme, firstInSequence: true);
        AssertAccepted(f.Decide(a));
        var next = f.Request("4.8.1", user, DemoEnvironment.Esme, preceding: a.RequestId);
        AssertAccepted(Evaluate(f, next));
        f.Log.EndSequence(a.RequestId);
        AssertCode("E46", Evaluate(f, next));
    }

    [Fact, ResponseCodeTest("E53")]
    public void E53_a_future_dated_dsp_request_must_be_first_in_sequence()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        var a = f.Request("4.8.1", user, DemoEnvironment.Esme, firstInSequence: true);
        AssertAccepted(f.Decide(a));
        XmlElement FutureDated() => Body("ReadInstantaneousImportRegisters", $"<sr:ExecutionDateTime>{Now.AddDays(1):yyyy-MM-ddTHH:mm:ss}Z</sr:ExecutionDateTime>");
        AssertCode("E53", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, preceding: a.RequestId, body: FutureDated())));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, firstInSequence: true, body: FutureDated())));
    }

    [Fact, ResponseCodeTest("E54")]
    public void E54_a_sequenced_gas_request_returning_encrypted_data_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.GasSupplier);
        AssertCode("E54", Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Gsme, firstInSequence: true)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Gsme)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", UserId(UserRole.ImportSupplier), DemoEnvironment.Esme, firstInSequence: true)));
    }

    [Fact, ResponseCodeTest("E63")]
    public void E63_a_replayed_smets1_request_counter_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        AssertAccepted(f.Decide(f.Request("4.1.1", user, Smets1Esme, counter: 100)));
        f.Log.Complete(new RequestId(user, Smets1Esme, 100), RequestState.Succeeded);
        AssertCode("E63", Evaluate(f, f.Request("4.1.1", user, Smets1Esme, counter: 100)));
        AssertCode("E63", Evaluate(f, f.Request("4.1.1", user, Smets1Esme, counter: 99)));
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, Smets1Esme, counter: 101)));
        // SMETS2+ Devices have no DCC anti-replay of Request IDs.
        AssertAccepted(f.Decide(f.Request("4.1.1", user, DemoEnvironment.Esme, counter: 100)));
        f.Log.Complete(new RequestId(user, DemoEnvironment.Esme, 100), RequestState.Succeeded);
        AssertAccepted(Evaluate(f, f.Request("4.1.1", user, DemoEnvironment.Esme, counter: 99)));
    }

    [Theory, ResponseCodeTest("E64")]
    [InlineData("1.1.1", CommandVariant.TransformCritical)]
    [InlineData("2.2", CommandVariant.SendNonCritical)]
    public void E64_a_smets1_critical_or_top_up_request_from_a_party_not_notified_is_refused(string variant, CommandVariant cv)
    {
        var f = new AccessFixture();
        var request = f.Request(variant, UserId(UserRole.ImportSupplier), Smets1Esme, cv);
        AssertAccepted(Evaluate(f, request));
        f.Snapshot.NotifyCriticalParty(Smets1Esme, RegisteredRole.Supplier, Rival);
        AssertCode("E64", Evaluate(f, request));
        f.Snapshot.NotifyCriticalParty(Smets1Esme, RegisteredRole.Supplier, DemoEnvironment.SupplierParty);
        AssertAccepted(Evaluate(f, request));
    }

    [Fact, ResponseCodeTest("E51")]
    public void E51_a_signed_pre_command_whose_message_code_is_not_the_variants_is_refused()
    {
        var f = new AccessFixture();
        var user = UserId(UserRole.ImportSupplier);
        var good = f.Request("1.1.1", user, DemoEnvironment.Esme, CommandVariant.SendSignedPreCommand);
        AssertAccepted(Evaluate(f, good));
        DuisRequest WithPayload(byte[] payload) => DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, good.RequestId,
            CommandVariant.SendSignedPreCommand, good.ServiceReferenceVariant, new SignedPreCommand(payload));
        AssertCode("E51", Evaluate(f, WithPayload(PreCommand(user, DemoEnvironment.Esme, 0x0027)))); // 4.1.1's code
        AssertCode("E51", Evaluate(f, WithPayload([0x01, 0x02, 0x03])));
        AssertAccepted(Evaluate(f, WithPayload(PreCommand(user, DemoEnvironment.Esme, 0x0019))));
    }

    [Fact]
    public void E51_reads_the_message_code_of_an_rtds_pre_command()
    {
        var hex = File.ReadAllText(Path.Combine(OpenDuis.TestSupport.RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0", "1.1.1_ECS01a"),
            "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_PRECOMMAND_GBCS.HEX")).Trim();
        Assert.True(GbcsMessageHeader.TryReadMessageCode(Convert.FromHexString(hex), out var code));
        Assert.Equal(0x0019, code);
    }

    private static string SubGhz(int lower0, int lower27, int lower35, int upper) =>
        $"<sr:LowerBandSubGHzChannels0To26>{Channels(0, lower0)}</sr:LowerBandSubGHzChannels0To26>" +
        $"<sr:LowerBandSubGHzChannels27To34>{Channels(27, lower27)}</sr:LowerBandSubGHzChannels27To34>" +
        $"<sr:LowerBandSubGHzChannels35To61>{Channels(35, lower35)}</sr:LowerBandSubGHzChannels35To61>" +
        $"<sr:UpperBandSubGHzChannels0To26>{Channels(0, upper)}</sr:UpperBandSubGHzChannels0To26>" +
        "<sr:NormalLimitedDutyCycleThreshold>1.3</sr:NormalLimitedDutyCycleThreshold><sr:LimitedCriticalDutyCycleThreshold>2.2</sr:LimitedCriticalDutyCycleThreshold>";

    private static string Channels(int first, int count) => string.Concat(Enumerable.Range(first, count).Select(c => $"<sr:Channel{c}/>"));

    [Theory, ResponseCodeTest("E062801", "E062802")]
    [InlineData(2, 2, 2, 2, null)]
    [InlineData(3, 8, 27, 0, null)] // the upper band is not validated, even empty
    [InlineData(2, 2, 2, 1, null)]
    [InlineData(0, 2, 2, 2, "E062801")]
    [InlineData(2, 0, 2, 2, "E062801")]
    [InlineData(2, 2, 0, 2, "E062801")]
    [InlineData(1, 2, 2, 2, "E062802")]
    [InlineData(2, 1, 2, 2, "E062802")]
    [InlineData(2, 2, 1, 0, "E062802")]
    public void R_SR_6_28_each_lower_band_page_configures_at_least_two_channels(int lower0, int lower27, int lower35, int upper, string? expected)
    {
        var f = new AccessFixture();
        var request = f.Request("6.28", UserId(UserRole.ImportSupplier), DemoEnvironment.CommsHub,
            body: Body("SetCHFSubGHzConfiguration", SubGhz(lower0, lower27, lower35, upper)));
        var decision = Evaluate(f, request);
        if (expected is null) AssertAccepted(decision);
        else AssertCode(expected, decision);
    }

    [Theory, ResponseCodeTest("E081301")]
    [InlineData("11.2", true)]
    [InlineData("6.15.1", true)]
    [InlineData("8.11", true)]
    [InlineData("4.1.1", false)]
    [InlineData("6.2.1", false)]
    public void R_SR_8_13_only_the_listed_responses_are_accepted_back_from_a_local_command(string original, bool accepted)
    {
        var f = new AccessFixture();
        var user = DemoEnvironment.Supplier;
        var definition = ServiceCatalogue.Get(ServiceReferenceVariant.Parse(original));
        var target = definition.Targets(DeviceType.ESME) ? DemoEnvironment.Esme : DemoEnvironment.CommsHub;
        var cv = definition.Critical ? CommandVariant.ReturnSignedPreCommandForLocalDelivery : CommandVariant.ReturnForLocalDeliveryNonCritical;
        var local = f.Request(original, user, target, cv);
        AssertAccepted(f.Decide(local));
        var response = f.Request("8.13", user, DemoEnvironment.AccessControlBroker, body: Body("ReturnLocalCommandResponse",
            $"<sr:OriginalRequestID>{local.RequestId}</sr:OriginalRequestID><sr:DeviceGBCSResponse>3wk=</sr:DeviceGBCSResponse>"));
        var decision = Evaluate(f, response);
        if (accepted) AssertAccepted(decision);
        else AssertCode("E081301", decision);
    }

    [Fact, ResponseCodeTest("E2")]
    public void R_SR_4_1_1_the_meter_data_retriever_reads_import_registers_of_smets1_devices_only()
    {
        var f = new AccessFixture();
        var mdr = UserId(UserRole.MeterDataRetriever);
        AssertAccepted(Evaluate(f, f.Request("4.1.1", mdr, Smets1Esme)));
        AssertCode("E2", Evaluate(f, f.Request("4.1.1", mdr, DemoEnvironment.Esme)));
    }

    [Theory, ResponseCodeTest("E2", "E4", "E11")]
    [InlineData(UserRole.ExportSupplier, "00-DB-12-34-56-78-90-A0", null)]
    [InlineData(UserRole.ElectricityDistributor, "00-DB-12-34-56-78-90-A0", null)]
    [InlineData(UserRole.MeterDataRetriever, "00-DB-12-34-56-78-90-A0", null)]
    [InlineData(UserRole.MeterDataRetriever, "00-DB-12-34-56-78-91-A0", null)]
    [InlineData(UserRole.ImportSupplier, "00-DB-12-34-56-78-90-A0", "E2")]
    [InlineData(UserRole.GasSupplier, "00-DB-12-34-56-78-90-A0", "E2")]
    [InlineData(UserRole.OtherUser, "00-DB-12-34-56-78-90-A0", "E2")]
    [InlineData(UserRole.ElectricityDistributor, "00-DB-12-34-56-78-90-A2", "E11")]
    [InlineData(UserRole.MeterDataRetriever, "00-DB-12-34-56-78-90-A1", "E4")]
    [InlineData(UserRole.ExportSupplier, "00-DB-12-34-56-78-90-A1", "E4")]
    public void R_SR_4_2_export_registers_are_read_by_es_ed_and_mdr_from_an_esme_only(UserRole role, string target, string? expected)
    {
        var f = new AccessFixture();
        var decision = Evaluate(f, f.Request("4.2", UserId(role), Eui.Parse(target)));
        if (expected is null) AssertAccepted(decision);
        else AssertCode(expected, decision);
    }

    [Fact]
    public void A_non_device_request_skips_the_device_checks()
    {
        var f = new AccessFixture();
        AssertAccepted(Evaluate(f, f.Request("8.2", UserId(UserRole.ImportSupplier), DemoEnvironment.AccessControlBroker,
            body: AccessFixture.Template("8.2_READ_INVENTORY_REQUEST_DUIS.XML").Body)));
    }
}
