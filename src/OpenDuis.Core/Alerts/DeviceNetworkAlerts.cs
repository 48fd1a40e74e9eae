using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// DCC Alerts raised by what happens on the Smart Metering WAN, with their recipients resolved
/// (DccAlertCatalogue): one call per event for the emulated network and its fault injection.
/// </summary>
public sealed class DeviceNetworkAlerts(ISmiStore store, IDccAlertSink sink)
{
    private readonly AlertRecipients _recipients = new(store);

    /// <summary>AD1 PowerOutageEvent (DUIS 3.9.2) to the Network Operator of the meter behind <paramref name="commsHub"/>'s ESME.</summary>
    public async Task<IReadOnlyList<AlertToRaise>> PowerOutageAsync(Eui commsHub, DateTimeOffset startedAt, CancellationToken cancellationToken = default)
    {
        var hub = await DeviceAsync(commsHub, cancellationToken);
        var alerts = new List<AlertToRaise>();
        foreach (var mpxn in await _recipients.MpxnsOfAsync(hub, cancellationToken))
        {
            if (mpxn.Fuel != Fuel.Electricity) continue;
            var body = new PowerOutageEvent(commsHub, startedAt, mpxn.ToString());
            foreach (var user in await _recipients.UsersAsync(mpxn, RegisteredRole.NetworkOperator, startedAt, cancellationToken))
                alerts.Add(new AlertToRaise(DccAlertCode.Parse("AD1"), body, user) { DeviceId = commsHub });
        }
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }

    /// <summary>
    /// N54 DualBandCHAlert with E59 (DUIS 3.5.10 Table 1, 3.9.14) for a Dual Band CHF Sub GHz alert
    /// (0x8F20, 0x8F22, 0x8F24, 0x8F29, 0x8F2B, 0x8F2C, 0x8F2D) to the Registered Suppliers of the hub's meters.
    /// </summary>
    public async Task<IReadOnlyList<AlertToRaise>> DualBandAsync(DualBandChAlert alert, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var hub = await DeviceAsync(alert.ChfDeviceId, cancellationToken);
        var alerts = (await _recipients.UsersOfDeviceAsync(hub, RegisteredRole.Supplier, at, cancellationToken))
            .Select(u => new AlertToRaise(DccAlertCode.Parse("N54"), alert, u) { ResponseCode = ResponseCode.E59, DeviceId = hub.Id }).ToArray();
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }

    /// <summary>
    /// A Command that failed (DUIS 3.9.5) to the request's originator: <paramref name="code"/> one of
    /// the CommandFailure codes, <paramref name="responseCode"/> why — E58 (N53) when the CHF could not
    /// deliver it to the ESME (alert 0x8F84), E20/E21 unreachable or silent, E30/E31 Future Dated or
    /// DCC Scheduled timeouts.
    /// </summary>
    public async Task<AlertToRaise> CommandFailedAsync(DccAlertCode code, RequestId request, ResponseCode responseCode, DspScheduleId? schedule = null,
        CancellationToken cancellationToken = default, Requests.DeviceFence? fence = null)
    {
        var alert = new AlertToRaise(code, new CommandFailure(request, request.Target, schedule?.Value), request.Originator)
            { ResponseCode = responseCode, RequestId = request, DeviceId = request.Target, Fence = fence };
        await sink.RaiseAsync([alert], cancellationToken);
        return alert;
    }

    /// <summary>
    /// An S1SP Alert conveyed as S1SPAlertDSP (DUIS 3.9.15) to the request's originator: N55 with E62
    /// for a validation error or notification, N56 with I0 for a prepayment UTRN (SRV 2.2).
    /// </summary>
    public async Task<AlertToRaise> S1SpAlertAsync(RequestId request, SignedS1SpAlert s1spAlert, bool utrn, DspScheduleId? schedule = null,
        CancellationToken cancellationToken = default, Requests.DeviceFence? fence = null)
    {
        var alert = new AlertToRaise(DccAlertCode.Parse(utrn ? "N56" : "N55"), new S1SpAlertDsp(s1spAlert, schedule?.Value), request.Originator)
            { ResponseCode = utrn ? ResponseCode.I0 : ResponseCode.E62, RequestId = request, DeviceId = request.Target, Fence = fence };
        await sink.RaiseAsync([alert], cancellationToken);
        return alert;
    }

    private async Task<Device> DeviceAsync(Eui id, CancellationToken cancellationToken) =>
        await store.FindDeviceAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"Device {id} is not in the Smart Metering Inventory.");
}
