using System.Buffers.Binary;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Network.Devices;
using OpenDuis.Gbcs;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Network.Tests;

/// <summary>The emulated SM WAN end to end below HTTP: acceptance, device execution, signed Service Responses in the outbox.</summary>
public sealed class EmulatedSmWanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The first value of a DLMS access-response's list of data (a double-long or double-long-unsigned).</summary>
    /// <summary>
    /// The first value of a DLMS access-response; of protected attributes (a Use Case GBCS encrypts), the first of
    /// the data structure, which an emulator without GBCS keys leaves in place of the ciphertext.
    /// </summary>
    private static long FirstDlmsValue(GbcsMessage gbcs)
    {
        var c = gbcs.Content.Span;
        Assert.Equal(0xDA, c[0]);
        Assert.True(c[7] >= 1, "the access-response carries no data");
        var at = 8;
        if (OpenDuis.Gbcs.Security.GbcsEncryptedPayloads.Find(gbcs) is [var (offset, _)])
        {
            Assert.Equal("020102", Convert.ToHexString(c.Slice(offset + 5, 3))); // structure { structure { … } }
            at = offset + 5 + 4;
        }
        return c[at] switch
        {
            0x06 => BinaryPrimitives.ReadUInt32BigEndian(c[(at + 1)..]),
            0x05 => BinaryPrimitives.ReadInt32BigEndian(c[(at + 1)..]),
            0x16 => c[at + 1],
            _ => throw new Xunit.Sdk.XunitException($"unexpected DLMS type 0x{c[at]:X2}"),
        };
    }

    [Fact]
    public async Task Read_Instantaneous_Import_Registers_is_acknowledged_then_answered_I0_with_a_0x0027_GBCS_response()
    {
        await using var emulator = await Emulator.StartAsync();
        var request = Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        var requestLease = emulator.InProcess.TryBegin(request.RequestId);
        Assert.NotNull(requestLease);

        var acceptance = await emulator.AcceptAsync(request, requestLease);
        Assert.Equal(ResponseCode.I99, acceptance.Code);
        Assert.Null(acceptance.Answer);

        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal(ResponseCode.I0, response.ResponseCode);
        Assert.Equal(request.RequestId, response.RequestId);
        Assert.Equal(new RequestId(DemoEnvironment.Esme, request.RequestId.Originator, request.RequestId.Counter), response.ResponseId);
        Assert.Equal(request.ServiceReferenceVariant, response.Message!.ServiceReferenceVariant);
        var gbcs = Emulator.Gbcs(response);
        Assert.Equal((ushort)0x0027, gbcs.MessageCode);
        Assert.Equal(CraFlag.Response, gbcs.Cra);
        Assert.Equal(DemoEnvironment.Esme, gbcs.Originator);
        Assert.Equal(request.RequestId.Originator, gbcs.Recipient);
        Assert.Equal(request.RequestId.Counter, gbcs.OriginatorCounter);
        Assert.NotNull(gbcs.Mac);
        // Its processing ended: the Request ID may be used again (E55 no longer applies).
        Assert.Equal(0, emulator.InProcess.Count);
    }

    [Fact]
    public async Task Gas_import_registers_are_answered_with_0x0074_and_export_registers_with_0x0026()
    {
        await using var emulator = await Emulator.StartAsync();
        await emulator.AcceptAsync(Emulator.Template("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_REQUEST_DUIS.XML"));
        var gas = Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1)));
        Assert.Equal((ushort)0x0074, gas.MessageCode);
        await emulator.AcceptAsync(Emulator.Template("ECS17a_4.2_SUCCESS_REQUEST_DUIS.XML"));
        Assert.Equal((ushort)0x0026, Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1))).MessageCode);
    }

    [Fact]
    public async Task Import_register_advances_with_the_clock()
    {
        await using var emulator = await Emulator.StartAsync();
        await emulator.AcceptAsync(Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"));
        var first = FirstDlmsValue(Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1))));
        emulator.Clock.Advance(TimeSpan.FromHours(1));
        await emulator.AcceptAsync(Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"));
        var second = FirstDlmsValue(Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1))));
        Assert.InRange(second - first, 339, 341); // about 340 Wh an hour
    }

    [Fact]
    public async Task Critical_flow_Transform_then_Signed_Pre_Command_disables_the_supply_and_a_later_read_shows_it()
    {
        await using var emulator = await Emulator.StartAsync();
        var transform = Emulator.Template("ECS43_7.2_SUCCESS_REQUEST_DUIS.XML");
        Assert.Equal(CommandVariant.TransformCritical, transform.CommandVariant);

        // DUIS 3.4.2: Transform answers at once with the Pre-Command; nothing goes to the device.
        var acceptance = await emulator.AcceptAsync(transform);
        Assert.Equal(ResponseCode.I0, acceptance.Code);
        var preCommandElement = acceptance.Answer!.Message!.Payload!;
        Assert.Equal("PreCommand", preCommandElement.LocalName);
        Assert.Equal(emulator.Options.GbcsVersion, preCommandElement.FirstChild!.InnerText);
        var preCommand = Convert.FromBase64String(preCommandElement.LastChild!.InnerText);
        var issued = GbcsMessage.Read(preCommand);
        Assert.Equal((ushort)0x0050, issued.MessageCode); // ECS43
        Assert.Null(issued.Signature);
        Assert.Equal(transform.RequestId.Counter, issued.OriginatorCounter);

        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(preCommand, transform.RequestId.Originator)));
        Assert.Equal(ResponseCode.I99, (await emulator.AcceptAsync(signed)).Code);
        var disabled = Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1)));
        Assert.Equal((ushort)0x0050, disabled.MessageCode);
        Assert.Equal(issued.OriginatorCounter, disabled.OriginatorCounter);
        Assert.Equal(SupplyState.Disabled, emulator.Network.Device(DemoEnvironment.Esme)!.Supply);

        await emulator.AcceptAsync(Emulator.Template("ECS45_7.4_SUCCESS_REQUEST_DUIS.XML"));
        var status = Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1)));
        Assert.Equal((long)SupplyState.Disabled, FirstDlmsValue(status));
    }

    [Fact]
    public async Task Meter_balance_adjusted_through_the_critical_flow_is_what_the_prepay_read_returns()
    {
        await using var emulator = await Emulator.StartAsync();
        var transform = Emulator.Template("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText);
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(preCommand, transform.RequestId.Originator)));
        await emulator.AcceptAsync(signed);
        await emulator.ResponsesAsync(1);

        await emulator.AcceptAsync(Emulator.Template("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML"));
        Assert.Equal(1_200_000, FirstDlmsValue(Emulator.Gbcs(Assert.Single(await emulator.ResponsesAsync(1)))));
    }

    [Fact]
    public async Task Signed_Pre_Command_whose_Message_Code_does_not_map_to_the_variant_is_refused_E51()
    {
        await using var emulator = await Emulator.StartAsync();
        var transform = Emulator.Template("ECS43_7.2_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = GbcsMessage.Read(Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText));
        var wrong = (preCommand with { MessageCode = 0x0027 }).WriteSigned();
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(wrong, transform.RequestId.Originator)));
        var signedLease = emulator.InProcess.TryBegin(signed.RequestId);
        Assert.NotNull(signedLease);
        var acceptance = await emulator.AcceptAsync(signed, signedLease);
        Assert.Equal(ResponseCode.E51, acceptance.Code);
        Assert.Equal(0, emulator.InProcess.Count);
        Assert.Equal(0, emulator.Network.Queued);
    }

    [Fact]
    public async Task Signed_Pre_Command_with_another_Message_Code_of_the_variant_than_the_one_issued_is_refused_E51()
    {
        await using var emulator = await Emulator.StartAsync();
        // 1.6 Update Payment Mode maps to ECS02 (0x001A) and ECS03 (0x001B); the DCC issued 0x001A for this ESME.
        var transform = Emulator.Template("ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = GbcsMessage.Read(Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText));
        Assert.Equal((ushort)0x001A, preCommand.MessageCode);
        var other = (preCommand with { MessageCode = 0x001B }).WriteSigned();
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(other, transform.RequestId.Originator)));
        Assert.Equal(ResponseCode.E51, (await emulator.AcceptAsync(signed)).Code);
    }

    [Fact]
    public async Task Signed_Pre_Command_that_does_not_correlate_with_the_Pre_Command_issued_is_refused_E51()
    {
        await using var emulator = await Emulator.StartAsync();
        var transform = Emulator.Template("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText);
        // Same Message Code, counter, originator and device: only the last octet of the content (the adjustment) differs.
        var altered = (byte[])preCommand.Clone();
        altered[^1] ^= 0x01;
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(altered, transform.RequestId.Originator)));
        var signedLease = emulator.InProcess.TryBegin(signed.RequestId);
        Assert.NotNull(signedLease);
        Assert.Equal(ResponseCode.E51, (await emulator.AcceptAsync(signed, signedLease)).Code);
        Assert.Equal(0, emulator.Network.Queued);
    }

    [Fact]
    public async Task Past_MaxQueued_a_device_request_is_accepted_only_once_the_devices_have_answered_enough()
    {
        await using var emulator = await Emulator.StartAsync(new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(50), MaxQueued = 2 });
        const string template = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML";
        Assert.Equal(ResponseCode.I99, (await emulator.AcceptAsync(Emulator.Template(template))).Code);
        Assert.Equal(ResponseCode.I99, (await emulator.AcceptAsync(Emulator.Template(template))).Code);

        // The queue is full: the third acknowledgement waits, nothing is refused or lost.
        var third = emulator.AcceptAsync(Emulator.Template(template)).AsTask();
        await Task.Delay(200, Ct);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, emulator.Network.Queued);

        // The devices answer (the clock passes their latency): room is made and the third goes through.
        Assert.Equal(3, (await emulator.ResponsesAsync(3)).Count);
        Assert.Equal(ResponseCode.I99, (await third).Code);
    }

    [Fact]
    public async Task Past_the_limit_the_oldest_issued_Pre_Command_is_forgotten_and_its_Signed_Pre_Command_is_checked_only_against_the_variant()
    {
        await using var emulator = await Emulator.StartAsync(new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(50), IssuedPreCommandLimit = 1 });
        var template = Emulator.Template("ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        DuisRequest Transform(ulong counter) => new(template.SchemaVersion, template.RequestId with { Counter = counter },
            template.CommandVariant, template.ServiceReference, template.ServiceReferenceVariant, template.Body, template.FirstInSequence, template.PrecedingRequestId);
        async Task<GbcsMessage> IssueAsync(ulong counter) =>
            GbcsMessage.Read(Convert.FromBase64String((await emulator.AcceptAsync(Transform(counter))).Answer!.Message!.Payload!.LastChild!.InnerText));
        DuisRequest SignedOther(GbcsMessage issued) => DuisRequest.CreateSignedPreCommand(template.SchemaVersion,
            template.RequestId with { Counter = issued.OriginatorCounter + 1 }, CommandVariant.SendSignedPreCommand, template.ServiceReferenceVariant,
            new SignedPreCommand(Emulator.SignPreCommand((issued with { MessageCode = 0x001B }).WriteSigned(), template.RequestId.Originator)));

        var first = await IssueAsync(template.RequestId.Counter);
        var second = await IssueAsync(template.RequestId.Counter + 10);

        // The second is remembered: another Message Code of the variant than the one issued is E51.
        Assert.Equal(ResponseCode.E51, (await emulator.AcceptAsync(SignedOther(second))).Code);
        // The first was forgotten when the second was issued: 0x001B maps to 1.6, so it goes to the device.
        Assert.Equal(ResponseCode.I99, (await emulator.AcceptAsync(SignedOther(first))).Code);
    }

    [Fact]
    public async Task Return_for_local_delivery_answers_a_Local_Command_at_once_and_sends_nothing_over_the_WAN()
    {
        await using var emulator = await Emulator.StartAsync();
        var request = Emulator.Template("ECS17b_4.1.1_REQUEST_DUIS.XML");
        Assert.Equal(CommandVariant.ReturnForLocalDeliveryNonCritical, request.CommandVariant);
        var requestLease = emulator.InProcess.TryBegin(request.RequestId);
        Assert.NotNull(requestLease);

        var acceptance = await emulator.AcceptAsync(request, requestLease);
        Assert.Equal(ResponseCode.I0, acceptance.Code);
        var local = acceptance.Answer!.Message!.Payload!;
        Assert.Equal("LocalCommand", local.LocalName);
        var command = GbcsMessage.Read(Convert.FromBase64String(local.InnerText));
        Assert.Equal(CraFlag.Command, command.Cra);
        Assert.Equal((ushort)0x0027, command.MessageCode);
        Assert.Equal(DemoEnvironment.Esme, command.Recipient);
        Assert.NotNull(command.Mac);
        Assert.Equal(0, emulator.Network.Queued);
        Assert.Equal(0, emulator.InProcess.Count);
    }

    [Fact]
    public async Task Send_and_return_for_local_delivery_answers_the_Local_Command_at_once_and_the_device_response_later()
    {
        await using var emulator = await Emulator.StartAsync();
        var request = Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", doc =>
        {
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
            doc.SelectSingleNode("//sr:CommandVariant", ns)!.InnerText = "3";
        });
        var acceptance = await emulator.AcceptAsync(request);
        Assert.Equal(ResponseCode.I0, acceptance.Code);
        Assert.Equal("LocalCommand", acceptance.Answer!.Message!.Payload!.LocalName);
        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal((ushort)0x0027, Emulator.Gbcs(response).MessageCode);
    }

    [Fact]
    public async Task A_Signed_Pre_Command_returned_for_local_delivery_is_the_signed_command_with_its_MAC_header()
    {
        await using var emulator = await Emulator.StartAsync();
        var transform = Emulator.Template("ECS43_7.2_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText);
        var signedBytes = Emulator.SignPreCommand(preCommand, transform.RequestId.Originator);
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.ReturnSignedPreCommandForLocalDelivery, transform.ServiceReferenceVariant, new SignedPreCommand(signedBytes));
        var acceptance = await emulator.AcceptAsync(signed);
        Assert.Equal(ResponseCode.I0, acceptance.Code);
        var local = GbcsMessage.Read(Convert.FromBase64String(acceptance.Answer!.Message!.Payload!.InnerText));
        Assert.NotNull(local.Mac);
        Assert.Equal(signedBytes, local.WriteSigned());
        Assert.Equal(0, emulator.Network.Queued); // CV 6: not sent over the SM WAN
        Assert.Equal(SupplyState.Enabled, emulator.Network.Device(DemoEnvironment.Esme)!.Supply);
    }

    [Fact]
    public async Task Local_delivery_of_a_variant_no_GBCS_Use_Case_carries_is_refused_E50()
    {
        await using var emulator = await Emulator.StartAsync();
        // 4.1.1 to a PPMID: no ECS or GCS Use Case addresses it, but the variant's Use Cases still carry it
        // (the fallback). A variant with no Use Case at all cannot be returned for local delivery.
        var noUseCase = Protocol.Catalogue.ServiceCatalogue.All.First(d => !d.NonDevice && d.Gbcs.All(g => g.MessageCodes.Count == 0)
            && d.Allows(CommandVariant.ReturnForLocalDeliveryNonCritical));
        var request = Emulator.Template("ECS17b_4.1.1_REQUEST_DUIS.XML", doc =>
        {
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
            doc.SelectSingleNode("//sr:ServiceReference", ns)!.InnerText = noUseCase.Reference.ToString();
            doc.SelectSingleNode("//sr:ServiceReferenceVariant", ns)!.InnerText = noUseCase.Variant.ToString();
        });
        Assert.Equal(ResponseCode.E50, (await emulator.AcceptAsync(request)).Code);
    }

    [Fact]
    public async Task A_failed_outbox_write_leaves_the_device_as_it_was_and_the_response_follows_when_the_outbox_recovers()
    {
        var failing = new FailingOutbox(failures: 1);
        await using var emulator = await Emulator.StartAsync(
            new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(50), RetryAfter = TimeSpan.FromSeconds(1) },
            outboxWrapper: inner => failing.Wrapping(inner));
        var transform = Emulator.Template("ECS43_7.2_SUCCESS_REQUEST_DUIS.XML");
        var preCommand = Convert.FromBase64String((await emulator.AcceptAsync(transform)).Answer!.Message!.Payload!.LastChild!.InnerText);
        var signed = DuisRequest.CreateSignedPreCommand(transform.SchemaVersion, transform.RequestId with { Counter = transform.RequestId.Counter + 1 },
            CommandVariant.SendSignedPreCommand, transform.ServiceReferenceVariant, new SignedPreCommand(Emulator.SignPreCommand(preCommand, transform.RequestId.Originator)));
        await emulator.AcceptAsync(signed);

        emulator.Clock.Advance(TimeSpan.FromMilliseconds(60));
        await failing.FailedOnce.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(SupplyState.Enabled, emulator.Network.Device(DemoEnvironment.Esme)!.Supply);
        Assert.Equal(0, await emulator.Outbox.CountUndeliveredAsync(Ct));

        emulator.Clock.Advance(TimeSpan.FromSeconds(1));
        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal((ushort)0x0050, Emulator.Gbcs(response).MessageCode);
        Assert.Equal(SupplyState.Disabled, emulator.Network.Device(DemoEnvironment.Esme)!.Supply);
    }

    [Fact]
    public async Task Failed_outbox_writes_are_one_storage_failure_with_the_reason_and_the_next_write_recovers_it()
    {
        var failing = new FailingOutbox(failures: 3);
        var health = new Core.Transactions.StorageHealth();
        var changes = new List<Core.Transactions.StorageHealthChange>();
        health.Changed += c => { lock (changes) changes.Add(c); };
        await using var emulator = await Emulator.StartAsync(
            new EmulatedSmWanOptions { Latency = TimeSpan.FromMilliseconds(50), RetryAfter = TimeSpan.FromSeconds(1) },
            outboxWrapper: inner => failing.Wrapping(inner), health: health);
        await emulator.AcceptAsync(Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"));

        emulator.Clock.Advance(TimeSpan.FromMilliseconds(60));
        await failing.FailedOnce.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        for (var i = 0; i < 500 && health.Current is null; i++) await Task.Delay(10, Ct);
        Assert.Equal(EmulatedSmWan.Component, health.Current!.Component);
        Assert.Equal("database is locked", health.Current.Reason);
        // Two more failed retries: still the one change of state.
        for (var retry = 0; retry < 2; retry++)
        {
            var seen = failing.Attempts;
            emulator.Clock.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < 500 && failing.Attempts == seen; i++) await Task.Delay(10, Ct);
        }
        lock (changes) Assert.Single(changes);

        emulator.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Null(health.Current);
        lock (changes)
        {
            Assert.Equal(2, changes.Count);
            Assert.Equal(EmulatedSmWan.Component, changes[1].Component);
            Assert.Null(changes[1].Failure);
        }
    }

    [Fact]
    public async Task A_held_command_is_answered_when_its_hold_ends_and_a_dropped_one_never()
    {
        var policy = new ScriptedPolicy();
        await using var emulator = await Emulator.StartAsync(policy: policy);
        var held = Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
        var dropped = Emulator.Template("ECS17a_4.2_SUCCESS_REQUEST_DUIS.XML");
        policy.Outcomes[held.RequestId] = CommandOutcome.HoldUntil(emulator.Clock.GetUtcNow() + TimeSpan.FromMinutes(10));
        policy.Outcomes[dropped.RequestId] = CommandOutcome.NoResponse;
        var droppedLease = emulator.InProcess.TryBegin(dropped.RequestId);
        Assert.NotNull(droppedLease);
        await emulator.AcceptAsync(held);
        await emulator.AcceptAsync(dropped, droppedLease);

        emulator.Clock.Advance(TimeSpan.FromMilliseconds(60));
        for (var i = 0; i < 500 && emulator.Network.Queued != 1; i++) await Task.Delay(10, Ct);
        Assert.Equal(1, emulator.Network.Queued); // the held one; the dropped one is gone
        Assert.Equal(0, await emulator.Outbox.CountUndeliveredAsync(Ct));
        // The dropped request stays in process (E55) until the hold passes.
        Assert.Null(emulator.InProcess.TryBegin(dropped.RequestId));
        policy.Outcomes.Clear();
        emulator.Clock.Advance(TimeSpan.FromMinutes(10));
        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal(held.RequestId, response.RequestId);
        Assert.NotNull(emulator.InProcess.TryBegin(dropped.RequestId)); // the five-minute hold has passed
    }

    [Fact]
    public async Task A_DCC_Schedule_occurrence_is_answered_with_a_DSPScheduledMessage_naming_its_schedule()
    {
        await using var emulator = await Emulator.StartAsync();
        var request = Emulator.Template("ECS17a_4.2_SUCCESS_REQUEST_DUIS.XML");
        var schedule = new Core.Schedules.DspScheduleId(42);
        await emulator.Network.AcceptAsync(new Core.Requests.DeviceCommand(request, request.RequestId.Originator, emulator.Clock.GetUtcNow(), schedule), Ct);
        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal("DSPScheduledMessage", response.Message!.Payload!.LocalName);
        Assert.Equal("42", response.Message.Payload.LastChild!.InnerText);
        Assert.Equal((ushort)0x0026, Emulator.Gbcs(response).MessageCode);
    }

    [Fact]
    public async Task The_Service_Response_is_in_the_schema_version_the_request_declared()
    {
        await using var emulator = await Emulator.StartAsync();
        var request = Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", doc => doc.DocumentElement!.SetAttribute("schemaVersion", "5.1"));
        Assert.Equal(DuisSchemaVersion.Parse("5.1"), request.SchemaVersion);
        await emulator.AcceptAsync(request);
        var response = Assert.Single(await emulator.ResponsesAsync(1)); // validated against the 5.1 XSD
        Assert.Equal(DuisSchemaVersion.Parse("5.1"), response.SchemaVersion);
    }

    [Fact]
    public async Task A_SMETS1_device_is_reached_through_the_SMETS1_Service_Provider_and_others_through_their_regions_CSP()
    {
        await using var emulator = await Emulator.StartAsync();
        var providers = emulator.Network.Providers;
        Assert.Same(providers.Smets1, providers.For(DeviceGeneration.Smets1, CspRegion.Smets1));
        Assert.Same(providers.Smets1, providers.For(DeviceGeneration.Smets1, null));
        Assert.Same(providers.North, providers.For(DeviceGeneration.Smets2Plus, CspRegion.North4G));
        Assert.Same(providers.South, providers.For(DeviceGeneration.Smets2Plus, CspRegion.South));
        Assert.Same(providers.Central, providers.For(DeviceGeneration.Smets2Plus, CspRegion.Unknown));

        // The demo SMETS1 ESME answers a 4.1.1 read through the S1SP (R-S1-1): its signed MMC response, not GBCS.
        var smets1Esme = Eui.Parse("00-DB-12-34-56-78-91-A0");
        var request = Emulator.Template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", doc =>
        {
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("sr", DuisNamespaces.ServiceUserGateway);
            var id = doc.SelectSingleNode("//sr:RequestID", ns)!;
            id.InnerText = (RequestId.Parse(id.InnerText) with { Target = smets1Esme }).ToString();
        });
        await emulator.AcceptAsync(request);
        var response = Assert.Single(await emulator.ResponsesAsync(1));
        Assert.Equal(ResponseBodyKind.Smets1ResponseMessage, response.BodyKind);
        var signed = Smets1Response.ExtractSignedResponse(response.ToXmlDocument())!;
        Assert.Equal(smets1Esme.ToString(), signed.DocumentElement!.FirstElement("BusinessOriginatorID", DuisNamespaces.ResponseAndAlert)!.InnerText);
        Assert.NotNull(signed.DocumentElement!.FirstElement("ReadInstantaneousImportRegistersRsp", DuisNamespaces.ResponseAndAlert));
        Assert.Equal(DeviceGeneration.Smets1, emulator.Network.Device(smets1Esme)!.Generation);
    }

    private sealed class ScriptedPolicy : ICommandOutcomePolicy
    {
        public System.Collections.Concurrent.ConcurrentDictionary<RequestId, CommandOutcome> Outcomes { get; } = new();
        public CommandOutcome Decide(PendingCommand command, DateTimeOffset now) =>
            Outcomes.TryGetValue(command.Request.RequestId, out var o) && (o.Kind != CommandOutcomeKind.Hold || o.Until > now) ? o : CommandOutcome.Respond;
    }

    /// <summary>A real outbox whose first writes fail, as a database that is briefly unavailable would.</summary>
    private sealed class FailingOutbox(int failures)
    {
        private int _left = failures;
        private int _attempts;
        public int Attempts => Volatile.Read(ref _attempts);
        public TaskCompletionSource FailedOnce { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IOutboxStore Wrapping(IOutboxStore inner) => new Store(this, inner);

        private sealed class Store(FailingOutbox owner, IOutboxStore inner) : IOutboxStore
        {
            public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref owner._attempts);
                if (Interlocked.Decrement(ref owner._left) >= 0)
                {
                    owner.FailedOnce.TrySetResult();
                    throw new IOException("database is locked");
                }
                return inner.EnqueueAsync(entries, cancellationToken);
            }
            public Task<IReadOnlyList<PendingDelivery>> LeaseDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default) => inner.LeaseDueAsync(now, lease, max, cancellationToken);
            public Task MarkDeliveredAsync(long sequence, DateTimeOffset deliveredAt, CancellationToken cancellationToken = default) => inner.MarkDeliveredAsync(sequence, deliveredAt, cancellationToken);
            public Task ScheduleRetryAsync(long sequence, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) => inner.ScheduleRetryAsync(sequence, nextAttemptAt, error, cancellationToken);
            public Task<long> CountUndeliveredAsync(CancellationToken cancellationToken = default) => inner.CountUndeliveredAsync(cancellationToken);
        }
    }
}
