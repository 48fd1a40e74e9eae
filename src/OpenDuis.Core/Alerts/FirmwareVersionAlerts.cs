using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// FirmwareVersionMismatch alerts N49–N52 (DUIS 3.9.1 Table 2, 3.9.13): when the firmware version
/// a Device reports (Read Firmware Version, Activate Firmware, a Future Dated Firmware Activation
/// Alert) differs from the one in the SMI, the Registered Supplier is told, with the code chosen by
/// the Central Products List status of the reported version: N49 "Current", N50 "Removed", N51 not
/// on the CPL; N52 when a GSME's version read through the GPF differs.
/// </summary>
public sealed class FirmwareVersionAlerts(ISmiStore store, IDccAlertSink sink)
{
    private readonly AlertRecipients _recipients = new(store);

    /// <param name="readThroughGpf">The GSME's version was read with the GPF as target (N52).</param>
    /// <param name="request">The Service Request the version was reported in, if any (named in the alert header).</param>
    public async Task<IReadOnlyList<AlertToRaise>> VersionReportedAsync(Eui deviceId, string reportedVersion, DateTimeOffset at,
        bool readThroughGpf = false, RequestId? request = null, CancellationToken cancellationToken = default)
    {
        var device = await store.FindDeviceAsync(deviceId, cancellationToken) ?? throw new KeyNotFoundException($"Device {deviceId} is not in the Smart Metering Inventory.");
        if (device.FirmwareVersion is not { } smiVersion || string.Equals(smiVersion, reportedVersion, StringComparison.Ordinal)) return [];

        CplFirmwareStatus? status = null;
        if (device is { Manufacturer: { } manufacturer, Model: { } model }
            && await store.FindProductAsync(manufacturer, model, reportedVersion, cancellationToken) is { } product)
            status = product.Status == CplStatus.Current ? CplFirmwareStatus.Current : CplFirmwareStatus.Removed;
        // A GSME's version reaches the DCC through the GPF (our reading of DUIS 3.9.13): N52.
        var code = DccAlertCatalogue.FirmwareMismatchCode(readThroughGpf || device.Type == DeviceType.GSME, status);
        var body = new FirmwareVersionMismatch(device.Id, device.Type, smiVersion, reportedVersion);

        var alerts = (await _recipients.UsersOfDeviceAsync(device, RegisteredRole.Supplier, at, cancellationToken))
            .Select(u => new AlertToRaise(code, body, u) { DeviceId = device.Id, RequestId = request }).ToArray();
        await sink.RaiseAsync(alerts, cancellationToken);
        return alerts;
    }
}
