using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Network.Devices;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Correlate;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Network.Gbcs;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Network;

/// <summary>
/// The emulated Smart Metering WAN (issue 6): CSPs per region and the SMETS1 Service Provider in front
/// of devices with state. Accepted commands wait in a queue ordered by due time (the provider's
/// latency; a <see cref="ICommandOutcomePolicy"/> may hold or drop them); when due, the device
/// executes them and its GBCS response becomes a DSP-signed Service Response in the outbox.
/// <para>
/// Consistency (R-WS-2): device state lives in memory and changes only after the outbox write that
/// reports it has committed, so no response ever reports a state the device does not hold; meter
/// registers are a function of the Device ID and the clock, so they survive a restart. With a device
/// state store (<see cref="IDeviceStateStore"/>) each batch's states are written in the transaction of
/// its Service Responses, and a Device first addressed here is read from it: a restart, or another node
/// taking the Device over, keeps its supply state, balance, tariff, firmware and log. A copy made stale
/// by another node's write is found by the store's version check, read again, and the batch run again.
/// The commands still queued at a crash come back from the durable command queue to be executed again
/// (<see cref="RequestLease.RecordAsync"/>): the same Request ID and acceptance time give the same ResponseID and outbox key.
/// </para>
/// </summary>
public sealed partial class EmulatedSmWan : IDeviceNetwork, IAsyncDisposable
{
    /// <summary>How the network's writer of device responses names itself to <see cref="Core.Transactions.StorageHealth"/>.</summary>
    public const string Component = "SM WAN's device responses";

    private readonly EmulatedSmWanOptions _options;
    private readonly IInventoryStore _inventory;
    private readonly IOutboxStore _outbox;
    private readonly SigningKey _dspKey;
    private readonly TimeProvider _clock;
    private readonly ICommandOutcomePolicy _policy;
    private readonly ILogger _logger;
    private readonly DeviceResponseAlerts? _alerts;
    private readonly Core.Transactions.StorageHealth? _health;
    // Without a shared StorageHealth (whose log says it), whether the last outbox write failed: said once per change.
    private bool _writeFailing;
    private readonly DeviceGbcsSecurity? _security;
    private readonly IDeviceAlertCounters _alertCounters = new InMemoryDeviceAlertCounters();
    private readonly Smets1.Smets1ServiceProvider _smets1;
    private readonly ConcurrentDictionary<Eui, DeviceState> _devices = new();
    private readonly IDeviceStateStore? _states;
    private readonly Core.Transactions.IUnitOfWork? _unitOfWork;
    private readonly ConcurrentDictionary<Eui, CspRegion?> _regions = new();
    private readonly ConcurrentDictionary<IssuedKey, IssuedPreCommand> _issued = new();
    // Where nodes sharing a database keep the Pre-Commands they issue (else this process's memory above).
    private readonly Core.Requests.IIssuedPreCommandStore? _sharedIssued;
    private long _nextIssuedPrune;
    // Issue order, so expiry looks only at the oldest entries instead of scanning the map per Transform.
    private readonly ConcurrentQueue<(IssuedKey Key, DateTimeOffset At)> _issuedOrder = new();
    private readonly PriorityQueue<PendingCommand, (DateTimeOffset, long)> _queue = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private long _sequence;
    // When the worker will next look at the queue of its own accord (guarded by _gate); MinValue while it is working.
    private DateTimeOffset _sleepingUntil = DateTimeOffset.MinValue;
    private int _disposed;
    private Task? _worker;

    public EmulatedSmWan(EmulatedSmWanOptions options, IInventoryStore inventory, IOutboxStore outbox,
        SigningKey dspKey, TimeProvider clock, ICommandOutcomePolicy? policy = null, ILogger<EmulatedSmWan>? logger = null,
        DeviceResponseAlerts? alerts = null, Smets1.Smets1ServiceProvider? smets1 = null, DeviceGbcsSecurity? security = null,
        Core.Transactions.StorageHealth? health = null, IDeviceStateStore? states = null, Core.Transactions.IUnitOfWork? unitOfWork = null,
        Core.Requests.IIssuedPreCommandStore? issuedPreCommands = null)
    {
        _sharedIssued = issuedPreCommands;
        _health = health;
        // The states are kept only where they commit with the responses that report them.
        if (states is not null && unitOfWork is not null) (_states, _unitOfWork) = (states, unitOfWork);
        _alerts = alerts;
        // Without an S1SP key of its own, the SMETS1 Service Provider signs with the DSP's.
        _smets1 = smets1 ?? new Smets1.Smets1ServiceProvider(dspKey);
        _security = security;
        _options = options;
        _inventory = inventory;
        _outbox = outbox;
        _dspKey = dspKey;
        _clock = clock;
        _policy = policy ?? AlwaysRespond.Instance;
        _logger = logger ?? NullLogger<EmulatedSmWan>.Instance;
        Providers = new SmWanProviders(options.Latency);
        Rtds = options.RtdsFolder is { } folder ? RtdsLibrary.Load(folder) : RtdsLibrary.Empty;
    }

    public SmWanProviders Providers { get; }
    public RtdsLibrary Rtds { get; }

    /// <summary>Commands accepted and not yet answered.</summary>
    public int Queued => Volatile.Read(ref _queued);
    // The queue's count, kept under _gate and read without it: the backpressure check runs on every device request.
    private int _queued;

    /// <summary>Service Responses written to the outbox since start.</summary>
    public long Responded => Interlocked.Read(ref _responded);
    private long _responded;

    /// <summary>The emulated device's current state, if it has been addressed since start.</summary>
    public DeviceState? Device(Eui id) => _devices.TryGetValue(id, out var s) ? s : null;

    /// <summary>
    /// Changes what an emulated device holds, for a device event (Events.DeviceEvents); its state is read from the
    /// store, or made from the SMI record, if it has not been addressed yet. Kept in the store, over a stale copy
    /// read again.
    /// </summary>
    public async Task ChangeDeviceAsync(Device device, Func<DeviceState, DeviceState> change, CancellationToken cancellationToken = default)
    {
        _regions.TryAdd(device.Id, device.Region);
        while (true)
        {
            var current = await StateAsync(device.Id, (device.Type, device.Generation, device.FirmwareVersion), cancellationToken);
            var next = change(current);
            if (_states is null)
            {
                _devices[device.Id] = next;
                return;
            }
            try
            {
                await _states.SaveDeviceStatesAsync([DeviceStateDocument.Store(next, current.Version + 1, DeviceStateDocument.NewEvents(current, next))],
                    DeviceState.LogCapacity, cancellationToken);
                _devices[device.Id] = next with { Version = current.Version + 1 };
                return;
            }
            catch (DeviceStateConflictException)
            {
                _devices.TryRemove(device.Id, out _);
            }
        }
    }

    /// <summary>Starts the worker that answers due commands (idempotent).</summary>
    public void Start()
    {
        lock (_gate) _worker ??= Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>
    /// A graceful stop: waits while a queued command falls due within <paramref name="within"/> of now (a device about
    /// to answer), so that it is answered here rather than executed again by the node that takes it over; what is due
    /// later is left queued for that (its command stays in the durable queue). Gives up after twice the window.
    /// </summary>
    public async Task DrainAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        if (_worker is null) return;
        var start = _clock.GetUtcNow();
        while (_clock.GetUtcNow() - start < within * 2 && !cancellationToken.IsCancellationRequested)
        {
            bool dueSoon;
            lock (_gate) dueSoon = _queue.TryPeek(out _, out var first) && first.Item1 <= start + within;
            if (!dueSoon) return;
            await Task.Delay(TimeSpan.FromMilliseconds(20), _clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        if (_worker is { } worker)
            try { await worker; } catch (OperationCanceledException) { }
        _stop.Dispose();
        _wake.Dispose();
    }

    public async ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
    {
        var request = command.Request;
        var definition = request.Definition
            ?? throw new ArgumentException($"{request.ServiceReferenceVariant} is not a Service Request of the catalogue.", nameof(command));
        if (definition.NonDevice)
            throw new ArgumentException($"{definition} is a Non-Device request: the DCC answers it, not a device.", nameof(command));

        var deviceId = request.RequestId.Target;
        ForgetIfMovedAway(deviceId, command.Lease.Fence);
        var state = await StateAsync(deviceId, definition, cancellationToken);
        var region = _regions.GetValueOrDefault(deviceId);
        var provider = Providers.For(state.Generation, region);
        var useCase = GbcsUseCases.For(definition, state.Type);
        var now = _clock.GetUtcNow();
        var cv = request.CommandVariant;

        if (cv == CommandVariant.TransformCritical)
            return await TransformAsync(command, definition, useCase, now, cancellationToken);

        ulong counter = request.RequestId.Counter;
        DuisRequest? original = null;
        GbcsMessage? command_ = null;
        if (cv.TakesSignedPreCommand())
        {
            (var signed, original) = await TakeSignedPreCommandAsync(request, definition, take: !ExecutedElsewhere(command) || !cv.SendsOverSmWan(), cancellationToken);
            if (signed is null) return Finish(command, ResponseCode.E51);
            command_ = signed;
            counter = signed.OriginatorCounter;
            // GBCS: the Device checks the Remote Party's signature before it executes a Critical command.
            if (_security is { } security && request.SignedPreCommand is { } body
                && security.CheckRemotePartySignature(body.GbcsPayload.Span, signed) is var check && check != RemotePartySignatureCheck.Valid)
            {
                if (ExecutedElsewhere(command)) return DeviceAcceptance.Acknowledged;
                Enqueue(new PendingCommand(command, deviceId, provider, useCase, counter, original, now + provider.Latency, (ushort)check));
                return DeviceAcceptance.Acknowledged;
            }
            useCase = new GbcsUseCase(useCase is { MessageCode: var c } && c == signed.MessageCode ? useCase.Value.Name : $"0x{signed.MessageCode:X4}", signed.MessageCode);
        }

        DuisResponse? localAnswer = null;
        if (cv.ReturnsLocalCommand())
        {
            // E50 (DUIS 3.5.10 Table 1): no Command for Local Delivery can be returned when the variant has no GBCS Use Case for the device.
            if (useCase is not { } local) return Finish(command, ResponseCode.E50);
            // A Non-Critical command goes out with an empty signature; a Signed Pre-Command with the User's.
            var gbcs = command_ ?? CommandFor(request, local, state.Id, counter, now) with { Signature = ReadOnlyMemory<byte>.Empty };
            localAnswer = DuisResponse.CreateServiceResponse(request.SchemaVersion, request.RequestId, null, ResponseCode.I0, now,
                request.ServiceReference, request.ServiceReferenceVariant, LocalCommand(ToDevice(gbcs)));
        }

        if (!cv.SendsOverSmWan())
        {
            command.Lease.Complete(succeeded: true);
            return new DeviceAcceptance(ResponseCode.I0, localAnswer);
        }

        if (ExecutedElsewhere(command)) return localAnswer is null ? DeviceAcceptance.Acknowledged : new DeviceAcceptance(ResponseCode.I0, localAnswer);

        // Backpressure: past MaxQueued waiting commands the acknowledgement waits for room, so a User
        // sending faster than the devices answer is slowed down instead of the queue (and memory) growing without bound.
        while (Queued >= _options.MaxQueued && Volatile.Read(ref _disposed) == 0)
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        Enqueue(new PendingCommand(command, deviceId, provider, useCase, counter, original, now + provider.Latency));
        return localAnswer is null ? DeviceAcceptance.Acknowledged : new DeviceAcceptance(ResponseCode.I0, localAnswer);
    }

    /// <summary>
    /// Another node sharing the database owns the Device (<see cref="RequestLease.DeviceOwner"/>): this node gives the
    /// synchronous answer only, and the command is handed to the owner, which executes it against the Device's state.
    /// </summary>
    private static bool ExecutedElsewhere(DeviceCommand command) => command.Lease.DeviceOwner is not null;

    private DeviceAcceptance Finish(DeviceCommand command, ResponseCode refusal)
    {
        command.Lease.Complete(succeeded: false);
        LogRefused(_logger, command.Request.RequestId.ToString(), refusal.ToString());
        return new DeviceAcceptance(refusal);
    }

    /// <summary>
    /// Transform (CV 4, DUIS 3.4.2 and 3.5.5): the DCC answers at once with the GBCS Pre-Command the
    /// User is to sign, and remembers it so the Signed Pre-Command can be checked against it.
    /// </summary>
    private async ValueTask<DeviceAcceptance> TransformAsync(DeviceCommand command, ServiceRequestDefinition definition, GbcsUseCase? useCase, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var request = command.Request;
        if (useCase is not { } uc)
        {
            // No GBCS Use Case carries this variant to the device: there is nothing to sign.
            command.Lease.Complete(succeeded: false);
            LogRefused(_logger, request.RequestId.ToString(), $"no GBCS Use Case for {definition}");
            return DeviceAcceptance.Acknowledged;
        }
        var preCommand = CommandFor(request, uc, request.RequestId.Target, request.RequestId.Counter, now);
        var key = new IssuedKey(request.RequestId.Originator, request.RequestId.Target, request.RequestId.Counter);
        var issued = IssuedPreCommand.Of(request, uc, now);
        if (_sharedIssued is { } shared)
        {
            // Kept before the Pre-Command is answered, so its Signed Pre-Command finds it on any node.
            await shared.IssueAsync(issued.ToStored(), cancellationToken);
            await PruneSharedIssuedAsync(shared, now, cancellationToken);
        }
        else
        {
            _issued[key] = issued;
            _issuedOrder.Enqueue((key, now));
            ExpireIssued(now);
        }
        command.Lease.Complete(succeeded: true);

        return new DeviceAcceptance(ResponseCode.I0, DuisResponse.CreatePreCommandResponse(request.SchemaVersion, request.RequestId, now,
            request.ServiceReference, request.ServiceReferenceVariant, _options.GbcsVersion, preCommand.WriteSigned()));
    }

    /// <summary>
    /// A Signed Pre-Command (CV 5, 6, 7): its GBCS Message Code must map to the header's variant and,
    /// where the DCC issued the Pre-Command (matched by originator, device and GBCS counter), it must
    /// correlate with that Pre-Command (the same octets apart from the signature: Correlate, DUIS 3.4.2),
    /// E51 otherwise (DUIS 3.5.10 Table 1; the Message Code is among the octets compared).
    /// </summary>
    /// <remarks>
    /// Where nodes share the database, the node that admits the Signed Pre-Command checks it against the Pre-Command
    /// whichever node issued it; the Pre-Command is taken (forgotten) by the node that executes the command: this
    /// one, or the Device's owner the command is handed to (<paramref name="take"/> false here), which then builds
    /// the command's answer from it as the issuing node would.
    /// </remarks>
    /// <returns>The Signed Pre-Command's GBCS message and the Transform it was issued for (when known); a null message for E51.</returns>
    private async ValueTask<(GbcsMessage? Signed, DuisRequest? Original)> TakeSignedPreCommandAsync(DuisRequest request, ServiceRequestDefinition definition, bool take,
        CancellationToken cancellationToken)
    {
        SignedPreCommand? body;
        try { body = request.SignedPreCommand; }
        catch (DuisFormatException) { return default; }
        if (body is null || !GbcsMessage.TryRead(body.GbcsPayload.Span, out var message, out _) || message.Cra != CraFlag.Command)
            return default;
        if (!GbcsUseCases.Maps(definition, message.MessageCode)) return default;
        var key = new IssuedKey(message.Originator, message.Recipient, message.OriginatorCounter);
        IssuedPreCommand? issued;
        if (_sharedIssued is { } shared)
            issued = await shared.FindAsync(new RequestId(key.Originator, key.Device, key.Counter), take, cancellationToken) is { } stored ? IssuedPreCommand.From(stored) : null;
        else issued = _issued.TryRemove(key, out var kept) ? kept : null;
        if (issued is null) return (message, null);
        var original = issued.Request();
        // The Pre-Command is rebuilt from the remembered Transform, as it was issued (it carries no date-time).
        var preCommand = CommandFor(original, issued.UseCase, message.Recipient, message.OriginatorCounter, issued.At).WriteSigned();
        var correlation = Correlation.Check(preCommand, body.GbcsPayload.Span);
        if (!correlation.Match)
        {
            LogRefused(_logger, request.RequestId.ToString(), correlation.ToString());
            return default;
        }
        return (message, original);
    }

    /// <summary>The shared Pre-Commands older than a day are forgotten, by one look a minute at most (as <see cref="ExpireIssued"/> in memory).</summary>
    private async ValueTask PruneSharedIssuedAsync(Core.Requests.IIssuedPreCommandStore shared, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextIssuedPrune);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextIssuedPrune, now.UtcTicks + TimeSpan.TicksPerMinute, due) != due) return;
        await shared.PruneAsync(now - TimeSpan.FromDays(1), cancellationToken);
    }

    /// <summary>
    /// A Pre-Command is remembered for a day, and at most <see cref="EmulatedSmWanOptions.IssuedPreCommandLimit"/>
    /// of them: past either, the oldest is forgotten and its Signed Pre-Command is checked only against the variant.
    /// </summary>
    private void ExpireIssued(DateTimeOffset now)
    {
        while (_issuedOrder.TryPeek(out var oldest)
               && (now - oldest.At > TimeSpan.FromDays(1) || _issuedOrder.Count > _options.IssuedPreCommandLimit)
               && _issuedOrder.TryDequeue(out oldest))
        {
            // Unless its Signed Pre-Command took it already, or the same key was issued again since.
            if (_issued.TryGetValue(oldest.Key, out var held) && held.At == oldest.At)
                _issued.TryRemove(new KeyValuePair<IssuedKey, IssuedPreCommand>(oldest.Key, held));
        }
    }

    /// <summary>The GBCS command the DCC builds from a Service Request (a Pre-Command until it is signed).</summary>
    private GbcsMessage CommandFor(DuisRequest request, GbcsUseCase useCase, Eui device, ulong counter, DateTimeOffset now)
    {
        var content = Rtds.PreCommand(useCase.MessageCode)?.Content.ToArray()
            ?? (useCase.IsDlms ? [0xD9, .. BitConverterBigEndian(Dlms.InvokeId(counter)), 0x00, 0x00, 0x00] : [0x01, (byte)counter, 0x00]);
        return new GbcsMessage(CraFlag.Command, counter, request.RequestId.Originator, device, null, useCase.MessageCode, content, null, null);
    }

    private static byte[] BitConverterBigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    /// <summary>
    /// A Device this node owns again under a later lease epoch has been another node's meanwhile (rebalanced, or taken
    /// over): what this node still held of it is stale, so it is read again (from the state the other node kept). Only a
    /// shared database has epochs.
    /// </summary>
    private void ForgetIfMovedAway(Eui device, Core.Requests.DeviceFence? fence)
    {
        if (fence is not { } f) return;
        var known = _epochs.GetOrAdd(device, f.Epoch);
        if (f.Epoch <= known) return;
        _epochs[device] = f.Epoch;
        _devices.TryRemove(device, out _);
    }

    private readonly ConcurrentDictionary<Eui, long> _epochs = new();

    private ValueTask<DeviceState> StateAsync(Eui id, ServiceRequestDefinition definition, CancellationToken cancellationToken) =>
        _devices.TryGetValue(id, out var state) ? ValueTask.FromResult(state) : StateAsync(id, (
            // A device the inventory does not hold (only without access control) is taken to be what the variant first targets.
            definition.TargetDeviceTypes.Count > 0 ? definition.TargetDeviceTypes[0] : DeviceType.ESME, DeviceGeneration.Smets2Plus, null), cancellationToken);

    /// <summary>
    /// The Device's state: the one held here, else the one kept in the store (written by this node before a restart,
    /// or by the node that ran the Device before), else a new one from the inventory (or <paramref name="unknown"/>).
    /// </summary>
    private async ValueTask<DeviceState> StateAsync(Eui id, (DeviceType, DeviceGeneration, string?) unknown, CancellationToken cancellationToken)
    {
        if (_devices.TryGetValue(id, out var state)) return state;
        var device = await _inventory.FindDeviceAsync(id, cancellationToken);
        _regions[id] = device?.Region;
        if (_states is not null && await _states.FindDeviceStateAsync(id, cancellationToken) is { } kept)
            return _devices.GetOrAdd(id, DeviceStateDocument.Read(kept));
        var (type, generation, firmware) = device is null ? unknown : (device.Type, device.Generation, device.FirmwareVersion);
        return _devices.GetOrAdd(id, new DeviceState { Id = id, Type = type, Generation = generation, FirmwareVersion = firmware ?? "00000001" });
    }

    private void Enqueue(PendingCommand pending)
    {
        bool wake;
        lock (_gate)
        {
            _queue.Enqueue(pending, (pending.DueAt, Interlocked.Increment(ref _sequence)));
            Volatile.Write(ref _queued, _queue.Count);
            // The worker sleeps until the earliest due command: only one due sooner needs to wake it.
            wake = pending.DueAt < _sleepingUntil;
            if (wake) _sleepingUntil = DateTimeOffset.MinValue;
        }
        if (wake && _wake.CurrentCount == 0) _wake.Release();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var batch = new List<PendingCommand>(_options.BatchSize);
        while (!stop.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            TimeSpan wait;
            lock (_gate)
            {
                while (batch.Count < _options.BatchSize && _queue.TryPeek(out var next, out var due) && due.Item1 <= now)
                    batch.Add(_queue.Dequeue());
                Volatile.Write(ref _queued, _queue.Count);
                wait = _queue.TryPeek(out _, out var first) ? first.Item1 - now : TimeSpan.FromSeconds(1);
                if (wait < TimeSpan.FromMilliseconds(1)) wait = TimeSpan.FromMilliseconds(1);
                if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
                _sleepingUntil = batch.Count == 0 ? now + wait : DateTimeOffset.MinValue;
            }
            if (batch.Count == 0)
            {
                await WaitAsync(now + wait, stop);
                if (stop.IsCancellationRequested) return;
                continue;
            }
            try
            {
                await AnswerAsync(batch, now, stop);
                WriteSucceeded();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                WriteFailed(batch.Count, e);
                foreach (var p in batch) Enqueue(p with { DueAt = now + _options.RetryAfter });
            }
            batch.Clear();
        }
    }

    /// <summary>
    /// A batch's outbox write failed (the database busy, full or away): its commands are tried again after
    /// <see cref="EmulatedSmWanOptions.RetryAfter"/>. Reported to <see cref="Core.Transactions.StorageHealth"/>
    /// (503 and /health while it lasts; its log says it once per change), or said once here without one:
    /// not a stack trace at every retry.
    /// </summary>
    private void WriteFailed(int count, Exception e)
    {
        if (_health is not null) { _health.Failed(Component, e); return; }
        if (_writeFailing) return;
        _writeFailing = true;
        LogBatchFailed(_logger, count, e.GetBaseException().Message);
    }

    private void WriteSucceeded()
    {
        if (_health is not null) { _health.Succeeded(Component); return; }
        if (!_writeFailing) return;
        _writeFailing = false;
        LogBatchWritten(_logger);
    }

    /// <summary>Sleeps until <paramref name="until"/> on the injected clock, or until a command due sooner is queued.</summary>
    private async Task WaitAsync(DateTimeOffset until, CancellationToken stop)
    {
        // Measured from the clock as it is now: it may have moved on since the queue was looked at.
        var wait = until - _clock.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        // Without exceptions: this runs for every wake-up, and a cancelled wait would throw on each.
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var woken = _wake.WaitAsync(either.Token);
        var slept = Task.Delay(wait, _clock, either.Token);
        await Task.WhenAny(woken, slept).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(woken, slept).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AnswerAsync(List<PendingCommand> batch, DateTimeOffset now, CancellationToken stop)
    {
        var entries = new List<OutboxEntry>(batch.Count);
        var next = new Dictionary<Eui, DeviceState>();
        // Each Device's state as the batch found it, and the commands it executed (to run again if a state was stale).
        var before = new Dictionary<Eui, DeviceState>();
        var executed = new List<PendingCommand>(batch.Count);
        var answered = new List<RequestLease>(batch.Count);
        var mismatches = new List<AlertToRaise>();
        var firmwareReports = new List<(PendingCommand Pending, string Version)>();
        var alerting = new List<PendingCommand>();
        var userVersions = new Dictionary<Eui, DuisSchemaVersion>();
        foreach (var pending in batch)
        {
            var outcome = _policy.Decide(pending, now);
            if (outcome.Kind == CommandOutcomeKind.Hold) { Enqueue(pending with { DueAt = outcome.Until }); continue; }
            if (outcome.Kind == CommandOutcomeKind.NoResponse) { LogNoResponse(_logger, pending.Request.RequestId.ToString()); continue; }

            if (!next.TryGetValue(pending.Device, out var state))
                before[pending.Device] = state = await StateAsync(pending.Device, pending.Request.Definition!, stop);
            byte[] body;
            RequestId responseId;
            DeviceState after;
            DuisResponse response;
            try { (body, responseId, after, response) = Respond(pending, state, now); }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or XmlException)
            {
                // One command the device cannot answer must not hold up the others (nor be retried for ever).
                LogCommandFailed(_logger, pending.Request.RequestId.ToString(), e);
                pending.Command.Lease.Complete(succeeded: false);
                continue;
            }
            next[pending.Device] = after;
            executed.Add(pending);
            if (_alerts is not null)
            {
                if (pending.UseCase is not null && DeviceResponseAlerts.ReportsFirmware(pending.Request.ServiceReferenceVariant))
                    firmwareReports.Add((pending, after.FirmwareVersion));
                if (_alerts.Concerns(pending.Request.ServiceReferenceVariant)) alerting.Add(pending);
                // DUIS 3.9.16: a response the User's DUIS version lacks is replaced by N999 naming it.
                var sender = pending.Command.Sender;
                if (!userVersions.TryGetValue(sender, out var userVersion))
                    userVersions[sender] = userVersion = await _alerts.VersionOfAsync(sender, stop);
                if (_alerts.VersionMismatch(response, pending.Request, sender, userVersion) is { } mismatch)
                {
                    mismatches.Add(mismatch with { Fence = pending.Command.Lease.Fence });
                    answered.Add(pending.Command.Lease);
                    continue;
                }
            }
            // The Response ID repeats when a Request ID is reused after its response; the outbox key must not. A command
            // executed again (after a crash, or taken over from a dead node) that had its response written already adds nothing.
            entries.Add(new OutboxEntry($"{responseId}@{pending.Command.AcceptedAt.ToUnixTimeMilliseconds()}", pending.Command.Sender,
                pending.Request.RequestId.ToString(), OutboxKind.ServiceResponse, body) { SkipIfStored = true, Fence = pending.Command.Lease.Fence });
            answered.Add(pending.Command.Lease);
        }
        // Each state is written as its Device's owner under the lease its commands were taken in, as their responses are.
        var fences = new Dictionary<Eui, Core.Requests.DeviceFence>();
        foreach (var pending in executed)
            if (pending.Command.Lease.Fence is { } fence) fences[pending.Device] = fence;
        List<StoredDeviceState> changed = _states is null ? [] : Changed(before, next, fences);
        // An N999 that replaces a response changing its Device's state is written with that state, as the response would be.
        var mismatchesWritten = false;
        while (true)
        {
            try
            {
                // The fences (the outbox write's and the states') and the Devices' new states are checked and written in one transaction.
                if (changed.Count > 0)
                    await _unitOfWork!.RunAsync(async ct =>
                    {
                        if (entries.Count > 0) await _outbox.EnqueueAsync(entries, ct);
                        if (mismatches.Count > 0) await _alerts!.Sink.RaiseAsync(mismatches, ct);
                        await _states!.SaveDeviceStatesAsync(changed, DeviceState.LogCapacity, ct);
                        return true;
                    }, stop);
                else if (entries.Count > 0) await _outbox.EnqueueAsync(entries, stop);
                mismatchesWritten = changed.Count > 0;
                break;
            }
            catch (DeviceStateConflictException e)
            {
                // Another node wrote these Devices since they were read here (it ran them before): nothing was kept;
                // they are read again and the batch's commands run again, with the same ResponseIDs.
                foreach (var id in e.Devices) _devices.TryRemove(id, out _);
                LogStateReread(_logger, string.Join(", ", e.Devices));
                foreach (var pending in executed) Enqueue(pending with { DueAt = now });
                return;
            }
            catch (Core.Requests.DeviceFencedException e)
            {
                // Another node took these Devices while this one stalled past its lease: nothing of theirs is written or
                // applied here, their commands are left to that node, and the rest of the batch is written without them.
                var lost = e.Devices.ToHashSet();
                foreach (var pending in batch.Where(p => lost.Contains(p.Device) && !p.Command.Lease.IsEnded)) pending.Command.Lease.StepDown();
                foreach (var device in lost)
                {
                    next.Remove(device);
                    _devices.TryRemove(device, out _);
                }
                entries.RemoveAll(x => x.Fence is { } f && lost.Contains(f.Device));
                changed.RemoveAll(c => lost.Contains(c.Device));
                answered.RemoveAll(l => l.IsEnded);
                mismatches.RemoveAll(m => m.DeviceId is { } d && lost.Contains(d));
                firmwareReports.RemoveAll(r => lost.Contains(r.Pending.Device));
                alerting.RemoveAll(p => lost.Contains(p.Device));
                LogSteppedDown(_logger, string.Join(", ", lost));
            }
        }
        // Only now, with the responses durable, do the devices hold what the responses report.
        foreach (var (id, state) in next)
            _devices[id] = ReferenceEquals(state, before[id]) || _states is null ? state : state with { Version = before[id].Version + 1 };
        foreach (var lease in answered) lease.Complete(succeeded: true);
        Interlocked.Add(ref _responded, entries.Count);
        if (_alerts is null) return;
        // The responses are durable: a failure here must not send them again with the batch.
        try
        {
            if (!mismatchesWritten) await _alerts.Sink.RaiseAsync(mismatches, stop);
            foreach (var (pending, version) in firmwareReports)
                await _alerts.FirmwareReportedAsync(pending.Device, version, now, pending.Request.RequestId, stop);
            foreach (var pending in alerting) await _alerts.SucceededAsync(pending.Original ?? pending.Request, now, stop);
        }
        catch (Exception e) when (e is not OperationCanceledException) { LogAlertsFailed(_logger, mismatches.Count + firmwareReports.Count + alerting.Count, e); }
    }

    /// <summary>The states a batch changed, as the store keeps them: each the version after the one it was read as, with its new events.</summary>
    private static List<StoredDeviceState> Changed(Dictionary<Eui, DeviceState> before, Dictionary<Eui, DeviceState> next, Dictionary<Eui, Core.Requests.DeviceFence> fences)
    {
        var changed = new List<StoredDeviceState>(next.Count);
        foreach (var (id, after) in next)
        {
            var was = before[id];
            if (!ReferenceEquals(after, was))
                changed.Add(DeviceStateDocument.Store(after, was.Version + 1, DeviceStateDocument.NewEvents(was, after)) with { Fence = fences.TryGetValue(id, out var f) ? f : null });
        }
        return changed;
    }

    /// <summary>The device executes the command; its GBCS response becomes a signed DUIS Service Response (I0, sr:GBCSPayload).</summary>
    private (byte[] Body, RequestId ResponseId, DeviceState Next, DuisResponse Response) Respond(PendingCommand pending, DeviceState state, DateTimeOffset now)
    {
        var request = pending.Request;
        var responseId = new RequestId(pending.Device, request.RequestId.Originator, request.RequestId.Counter);
        if (pending.DiscardedWith is { } alertCode)
        {
            // Not executed: the Device sends the Remote Party a General Critical Alert instead, which reaches the User as a Device Alert.
            var alert = DeviceAlertFor(pending, state, alertCode, now);
            var deviceAlert = DuisResponse.CreateDeviceAlert(request.SchemaVersion, alertCode, alert, now, request.RequestId, responseId);
            return (deviceAlert.ToSignedBytes(_dspKey), responseId, state, deviceAlert);
        }
        if (pending.Provider.Kind == SmWanProviderKind.Smets1ServiceProvider)
        {
            // R-S1-1: the SMETS1 Service Provider answers for its Device, with the MMC body it signs itself.
            var s1Next = pending.UseCase is { } s1UseCase
                ? DeviceBehaviour.Execute(state, request, pending.Original, s1UseCase, pending.GbcsCounter, now, Rtds).Next
                : state.Logged(new DeviceEvent(now, request.ServiceReferenceVariant, request.RequestId));
            var message = _smets1.Respond(request, s1Next, pending.GbcsCounter, now, pending.Command.Schedule?.Value);
            var smets1 = DuisResponse.CreateSmets1Response(request.SchemaVersion, request.RequestId, responseId, ResponseCode.I0, now, message);
            return (smets1.ToSignedBytes(_dspKey), responseId, s1Next, smets1);
        }
        DuisResponse response;
        DeviceState next;
        if (pending.UseCase is { } useCase)
        {
            var execution = DeviceBehaviour.Execute(state, request, pending.Original, useCase, pending.GbcsCounter, now, Rtds);
            next = execution.Next;
            var gbcs = new GbcsMessage(CraFlag.Response, pending.GbcsCounter, pending.Device, request.RequestId.Originator, now,
                useCase.MessageCode, execution.Content, ReadOnlyMemory<byte>.Empty, null);
            // DUIS 3.5.7: a DCC Schedule's responses carry its DSPScheduleID.
            response = DuisResponse.CreateDeviceResponse(request.SchemaVersion, request.RequestId, responseId, now, request.ServiceReference,
                request.ServiceReferenceVariant, FromDevice(gbcs, request.Definition?.Critical == true), pending.Command.Schedule?.Value);
        }
        else
        {
            next = state.Logged(new DeviceEvent(now, request.ServiceReferenceVariant, request.RequestId));
            response = DuisResponse.CreateServiceResponse(request.SchemaVersion, request.RequestId, responseId, ResponseCode.I0, now,
                request.ServiceReference, request.ServiceReferenceVariant, null);
        }
        return (response.ToSignedBytes(_dspKey), responseId, next, response);
    }

    /// <summary>A Device's response as sent: MAC'd, or Device-signed for a Critical command (stand-in MAC without GBCS keys).</summary>
    private byte[] FromDevice(GbcsMessage message, bool critical) =>
        _security?.FromDevice(message, critical, segment => Rtds.PlaintextOf(segment.Span)) ?? (message with { Mac = DeviceGbcsSecurity.StandInMac(message.OriginatorCounter) }).Write();

    /// <summary>A command as the DCC sends it to a Device: MAC'd by the ACB (stand-in MAC without GBCS keys).</summary>
    private byte[] ToDevice(GbcsMessage command) =>
        _security?.ToDevice(command) ?? (command with { Mac = DeviceGbcsSecurity.StandInMac(command.OriginatorCounter) }).Write();

    /// <summary>
    /// The General Critical Alert (Message Code 0x1000) a Device sends when it discards a command, laid
    /// out as RTDS GCA-DLMS / GCA-ZigBee (alert code 0x8F30) are: DLMS data-notification for an ESME, GBZ
    /// otherwise; signed by the Device.
    /// </summary>
    private byte[] DeviceAlertFor(PendingCommand pending, DeviceState state, ushort alertCode, DateTimeOffset now)
    {
        const ushort GeneralCriticalAlert = 0x1000;
        var counter = (_security?.AlertCounters ?? _alertCounters).Next(pending.Device);
        byte[] content;
        if (state.Type == DeviceType.ESME)
        {
            var w = new List<byte> { 0x0F };
            w.AddRange(BitConverterBigEndian(Dlms.InvokeId(counter)));
            w.AddRange([0x00, 0x02, 0x02, 0x12, (byte)(alertCode >> 8), (byte)alertCode]);
            w.AddRange(Dlms.Octets(DlmsDateTime.Octets(now)));
            content = [.. w];
        }
        else
        {
            var seconds = (uint)(now.UtcDateTime - new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds; // ZigBee UTC time
            content = [0x01, 0x09, 0x00, (byte)(alertCode >> 8), (byte)alertCode, .. BitConverterBigEndian(seconds)];
        }
        var alert = new GbcsMessage(CraFlag.Alert, counter, pending.Device, pending.Request.RequestId.Originator, now, GeneralCriticalAlert, content, null, null);
        return FromDevice(alert, critical: true);
    }

    private static XmlElement LocalCommand(byte[] gbcs)
    {
        var doc = new XmlDocument();
        var element = Sr(doc, "LocalCommand");
        element.AppendChild(Sr(doc, "GBCSPayload", Convert.ToBase64String(gbcs)));
        return element;
    }

    private static XmlElement Sr(XmlDocument doc, string name, string? text = null)
    {
        var e = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, DuisNamespaces.ServiceUserGateway);
        if (text is not null) e.InnerText = text;
        return e;
    }

    private readonly record struct IssuedKey(Eui Originator, Eui Device, ulong Counter);

    /// <summary>
    /// What is remembered of a Transform: its header fields and its body as Brotli-compressed UTF-8. Up to
    /// <see cref="EmulatedSmWanOptions.IssuedPreCommandLimit"/> are held, each until its Signed Pre-Command
    /// comes or it expires, so they outlive every young collection: as text, tariff-sized bodies made them
    /// most of what the GC promoted and most of the heap under load; compressed they are a tenth of that.
    /// </summary>
    private sealed record IssuedPreCommand(DuisSchemaVersion SchemaVersion, RequestId RequestId, CommandVariant CommandVariant,
        ServiceReference ServiceReference, ServiceReferenceVariant ServiceReferenceVariant, byte[] Body, int BodyLength, GbcsUseCase UseCase, DateTimeOffset At)
    {
        // Quality 1: a few microseconds per kilobyte, and XML still shrinks several times.
        private const int Quality = 1, Window = 22;
        // The body is kept as its exclusive canonical form, written into this thread's pooled buffer: a standalone
        // document (every namespace it uses declared in it) that loads as the body did, without the string, its
        // builder and its UTF-8 copy that OuterXml made for every Transform.
        [ThreadStatic] private static Canonicalizer? _canonicalizer;

        public static IssuedPreCommand Of(DuisRequest request, GbcsUseCase useCase, DateTimeOffset at)
        {
            var text = (_canonicalizer ??= new Canonicalizer()).CanonicaliseExclusive(request.Body);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(text.Length));
            try
            {
                if (!BrotliEncoder.TryCompress(text, buffer, out var written, Quality, Window))
                    throw new InvalidOperationException("Brotli could not compress a Transform's body into its maximum compressed length.");
                return new(request.SchemaVersion, request.RequestId, request.CommandVariant, request.ServiceReference, request.ServiceReferenceVariant,
                    buffer.AsSpan(0, written).ToArray(), text.Length, useCase, at);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public Core.Requests.StoredPreCommand ToStored() =>
            new(SchemaVersion, RequestId, CommandVariant, ServiceReference, ServiceReferenceVariant, Body, BodyLength, UseCase.Name, UseCase.MessageCode, At);

        public static IssuedPreCommand From(Core.Requests.StoredPreCommand s) =>
            new(s.SchemaVersion, s.TransformId, s.CommandVariant, s.ServiceReference, s.ServiceReferenceVariant, s.Body, s.BodyLength,
                new GbcsUseCase(s.UseCase, s.MessageCode), s.IssuedAt);

        public DuisRequest Request()
        {
            var text = new byte[BodyLength];
            if (!BrotliDecoder.TryDecompress(Body, text, out var written) || written != BodyLength)
                throw new InvalidOperationException($"The remembered body of Transform {RequestId} does not decompress to its {BodyLength} bytes.");
            // The request's own secure load, as the body was first read: whitespace kept, no DTD, no resolver.
            var document = Protocol.Xml.SecureXml.Default.Load(text);
            return new DuisRequest(SchemaVersion, RequestId, CommandVariant, ServiceReference, ServiceReferenceVariant, document.DocumentElement!);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId} refused by the network: {Reason}")]
    private static partial void LogRefused(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Another node took Device(s) {Devices} while this node stalled past its lease: their responses are not written here, and their commands are left to that node")]
    private static partial void LogSteppedDown(ILogger logger, string devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId}: the device does not respond")]
    private static partial void LogNoResponse(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device request {RequestId} could not be answered; it is dropped")]
    private static partial void LogCommandFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Raising the DCC Alerts owed for {Count} device responses failed")]
    private static partial void LogAlertsFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} device responses to the outbox failed ({Reason}); they are tried again until it writes")]
    private static partial void LogBatchFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The state of Device(s) {Devices} was written by another node since it was read here: read again, and their commands run again")]
    private static partial void LogStateReread(ILogger logger, string devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox takes the device responses again")]
    private static partial void LogBatchWritten(ILogger logger);
}
