using System.Collections.Concurrent;
using System.Globalization;
using System.Xml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Network.Execution;

/// <summary>How the DCC waits on devices and sequences.</summary>
public sealed record SmWanExecutionOptions
{
    /// <summary>How long until the DCC knows a device cannot be reached (or its CHF reports it could not deliver).</summary>
    public TimeSpan FailureLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the DCC waits for a device's response before it reports none came (E21, E30, E31).</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The Wait Period of a sequenced request (DUIS 3.4.3): how long after acceptance it waits for the
    /// previous request's response before it fails with E44.
    /// </summary>
    public TimeSpan SequenceWaitPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a waiting sequenced request looks at its previous request again.</summary>
    public TimeSpan SequencePoll { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// The execution layer of the SM WAN in front of the emulated devices (issue 6): Future Dated (DSP)
/// requests held by the DCC and released at their execution date-time (DUIS 3.4.2; only variants
/// Future Dated (DSP) alone: Update Security Credentials (CoS) goes to the device to hold; cancelled by a
/// request of the same Service Reference Variant for the same Device whose ExecutionDateTime is
/// <see cref="CancelExecutionDateTime"/>, E52 when none is held), sequenced requests executed only
/// after their previous request succeeded (E43, E44, E47), and the faults injected per device
/// (<see cref="DeviceFaults"/>). Every failure reaches the User as a DSP-signed DCC Alert through
/// <see cref="IDccAlertSink"/>; what goes through is executed by the inner network.
/// </summary>
public sealed partial class SmWanExecution : IDeviceNetwork, IAsyncDisposable
{
    /// <summary>The ExecutionDateTime that asks the DCC to cancel a held Future Dated (DSP) request of the same type.</summary>
    public static readonly DateTimeOffset CancelExecutionDateTime = new(3000, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Update Security Credentials (CoS): the request the CoS Party takes part in (DUIS 3.8.65).</summary>
    public static readonly ServiceReferenceVariant ChangeOfSupplierCredentials = ServiceReferenceVariant.Parse("6.23");

    /// <summary>Top Up Device: for a SMETS1 meter the S1SP answers with a UTRN in an S1SP Alert (N56, DUIS 3.9.15).</summary>
    public static readonly ServiceReferenceVariant TopUpDevice = ServiceReferenceVariant.Parse("2.2");

    private readonly IDeviceNetwork _inner;
    private readonly DeviceFaults _faults;
    private readonly IDccAlertSink _alerts;
    private readonly DeviceNetworkAlerts _networkAlerts;
    private readonly IInventoryStore _inventory;
    private readonly IRequestLog? _log;
    private readonly SigningKey _s1spKey;
    private readonly TimeProvider _clock;
    private readonly SmWanExecutionOptions _options;
    private readonly ILogger _logger;
    private readonly ExecutionTimeline _timeline;
    private readonly ConcurrentDictionary<RequestId, HeldRequest> _held = new();
    private readonly ConcurrentDictionary<RequestId, (RuntimeFailure Failure, DateTimeOffset At)> _failed = new();

    private sealed record HeldRequest(DeviceCommand Command, long TimelineId);

    private enum Dating
    {
        OnDemand,
        FutureDatedDevice,
        FutureDatedDsp,
    }

    /// <param name="s1spKey">The key the emulated SMETS1 Service Provider signs its S1SP Alerts with.</param>
    /// <param name="log">The request log sequencing reads the previous request's outcome from; without it only failures seen here count.</param>
    public SmWanExecution(IDeviceNetwork inner, DeviceFaults faults, IDccAlertSink alerts, ISmiStore store,
        SigningKey s1spKey, TimeProvider clock, SmWanExecutionOptions? options = null, IRequestLog? log = null, ILogger<SmWanExecution>? logger = null)
    {
        _inner = inner;
        _faults = faults;
        _alerts = alerts;
        _networkAlerts = new DeviceNetworkAlerts(store, alerts);
        _inventory = store;
        _s1spKey = s1spKey;
        _clock = clock;
        _options = options ?? new SmWanExecutionOptions();
        _log = log;
        _logger = logger ?? NullLogger<SmWanExecution>.Instance;
        _timeline = new ExecutionTimeline(clock, _logger);
    }

    public DeviceFaults Faults => _faults;

    /// <summary>Future Dated (DSP) requests held until their execution date-time.</summary>
    public int Held => _held.Count;

    public ValueTask DisposeAsync() => _timeline.DisposeAsync();

    public ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default) =>
        AcceptAsync(command, resumed: false, cancellationToken);

    /// <param name="resumed">Taken back after a restart, handed over or taken over: its answer was given where it was admitted.</param>
    private async ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, bool resumed, CancellationToken cancellationToken)
    {
        var request = command.Request;
        if (request.Definition is not { NonDevice: false } definition || !request.CommandVariant.SendsOverSmWan())
            return await _inner.AcceptAsync(command, cancellationToken);

        var now = _clock.GetUtcNow();
        var executeAt = request.ExecutionDateTime;
        var dspDated = definition.FutureDated is FutureDatedPattern.Dsp or FutureDatedPattern.DspAndDevice;
        var cancellation = dspDated && executeAt == CancelExecutionDateTime;

        // Another node owns the Device: it holds, sequences and executes the command once it is handed over; the
        // network here gives only the synchronous answer (a Pre-Command check, a Command for Local Delivery, or a
        // cancellation's, from the held requests every node shares).
        if (command.Lease.DeviceOwner is not null)
        {
            if (cancellation && _faults.Store is { } shared
                && await CancelSharedAsync(command, shared, refuseWhenNone: definition.FutureDated == FutureDatedPattern.Dsp, cancellationToken) is { } answer)
                return answer;
            return await _inner.AcceptAsync(command, cancellationToken);
        }

        if (cancellation)
        {
            // Where the device may hold the command instead (Update Security Credentials (CoS) is Future Dated
            // both ways), a cancellation that matches nothing the DCC holds goes on to the device.
            var refuseWhenNone = definition.FutureDated == FutureDatedPattern.Dsp;
            var answer = _faults.Store is { } store && command.Lease.Fence is { } fence
                ? await CancelAsOwnerAsync(command, store, fence, refuseWhenNone, resumed, cancellationToken)
                : await CancelHeldAsync(command, refuseWhenNone, cancellationToken);
            if (answer is { } given) return given;
            return await _inner.AcceptAsync(command, cancellationToken);
        }
        // Update Security Credentials (CoS) may be Future Dated either way; the DCC holds only what is Future Dated (DSP) alone
        // and lets the device hold the rest.
        if (definition.FutureDated == FutureDatedPattern.Dsp && executeAt > now)
        {
            // Already held (restored from the held requests before its recorded command came back after a restart): it now carries the lease.
            if (_held.TryGetValue(request.RequestId, out var already) && already.Command.AcceptedAt == command.AcceptedAt)
            {
                _held[request.RequestId] = already with { Command = command };
                return DeviceAcceptance.Acknowledged;
            }
            // DUIS 3.4.2: the DCC holds a Future Dated (DSP) request and sends it on its execution date-time.
            // Kept before it is acknowledged, so a restart of the server still releases it (issue 6).
            // As the Device's owner: once another node took the Device, this one steps down and holds nothing.
            var kept = true;
            if (_faults.Store is { } store && !await AsOwnerAsync(command.Lease, async () => kept = await store.HoldAsync(
                    new HeldDeviceRequest(request.RequestId, command.Sender, command.AcceptedAt, executeAt.Value,
                        System.Text.Encoding.UTF8.GetBytes(request.ToXmlDocument().OuterXml), command.Schedule) { Fence = command.Lease.Fence }, cancellationToken)))
                return DeviceAcceptance.Acknowledged;
            if (!kept)
            {
                // Cancelled while it was handed to this node (its queued command gone, its request ended Failed): never executed.
                command.Lease.Complete(succeeded: false);
                LogCancelled(_logger, request.RequestId.ToString(), "a cancellation during its hand-over");
                return DeviceAcceptance.Acknowledged;
            }
            Hold(command, executeAt.Value);
            LogHeld(_logger, request.RequestId.ToString(), executeAt.Value);
            return DeviceAcceptance.Acknowledged;
        }
        return await ExecuteAsync(command, executeAt > now ? Dating.FutureDatedDevice : Dating.OnDemand, executeAt, cancellationToken);
    }

    /// <summary>
    /// Takes back a command accepted before a restart (from the durable command queue) with its lease:
    /// it is executed again, as when it was accepted, so its Service Response carries the same
    /// ResponseID; a Future Dated (DSP) one not yet due is held again. One the DCC would already have
    /// given up on (its Response Timeout passed since it was accepted, or since its execution date-time)
    /// ends in the CommandFailure DCC Alert for no response instead (E21, E30 or E31 by how it was dated).
    /// </summary>
    public async ValueTask ResumeAsync(DeviceCommand command, CancellationToken cancellationToken = default)
    {
        var request = command.Request;
        var now = _clock.GetUtcNow();
        var executeAt = request.ExecutionDateTime is { } at && at != CancelExecutionDateTime ? at : (DateTimeOffset?)null;
        var futureDated = executeAt > command.AcceptedAt;
        var since = futureDated ? executeAt!.Value : command.AcceptedAt;
        if (since <= now && now - since > _options.ResponseTimeout)
        {
            var failure = !futureDated ? RuntimeFailure.NoResponse
                : request.Definition?.FutureDated == FutureDatedPattern.Dsp ? RuntimeFailure.FutureDatedDspNotExecuted
                : RuntimeFailure.FutureDatedNoResponse;
            await FailAsync(command, failure, cancellationToken);
            return;
        }
        var acceptance = await AcceptAsync(command, resumed: true, cancellationToken);
        if (acceptance.Code != ResponseCode.I99) LogResumedAnswered(_logger, request.RequestId.ToString(), acceptance.Code.ToString());
    }

    /// <summary>
    /// Cancels the held Future Dated (DSP) requests of the same User, Device and Service Reference
    /// Variant; E52 when there is none (DUIS 3.5.10 Table 1: "can't find a Service Request to cancel").
    /// </summary>
    private async ValueTask<DeviceAcceptance?> CancelHeldAsync(DeviceCommand cancel, bool refuseWhenNone, CancellationToken cancellationToken)
    {
        var cancelled = await DropHeldAsync(cancel, cancellationToken);
        if (cancelled == 0 && !refuseWhenNone) return null;
        cancel.Lease.Complete(succeeded: cancelled > 0);
        return cancelled > 0 ? DeviceAcceptance.Acknowledged : new DeviceAcceptance(ResponseCode.E52);
    }

    /// <summary>
    /// The Device's owner cancels on a database several nodes share: in the shared store first, under its lease (issue 22),
    /// so what it cancels is what every node sees held or in its hand-over, then from its own timeline. The answer is the
    /// store's (I99, or E52 when it took none): a request still on the timeline but gone from the store was cancelled by
    /// another cancellation. A cancellation taken back, handed or taken over was answered where it was admitted; it drops
    /// what it finds here. Fenced off (another node took the Device while this one stalled), this node steps down for the
    /// cancellation, leaving it to the owner, and answers from the store as a node that does not own the Device would.
    /// </summary>
    private async ValueTask<DeviceAcceptance?> CancelAsOwnerAsync(DeviceCommand cancel, ISmWanExecutionStore store, DeviceFence fence, bool refuseWhenNone,
        bool resumed, CancellationToken cancellationToken)
    {
        var request = cancel.Request;
        IReadOnlyList<HeldDeviceRequest> taken;
        try
        {
            taken = await store.CancelHeldAsync(cancel.Sender, request.RequestId.Target, Names(request), cancellationToken, fence, request.RequestId);
        }
        catch (DeviceFencedException e)
        {
            cancel.Lease.StepDown();
            LogSteppedDown(_logger, cancel.Lease.Id.ToString(), string.Join(", ", e.Devices));
            return await CancelSharedAsync(cancel, store, refuseWhenNone, cancellationToken);
        }
        foreach (var h in taken) LogCancelled(_logger, h.RequestId.ToString(), request.RequestId.ToString());
        var dropped = await DropHeldAsync(cancel, cancellationToken);
        var cancelled = taken.Count > 0 || (resumed && dropped > 0);
        if (!cancelled && !refuseWhenNone) return null;
        cancel.Lease.Complete(succeeded: cancelled);
        return cancelled ? DeviceAcceptance.Acknowledged : new DeviceAcceptance(ResponseCode.E52);
    }

    /// <summary>Drops from the timeline the held requests <paramref name="cancel"/> names (same User, Device and Service Reference Variant): how many.</summary>
    private async ValueTask<int> DropHeldAsync(DeviceCommand cancel, CancellationToken cancellationToken)
    {
        var request = cancel.Request;
        var cancelled = 0;
        foreach (var (id, held) in _held)
        {
            var r = held.Command.Request;
            if (held.Command.Sender != cancel.Sender || id.Target != request.RequestId.Target || r.ServiceReferenceVariant != request.ServiceReferenceVariant) continue;
            if (!_timeline.Cancel(held.TimelineId) || !_held.TryRemove(id, out _)) continue;
            // Gone from the store already when a node that does not own the Device admitted the cancellation: it cancelled
            // the request there and answered (CancelSharedAsync), then handed the cancellation here to drop it from the timeline.
            if (_faults.Store is not { } kept || await kept.ForgetHeldAsync(id, cancellationToken)) LogCancelled(_logger, id.ToString(), request.RequestId.ToString());
            held.Command.Lease.Complete(succeeded: false);
            cancelled++;
        }
        return cancelled;
    }

    /// <summary>
    /// E52's other side, on a node that does not own the Device (nodes sharing a database): the held requests the
    /// cancellation names are cancelled in the store every node shares, in one transaction with the end of their
    /// requests, so the answer is the DCC's whichever node admits it (I99, or E52 when none is held, ended here).
    /// A cancellation that took some goes on to the owner (handed over as any command), which drops them from its
    /// timeline (<see cref="CancelHeldAsync"/>) and ends it; should it not, the owner drops them when their time
    /// comes, finding them gone (<see cref="ReleaseAsync"/>). Null when nothing is held and the device may hold it
    /// instead (it goes on to the device's owner).
    /// </summary>
    private async ValueTask<DeviceAcceptance?> CancelSharedAsync(DeviceCommand cancel, ISmWanExecutionStore store, bool refuseWhenNone, CancellationToken cancellationToken)
    {
        var request = cancel.Request;
        var cancelled = await store.CancelHeldAsync(cancel.Sender, request.RequestId.Target, Names(request), cancellationToken, cancellation: request.RequestId);
        foreach (var h in cancelled) LogCancelled(_logger, h.RequestId.ToString(), request.RequestId.ToString());
        if (cancelled.Count > 0) return DeviceAcceptance.Acknowledged;
        if (!refuseWhenNone) return null;
        cancel.Lease.Complete(succeeded: false);
        return new DeviceAcceptance(ResponseCode.E52);
    }

    /// <summary>
    /// How far ahead a request not yet held (in its hand-over to the Device's owner) must be due for a cancellation to take it:
    /// the nodes' clocks may differ by up to a second, and the owner releases a held request at its time by its own clock.
    /// </summary>
    private static readonly TimeSpan HandOverMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What a cancellation names in the store (DUIS 3.4.2): held requests of its Service Reference Variant, and queued ones
    /// not yet held that the DCC will hold (Future Dated (DSP), not yet due); the store has already matched User and Device.
    /// </summary>
    private Func<HeldDeviceRequest, bool> Names(DuisRequest cancel)
    {
        var now = _clock.GetUtcNow();
        return h =>
        {
            if (!h.Queued) return ReadHeld(h).ServiceReferenceVariant == cancel.ServiceReferenceVariant;
            DuisRequest queued;
            try
            {
                queued = ReadHeld(h);
            }
            catch (Exception e) when (e is XmlException or DuisFormatException)
            {
                return false;
            }
            return queued.ServiceReferenceVariant == cancel.ServiceReferenceVariant && queued.Definition?.FutureDated == FutureDatedPattern.Dsp
                && queued.ExecutionDateTime is { } at && at != CancelExecutionDateTime && at > now + HandOverMargin;
        };
    }

    private static readonly XmlReaderSettings HeldXml = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    /// <summary>A held request as it was admitted (its XML was authenticated then; it is not checked again).</summary>
    private static DuisRequest ReadHeld(HeldDeviceRequest held)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(held.RequestXml), HeldXml))
            document.Load(reader);
        return DuisRequest.Read(document);
    }

    private async Task ReleaseAsync(RequestId id, CancellationToken cancellationToken)
    {
        if (!_held.TryRemove(id, out var held)) return;
        var forgotten = true;
        // Released as the Device's owner: once another node took the Device, this one steps down, leaving the row to it.
        if (_faults.Store is { } kept && !await AsOwnerAsync(held.Command.Lease, async () => forgotten = await kept.ForgetHeldAsync(id, cancellationToken, held.Command.Lease.Fence)))
            return;
        if (!forgotten)
        {
            // Cancelled through another node sharing the store, which ended its request: not executed.
            held.Command.Lease.Complete(succeeded: false);
            LogCancelled(_logger, id.ToString(), "another node's cancellation");
            return;
        }
        // DUIS 3.4.2: access control is applied again when the DCC executes a held request; the
        // Device may have left the SMI Statuses the request accepts while it was held (E5).
        if (held.Command.Request.Definition is { } definition && await _inventory.FindDeviceAsync(id.Target, cancellationToken) is { } device
            && !SmiStatusRules.Accepted(definition).Contains(device.Status))
        {
            await FailAsync(held.Command, RuntimeFailure.DeviceStatusAtExecution, cancellationToken);
            return;
        }
        var released = held.Command with { AcceptedAt = _clock.GetUtcNow() };
        await ExecuteAsync(released, Dating.FutureDatedDsp, null, cancellationToken);
    }

    private void Hold(DeviceCommand command, DateTimeOffset executeAt)
    {
        var id = command.Request.RequestId;
        var timelineId = _timeline.At(executeAt, ct => ReleaseAsync(id, ct));
        _held[id] = new HeldRequest(command, timelineId);
    }

    /// <summary>
    /// Takes back the Future Dated (DSP) requests that were held when the server stopped (kept in
    /// <see cref="DeviceFaults.Store"/>): each is released at its execution date-time, at once if that
    /// passed while the server was down. Call once, before requests arrive.
    /// </summary>
    public async Task<int> RestoreHeldAsync(CancellationToken cancellationToken = default)
    {
        if (_faults.Store is not { } kept) return 0;
        var held = await kept.HeldAsync(cancellationToken);
        foreach (var h in held)
        {
            // Its recorded command came back first (ResumeAsync) and holds it again with its lease.
            if (_held.ContainsKey(h.RequestId)) continue;
            Hold(new DeviceCommand(ReadHeld(h), h.Sender, h.AcceptedAt, h.Schedule), h.ExecuteAt);
            LogHeld(_logger, h.RequestId.ToString(), h.ExecuteAt);
        }
        return held.Count;
    }

    private async ValueTask<DeviceAcceptance> ExecuteAsync(DeviceCommand command, Dating dating, DateTimeOffset? executeAt, CancellationToken cancellationToken)
    {
        var request = command.Request;
        var now = _clock.GetUtcNow();
        if (request.PrecedingRequestId is { } preceding)
        {
            switch (Previous(preceding))
            {
                case PreviousOutcome.NoDeviceResponse:
                    await FailAsync(command, RuntimeFailure.PreviousNoDeviceResponse, cancellationToken);
                    return DeviceAcceptance.Acknowledged;
                case PreviousOutcome.Failed:
                    await FailAsync(command, RuntimeFailure.PreviousFailed, cancellationToken);
                    return DeviceAcceptance.Acknowledged;
                case PreviousOutcome.InProgress when now - command.AcceptedAt >= _options.SequenceWaitPeriod:
                    await FailAsync(command, RuntimeFailure.PreviousNotReceived, cancellationToken);
                    return DeviceAcceptance.Acknowledged;
                case PreviousOutcome.InProgress:
                    _timeline.At(now + _options.SequencePoll, ct => ExecuteAsync(command, dating, executeAt, ct).AsTask());
                    return DeviceAcceptance.Acknowledged;
            }
        }

        var device = request.RequestId.Target;
        switch (_faults.Find(device))
        {
            case { Mode: DeviceFaultMode.Unreachable }:
                Later(now + _options.FailureLatency, command, dating == Dating.FutureDatedDsp ? RuntimeFailure.FutureDatedDspNotExecuted : RuntimeFailure.Unreachable);
                return DeviceAcceptance.Acknowledged;
            case { Mode: DeviceFaultMode.NoResponse }:
                var failure = dating switch
                {
                    Dating.FutureDatedDsp => RuntimeFailure.FutureDatedDspNotExecuted,
                    Dating.FutureDatedDevice => RuntimeFailure.FutureDatedNoResponse,
                    _ => RuntimeFailure.NoResponse,
                };
                // A Future Dated (Device) command is answered on its execution date: that is when none came.
                Later((dating == Dating.FutureDatedDevice && executeAt is { } at ? at : now) + _options.ResponseTimeout, command, failure);
                return DeviceAcceptance.Acknowledged;
            case { Mode: DeviceFaultMode.EsmeUndeliverable }:
                Later(now + _options.FailureLatency, command, RuntimeFailure.EsmeUndeliverable);
                return DeviceAcceptance.Acknowledged;
            case { Mode: DeviceFaultMode.CosParty, CosPartyCode: { } cosCode } when request.ServiceReferenceVariant == ChangeOfSupplierCredentials:
                await CosPartyFailedAsync(command, cosCode, cancellationToken);
                return DeviceAcceptance.Acknowledged;
            case { Mode: DeviceFaultMode.S1SpError, S1SpAlertCode: { } s1spCode }:
                await S1SpAlertAsync(command,
                    new S1SpAlert(s1spCode, now, request.RequestId, device, "Request rejected by the SMETS1 Service Provider"), succeeded: false, cancellationToken);
                return DeviceAcceptance.Acknowledged;
            case { Mode: DeviceFaultMode.DualBandSubGhz, DualBandAlertCode: { } alertCode }:
                var acceptance = await _inner.AcceptAsync(command, cancellationToken);
                await DualBandAlertAsync(command, alertCode, cancellationToken);
                return acceptance;
        }

        if (request.ServiceReferenceVariant == TopUpDevice && await _inventory.FindDeviceAsync(device, cancellationToken) is { Generation: DeviceGeneration.Smets1 })
        {
            await S1SpAlertAsync(command,
                new S1SpAlert("S1SP000", now, request.RequestId, device, Utrn: Utrn(request.RequestId)), succeeded: true, cancellationToken);
            return DeviceAcceptance.Acknowledged;
        }
        return await _inner.AcceptAsync(command, cancellationToken);
    }

    private enum PreviousOutcome
    {
        Succeeded,
        InProgress,
        Failed,
        NoDeviceResponse,
    }

    /// <summary>The previous request of a sequence as the DCC knows it (DUIS 3.4.3).</summary>
    private PreviousOutcome Previous(RequestId preceding)
    {
        if (_failed.TryGetValue(preceding, out var f))
            return f.Failure == RuntimeFailure.NoResponse ? PreviousOutcome.NoDeviceResponse : PreviousOutcome.Failed;
        if (_held.ContainsKey(preceding)) return PreviousOutcome.InProgress;
        if (_log is not null && _log.TryGetPreceding(preceding, out var logged))
            return logged.State switch
            {
                RequestState.InProgress => PreviousOutcome.InProgress,
                RequestState.Failed => PreviousOutcome.Failed,
                RequestState.NoDeviceResponse => PreviousOutcome.NoDeviceResponse,
                _ => PreviousOutcome.Succeeded,
            };
        return PreviousOutcome.Succeeded;
    }

    private void Later(DateTimeOffset at, DeviceCommand command, RuntimeFailure failure) =>
        _timeline.At(at, ct => FailAsync(command, failure, ct));

    /// <summary>The command failed: its originator receives a CommandFailure DCC Alert with the failure's code (DUIS 3.9.5).</summary>
    private async Task FailAsync(DeviceCommand command, RuntimeFailure failure, CancellationToken cancellationToken)
    {
        var id = command.Request.RequestId;
        if (await RaiseFailureAsync(id, failure, command.Request.CommandVariant.TakesSignedPreCommand(), command.Schedule, command.Lease, cancellationToken) is { } row)
            LogFailed(_logger, id.ToString(), row.ResponseCode.ToString(), row.Clause);
    }

    /// <summary>
    /// Writes a command's outcome as its Device's owner: when another node has taken the Device since this node took the
    /// command (it stalled past its lease), nothing was written, and this node steps down for the command. False then.
    /// </summary>
    private async Task<bool> AsOwnerAsync(RequestLease lease, Func<Task> write)
    {
        try
        {
            await write();
            return true;
        }
        catch (DeviceFencedException e)
        {
            lease.StepDown();
            LogSteppedDown(_logger, lease.Id.ToString(), string.Join(", ", e.Devices));
            return false;
        }
    }

    /// <summary>The CommandFailure DCC Alert for <paramref name="id"/> (DUIS 3.9.5) to its originator; then its request ends, failed. Null when fenced off.</summary>
    private async Task<RuntimeFailureRow?> RaiseFailureAsync(RequestId id, RuntimeFailure failure, bool critical, Core.Schedules.DspScheduleId? schedule,
        RequestLease lease, CancellationToken cancellationToken)
    {
        var row = RuntimeFailures.Of(failure);
        var code = row.AlertCode;
        if (failure is RuntimeFailure.Unreachable or RuntimeFailure.NoResponse)
        {
            var device = await _inventory.FindDeviceAsync(id.Target, cancellationToken);
            code = DccAlertCatalogue.CommandFailureCode(RuntimeFailures.KindFor(failure, device?.Type, device?.Generation, critical));
        }
        if (!await AsOwnerAsync(lease, () => _networkAlerts.CommandFailedAsync(code, id, row.ResponseCode, schedule, cancellationToken, lease.Fence))) return null;
        Remember(id, failure);
        // Kept in the request log as such, so a successor executed on another node fails E47, not E43.
        lease.Complete(failure == RuntimeFailure.NoResponse ? RequestState.NoDeviceResponse : RequestState.Failed);
        return row;
    }

    /// <summary>
    /// A command acknowledged before a restart whose recorded request cannot be read back (only a damaged
    /// database gives this) is never delivered: it ends as one the DCC could not deliver, in its
    /// CommandFailure DCC Alert with E20 (DUIS 3.9.5, 3.5.10 Table 1) to the originator named by its
    /// Request ID, so the User is told rather than left waiting. Said once, with the reason.
    /// </summary>
    public async ValueTask FailUnreadableAsync(RequestId id, Core.Schedules.DspScheduleId? schedule, RequestLease lease, string reason,
        CancellationToken cancellationToken = default)
    {
        if (await RaiseFailureAsync(id, RuntimeFailure.Unreachable, critical: false, schedule, lease, cancellationToken) is { } row)
            LogUnreadable(_logger, id.ToString(), reason, row.ResponseCode.ToString());
    }

    private void Remember(RequestId id, RuntimeFailure failure)
    {
        var now = _clock.GetUtcNow();
        if (_failed.Count > 10_000)
            foreach (var (key, value) in _failed)
                if (now - value.At > TimeSpan.FromDays(1)) _failed.TryRemove(key, out _);
        _failed[id] = (failure, now);
    }

    /// <summary>E66–E71: the CoS Party failed the Update Security Credentials (CoS) request (N27 ChangeOfSupplier, DUIS 3.9.8).</summary>
    private async Task CosPartyFailedAsync(DeviceCommand command, ResponseCode code, CancellationToken cancellationToken)
    {
        var id = command.Request.RequestId;
        if (!await AsOwnerAsync(command.Lease, () => _alerts.RaiseAsync([new AlertToRaise(DccAlertCode.Parse("N27"), ChangeOfSupplier.ForRequest(id), command.Sender)
            {
                ResponseCode = code, RequestId = id, DeviceId = id.Target, Fence = command.Lease.Fence,
            }], cancellationToken))) return;
        Remember(id, RuntimeFailure.PreviousFailed);
        command.Lease.Complete(succeeded: false);
        LogFailed(_logger, id.ToString(), code.ToString(), "DUIS 3.5.10 Table 1: CoS Party failure");
    }

    /// <summary>N55 (E62) or N56: an S1SP Alert, signed by the SMETS1 Service Provider, conveyed in an S1SPAlertDSP (DUIS 3.9.15).</summary>
    private async Task S1SpAlertAsync(DeviceCommand command, S1SpAlert alert, bool succeeded, CancellationToken cancellationToken)
    {
        var id = command.Request.RequestId;
        if (!await AsOwnerAsync(command.Lease, () => _networkAlerts.S1SpAlertAsync(id, alert.Sign(_s1spKey, command.Request.SchemaVersion), utrn: alert.Utrn is not null,
                command.Schedule, cancellationToken, command.Lease.Fence))) return;
        if (!succeeded) Remember(id, RuntimeFailure.PreviousFailed);
        command.Lease.Complete(succeeded);
    }

    /// <summary>A 20-digit UTRN for a SMETS1 top-up, derived from the Request ID so a repeat gives the same one.</summary>
    private static string Utrn(RequestId id)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id.ToString()));
        var value = System.Numerics.BigInteger.Abs(new System.Numerics.BigInteger(hash)) % System.Numerics.BigInteger.Pow(10, 20);
        return value.ToString("D20", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// E59, N54: the device's Dual Band CHF raised a Sub GHz alert while carrying the command (DUIS
    /// 3.9.14), to the Registered Supplier. The payload, for the alerts that have one, is this
    /// emulator's reading of each alert: 0x8F20 the duty-cycle action, 0x8F2C a channel change,
    /// 0x8F2D a message discarded under duty-cycle management.
    /// </summary>
    private async Task DualBandAlertAsync(DeviceCommand command, ushort alertCode, CancellationToken cancellationToken)
    {
        var id = command.Request.RequestId;
        var device = await _inventory.FindDeviceAsync(id.Target, cancellationToken);
        var chf = device is null ? id.Target : device.Type == DeviceType.CHF ? device.Id : device.CommsHub ?? id.Target;
        DualBandEvent? payload = alertCode switch
        {
            0x8F20 => new DualBandEvent.LimitedDutyCycleActionTaken(id.Target),
            0x8F2C => new DualBandEvent.SubGhzChannelChanged(new SubGhzChannel(SubGhzBand.Lower, 5), ScanTrigger.ChDetectedMessageFailureProblems),
            0x8F2D => new DualBandEvent.MessageDiscarded(id, Protocol.Messages.Alerts.CraFlag.Command),
            _ => null,
        };
        await _networkAlerts.DualBandAsync(new DualBandChAlert(chf, alertCode, Event: payload), _clock.GetUtcNow(), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Future Dated (DSP) request {RequestId} held until {ExecuteAt}")]
    private static partial void LogHeld(ILogger logger, string requestId, DateTimeOffset executeAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId}, taken back after a restart, was answered {ResponseCode} at once")]
    private static partial void LogResumedAnswered(ILogger logger, string requestId, string responseCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Future Dated (DSP) request {RequestId} cancelled by {CancelRequestId}")]
    private static partial void LogCancelled(ILogger logger, string requestId, string cancelRequestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The command of request {RequestId}, acknowledged before the restart, cannot be read back from the database ({Reason}): it is not executed and ends in its CommandFailure DCC Alert ({ResponseCode})")]
    private static partial void LogUnreadable(ILogger logger, string requestId, string reason, string responseCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device request {RequestId}: another node took Device {Devices} while this node stalled past its lease; its outcome is not written here, the command is left to that node")]
    private static partial void LogSteppedDown(ILogger logger, string requestId, string devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId} failed with {ResponseCode} ({Clause})")]
    private static partial void LogFailed(ILogger logger, string requestId, string responseCode, string clause);
}
