namespace OpenDuis.Core.Inventory;

/// <summary>
/// Told of Devices newly added to the Smart Metering Inventory (12.2 Device Pre-notification), within
/// the request's unit of work: e.g. to issue the emulated Device its own keys and Device Certificates.
/// A failure fails the request, and nothing of it is kept.
/// </summary>
public interface IDeviceAdditionListener
{
    Task DevicesAddedAsync(IReadOnlyList<Device> devices, CancellationToken cancellationToken = default);
}
