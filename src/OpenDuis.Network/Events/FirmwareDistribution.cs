using System.Xml;
using OpenDuis.Core.Alerts;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Requests;
using OpenDuis.Network.Execution;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Network.Events;

/// <summary>
/// Update Firmware (11.1, DUIS 3.8.128): the DCC hands the image to the CSP of each Device's region to
/// distribute. Where a CSP cannot reach some of the Devices (an injected unreachable or no-response
/// fault), the sender receives FirmwareDistributionFailure naming them (DUIS 3.9.6), one alert per CSP
/// region with that region's code (N18–N23, DccAlertCatalogue.FirmwareDistributionFailureCode).
/// </summary>
public sealed class FirmwareDistribution(IInventoryStore inventory, IDccAlertSink sink, DeviceFaults faults) : INonDeviceService
{
    public static readonly ServiceReferenceVariant UpdateFirmware = ServiceReferenceVariant.Parse("11.1");

    public IReadOnlyCollection<ServiceReferenceVariant> Variants { get; } = [UpdateFirmware];

    /// <summary>SR 11.1 is acknowledged (I99); Devices the CSPs cannot reach are reported afterwards as N18–N23.</summary>
    public async ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        await DistributeAsync(request, cancellationToken).ConfigureAwait(false);
        return NonDeviceResult.Acknowledged;
    }

    /// <summary>Distributes the image of <paramref name="request"/>; returns the alerts raised for the Devices the CSPs could not reach.</summary>
    public async Task<IReadOnlyList<AlertToRaise>> DistributeAsync(DuisRequest request, CancellationToken cancellationToken = default)
    {
        var list = request.Body.FirstElement("DeviceIDList", DuisNamespaces.ServiceUserGateway)?.InnerText ?? "";
        var failed = new Dictionary<DccAlertCode, List<Eui>>();
        foreach (var text in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Eui.TryParse(text, out var id)) continue;
            if (faults.Find(id) is not { Mode: DeviceFaultMode.Unreachable or DeviceFaultMode.NoResponse }) continue;
            if (await inventory.FindDeviceAsync(id, cancellationToken) is not { Region: { } region }) continue;
            if (DccAlertCatalogue.FirmwareDistributionFailureCode(region) is not { } code) continue;
            if (!failed.TryGetValue(code, out var devices)) failed[code] = devices = [];
            devices.Add(id);
        }
        var id0 = request.RequestId;
        var alerts = failed.Select(f => new AlertToRaise(f.Key, new FirmwareDistributionFailure(id0, f.Value), id0.Originator) { RequestId = id0 }).ToArray();
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }
}
