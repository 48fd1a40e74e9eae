using System.Globalization;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Network.Devices;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Network.Events;

/// <summary>An event as the admin API and the CLI take it: the kind's name and its parameters as text.</summary>
public sealed record DeviceEventInput(string? Kind, string? AlertCode = null, string? FirmwareVersion = null, string? OtherDevice = null,
    string? RequestId = null, string? Code = null, bool? Activated = null);

/// <summary>An event checked against its <see cref="DeviceEventDefinition"/>: every parameter it needs, each well formed.</summary>
public sealed record DeviceEventRequest(DeviceEventDefinition Definition)
{
    public ushort? AlertCode { get; init; }
    public string? FirmwareVersion { get; init; }
    public Eui? OtherDevice { get; init; }
    public RequestId? RequestId { get; init; }
    public string? Code { get; init; }
    public bool Activated { get; init; }

    /// <summary>Reads <paramref name="input"/>; false with the reason when the kind is unknown or a parameter is missing, malformed or not the event's.</summary>
    public static bool TryParse(DeviceEventInput? input, out DeviceEventRequest request, out string problem)
    {
        request = null!;
        if (!DeviceEventKinds.TryFind(input?.Kind, out var definition))
        {
            problem = $"'{input?.Kind}' is not a device event ({string.Join(", ", DeviceEventKinds.Names)}).";
            return false;
        }
        var given = new Dictionary<DeviceEventParameter, string>();
        void Take(DeviceEventParameter p, string? text) { if (!string.IsNullOrWhiteSpace(text)) given[p] = text.Trim(); }
        Take(DeviceEventParameter.AlertCode, input!.AlertCode);
        Take(DeviceEventParameter.FirmwareVersion, input.FirmwareVersion);
        Take(DeviceEventParameter.OtherDevice, input.OtherDevice);
        Take(DeviceEventParameter.RequestId, input.RequestId);
        Take(DeviceEventParameter.Code, input.Code);
        if (input.Activated == true) given[DeviceEventParameter.Activated] = "true";

        var missing = definition.Required.Where(p => !given.ContainsKey(p)).ToArray();
        if (missing.Length > 0)
        {
            problem = $"{definition.Name} needs {string.Join(" and ", missing.Select(DeviceEventKinds.OptionName))}.";
            return false;
        }
        var foreign = given.Keys.Where(p => !definition.Required.Contains(p) && !definition.Optional.Contains(p)).ToArray();
        if (foreign.Length > 0)
        {
            problem = $"{definition.Name} takes no {string.Join(" or ", foreign.Select(DeviceEventKinds.OptionName))}.";
            return false;
        }

        var parsed = new DeviceEventRequest(definition) { Activated = given.ContainsKey(DeviceEventParameter.Activated) };
        if (given.TryGetValue(DeviceEventParameter.AlertCode, out var alert))
        {
            var hex = alert.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? alert[2..] : alert;
            if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                return Fail(out problem, $"--alert-code '{alert}' is not a two-octet device alert code (hex, e.g. 0x8F1C).");
            parsed = parsed with { AlertCode = code };
        }
        if (given.TryGetValue(DeviceEventParameter.FirmwareVersion, out var version))
        {
            if (version.Length > 8)
                return Fail(out problem, $"--firmware-version '{version}' is not a firmware version (sr:FirmwareVersion: 1 to 8 characters).");
            parsed = parsed with { FirmwareVersion = version };
        }
        if (given.TryGetValue(DeviceEventParameter.OtherDevice, out var other))
        {
            if (!Eui.TryParse(other, out var otherId))
                return Fail(out problem, $"--other-device '{other}' is not a Device ID (an EUI-64, e.g. 00-DB-12-34-56-78-90-A0).");
            parsed = parsed with { OtherDevice = otherId };
        }
        if (given.TryGetValue(DeviceEventParameter.RequestId, out var requestId))
        {
            if (!Protocol.Domain.RequestId.TryParse(requestId, out var id))
                return Fail(out problem, $"--request-id '{requestId}' is not a Request ID (originator:target:counter, DUIS 3.3).");
            parsed = parsed with { RequestId = id };
        }
        if (given.TryGetValue(DeviceEventParameter.Code, out var ecos)) parsed = parsed with { Code = ecos };
        request = parsed;
        problem = "";
        return true;
    }

    private static bool Fail(out string problem, string text)
    {
        problem = text;
        return false;
    }
}

/// <summary>What an event raised for one User: the DCC Alert Code (N39…), or the Device Alert Code (0x8F35…) of a Device's own alert.</summary>
public sealed record RaisedAlert(string Code, Eui Recipient);

/// <summary>An event that cannot happen on the Device named (not in the SMI, or not a Device of that kind); the message says why.</summary>
public sealed class DeviceEventRefusedException(string message) : Exception(message);

/// <summary>
/// Device event injection: makes a Device, its Communications Hub, its CSP or the ECoS Party do
/// something of its own accord (<see cref="DeviceEventKinds"/>), and raises the DCC Alert the event
/// defines, with its body, to the recipients DccAlertCatalogue gives, through the alert sink. An
/// event that changes what the Device holds changes it in the emulated SM WAN too (a Communications
/// Hub's activated firmware version is what it then reports; a hub without power leaves it and the
/// Devices behind it unreachable).
/// </summary>
/// <param name="network">The emulated SM WAN whose device state events change; without it only alerts are raised.</param>
/// <param name="faults">The injected faults a power outage sets (the hub and the Devices behind it unreachable); without them it raises AD1 only.</param>
/// <param name="smets1Alerts">What carries a SMETS1 Device's own alerts (device-alert); without it that event is refused.</param>
public sealed class DeviceEvents(ISmiStore store, IDccAlertSink sink, TimeProvider clock, EmulatedSmWan? network = null, DeviceFaults? faults = null,
    Smets1.Smets1DeviceAlerts? smets1Alerts = null)
{
    private readonly AlertRecipients _recipients = new(store);
    private readonly DeviceNetworkAlerts _networkAlerts = new(store, sink);

    /// <summary>Raises <paramref name="request"/> on <paramref name="deviceId"/>; returns the alerts raised (none when the event has no recipient).</summary>
    /// <exception cref="DeviceEventRefusedException">The Device is not in the SMI, or the event cannot happen on it.</exception>
    public async Task<IReadOnlyList<RaisedAlert>> RaiseAsync(Eui deviceId, DeviceEventRequest request, CancellationToken cancellationToken = default)
    {
        var definition = request.Definition;
        var device = await store.FindDeviceAsync(deviceId, cancellationToken)
            ?? throw new DeviceEventRefusedException($"Device {deviceId} is not in the Smart Metering Inventory.");
        if (!definition.DeviceTypes.Contains(device.Type))
            throw new DeviceEventRefusedException($"{definition.Name} happens on a Device of type {string.Join(" or ", definition.DeviceTypes)}; Device {deviceId} is of type {device.Type}.");
        if (definition.Generation is { } generation && device.Generation != generation)
            throw new DeviceEventRefusedException($"{definition.Name} happens on a {Text(generation)} Device; Device {deviceId} is {Text(device.Generation)}.");

        var now = clock.GetUtcNow();
        if (definition.Kind == DeviceEventKind.PowerOutage)
        {
            var outage = await _networkAlerts.PowerOutageAsync(deviceId, now, cancellationToken);
            await PowerOffAsync(device, cancellationToken);
            return Raised(outage);
        }
        if (definition.Kind == DeviceEventKind.DeviceAlert)
        {
            var carrier = smets1Alerts ?? throw new DeviceEventRefusedException("No SMETS1 Service Provider is running to carry the Device's alert (serve without --no-network).");
            var code = request.AlertCode!.Value;
            var written = await carrier.RaiseAsync(deviceId, code, await SuppliersAsync(device, now, cancellationToken), now, cancellationToken);
            return [.. written.Select(id => new RaisedAlert($"0x{code:X4}", id.Target))];
        }
        var alertCode = definition.AlertCode!.Value;

        (DccAlertBody Body, IReadOnlyList<Eui> Recipients) raised = definition.Kind switch
        {
            DeviceEventKind.PpmidAlert => (new PpmidAlert(deviceId, request.AlertCode!.Value, now,
                request.FirmwareVersion is { } v ? new PpmidFirmwareUpgrade(v, request.Activated) : null), await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.CommsHubAlert => (new CommsHubAlert(deviceId, request.AlertCode!.Value, now, await TransferAsync(request, cancellationToken)),
                await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.ChfLogRestored or DeviceEventKind.GpfLogRestored => (await RestoredAsync(device, request, cancellationToken),
                await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.Smets1ChFirmware => (new Smets1ChFirmwareNotification(deviceId, request.FirmwareVersion!,
                request.Activated ? Smets1ChFirmwareStatus.ActivationSuccessful : Smets1ChFirmwareStatus.UpdateRequested), await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.AlcsConfigurationChange => (new AlcsHcalcsConfigurationChange(deviceId),
                await SuppliersAndNetworkOperatorsAsync(device, now, cancellationToken)),
            DeviceEventKind.FirmwareUpgradeRequested => (new FirmwareUpgradeRequested(device.Type, request.FirmwareVersion!, [deviceId]),
                await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.CspFirmwareDelivered or DeviceEventKind.CspFirmwareFailed => (new CspFirmwareDeliveryStatus(request.RequestId!.Value,
                device.Type == DeviceType.CHF ? deviceId : device.CommsHub ?? deviceId, deviceId, request.FirmwareVersion!, now,
                definition.Kind == DeviceEventKind.CspFirmwareDelivered), [request.RequestId!.Value.Originator]),
            DeviceEventKind.EcosAlert => (new EcosAlert(EcosAlertId(request.RequestId!.Value, now), request.Code!, deviceId, request.RequestId),
                [request.RequestId!.Value.Originator]),
            DeviceEventKind.ChFirmwareActivated => (new CommsHubFirmwareActivation(deviceId, request.FirmwareVersion!),
                await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.CosCertificate => (new CosCertificateAlert(deviceId), await SuppliersAsync(device, now, cancellationToken)),
            DeviceEventKind.SmkiRecoveryAcb => (new DeviceStatusChangeEvent(deviceId, new DeviceStatusChange.RecoveryCompleteAcbCredentials(
                    [DeviceCertificateType.DigitalSigning, DeviceCertificateType.KeyAgreement],
                    device.Type == DeviceType.ESME ? [DeviceCertificateType.DigitalSigning, DeviceCertificateType.KeyAgreement] : null)),
                await SuppliersAndNetworkOperatorsAsync(device, now, cancellationToken)),
            _ => throw new DeviceEventRefusedException($"{definition.Name} raises no alert."),
        };

        var alerts = raised.Recipients.Select(r => new AlertToRaise(alertCode, raised.Body, r) { DeviceId = deviceId, RequestId = request.RequestId }).ToArray();
        await sink.RaiseAsync(alerts, cancellationToken);
        // The hub reports what it activated (a later Read Firmware Version); the SMI keeps its own record, as N49–N51 compare.
        if (request.Activated || definition.Kind == DeviceEventKind.ChFirmwareActivated)
            if (request.FirmwareVersion is { } activated && definition.Kind != DeviceEventKind.PpmidAlert)
                if (network is not null) await network.ChangeDeviceAsync(device, s => s with { FirmwareVersion = activated }, cancellationToken);
        return Raised(alerts);
    }

    private static RaisedAlert[] Raised(IEnumerable<AlertToRaise> alerts) => [.. alerts.Select(a => new RaisedAlert(a.Code.Code, a.Recipient))];

    /// <summary>
    /// Without power the Communications Hub carries nothing: it, its GPF and the Devices in its Device
    /// Log become unreachable (E20) until the operator clears their faults (power restored).
    /// </summary>
    private async Task PowerOffAsync(Device hub, CancellationToken cancellationToken)
    {
        if (faults is null) return;
        var behind = new List<Eui> { hub.Id };
        if (await GpfBehindAsync(hub.Id, cancellationToken) is { } gpf) behind.Add(gpf);
        foreach (var entry in await store.DeviceLogAsync(hub.Id, cancellationToken))
            if (!behind.Contains(entry.Device)) behind.Add(entry.Device);
        foreach (var id in behind) await faults.SetAsync(id, DeviceFault.Unreachable, cancellationToken);
    }

    private static string Text(DeviceGeneration generation) => generation == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+";

    private Task<IReadOnlyList<Eui>> SuppliersAsync(Device device, DateTimeOffset at, CancellationToken cancellationToken) =>
        _recipients.UsersOfDeviceAsync(device, RegisteredRole.Supplier, at, cancellationToken);

    private async Task<IReadOnlyList<Eui>> SuppliersAndNetworkOperatorsAsync(Device device, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var users = new List<Eui>(await SuppliersAsync(device, at, cancellationToken));
        foreach (var u in await _recipients.UsersOfDeviceAsync(device, RegisteredRole.NetworkOperator, at, cancellationToken))
            if (!users.Contains(u)) users.Add(u);
        return users;
    }

    /// <summary>sr:FirmwareTransferAlert when the hub's alert reports a transfer to another Device (both --other-device and --firmware-version).</summary>
    private async Task<FirmwareTransferAlert?> TransferAsync(DeviceEventRequest request, CancellationToken cancellationToken)
    {
        if (request.OtherDevice is not { } other) return null;
        if (await store.FindDeviceAsync(other, cancellationToken) is null)
            throw new DeviceEventRefusedException($"Device {other} (--other-device) is not in the Smart Metering Inventory.");
        if (request.FirmwareVersion is not { } version)
            throw new DeviceEventRefusedException("A firmware transfer to --other-device needs --firmware-version.");
        return new FirmwareTransferAlert(other, version, FirmwareTransferResult.FileTransferSuccess, request.RequestId);
    }

    /// <summary>
    /// sr:DeviceLogRestored: the replaced hub (--other-device) and this one, each with the GPF the SMI
    /// records behind it (DUIS 3.9.9 names both Communications Hub Functions and both GPFs).
    /// </summary>
    private async Task<DeviceLogRestored> RestoredAsync(Device hub, DeviceEventRequest request, CancellationToken cancellationToken)
    {
        var old = request.OtherDevice!.Value;
        if (await store.FindDeviceAsync(old, cancellationToken) is not { Type: DeviceType.CHF })
            throw new DeviceEventRefusedException($"Device {old} (--other-device) is not a Communications Hub Function in the Smart Metering Inventory.");
        var newGpf = await GpfBehindAsync(hub.Id, cancellationToken)
            ?? throw new DeviceEventRefusedException($"The Smart Metering Inventory holds no GPF behind Communications Hub {hub.Id}.");
        var oldGpf = await GpfBehindAsync(old, cancellationToken)
            ?? throw new DeviceEventRefusedException($"The Smart Metering Inventory holds no GPF behind Communications Hub {old}.");
        var log = request.Definition.Kind == DeviceEventKind.ChfLogRestored ? RestoredDeviceLog.Chf : RestoredDeviceLog.Gpf;
        return new DeviceLogRestored(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), log, old, hub.Id, oldGpf, newGpf);
    }

    private async Task<Eui?> GpfBehindAsync(Eui hub, CancellationToken cancellationToken)
    {
        await foreach (var d in store.ReadDevicesAsync(cancellationToken))
            if (d.Type == DeviceType.GPF && d.CommsHub == hub) return d.Id;
        return null;
    }

    /// <summary>The ECoS Party's identifier of its alert (sr:AlertID, a Request ID): the request's parties and a counter from the clock.</summary>
    private static RequestId EcosAlertId(RequestId about, DateTimeOffset at) =>
        new(about.Target, about.Originator, (ulong)at.ToUnixTimeMilliseconds());
}
