using System.Numerics;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// The data folder's Device keys as the server uses them: the emulated network's
/// <see cref="IDeviceCredentials"/>, the SMKI Repository's Device Certificates, and the issuing of keys
/// to Devices pre-notified (12.2). A Device of the inventory that has no keys yet (a data folder made
/// before Devices held keys) is issued them when first asked for.
/// </summary>
public sealed class InventoryDeviceKeys(DeviceKeyStore keys, SmiCache? inventory = null)
    : IDeviceCredentials, IDeviceCertificateDirectory, IDeviceAdditionListener, IDeviceAlertCounters
{
    public ulong Next(Eui device) => keys.AlertCounters.Next(device);

    public DeviceKeyStore Store => keys;

    public DeviceCredentials? Find(Eui device) =>
        keys.Find(device) ?? (inventory is not null && inventory.TryGetDevice(device, out _) ? keys.Ensure(device) : null);

    public IReadOnlyList<RepositoryCertificate> ForDevice(Eui device) =>
        Find(device) is { } credentials
            ? [Lodged(credentials.DigitalSigningCertificate), Lodged(credentials.KeyAgreementCertificate)]
            : [];

    public RepositoryCertificate? FindBySerial(BigInteger serial) =>
        keys.FindCertificate(serial) is { } certificate ? Lodged(certificate) : null;

    public Task DevicesAddedAsync(IReadOnlyList<Device> devices, CancellationToken cancellationToken = default)
    {
        foreach (var device in devices) keys.Ensure(device.Id);
        return Task.CompletedTask;
    }

    private static RepositoryCertificate Lodged(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        RepositoryCertificate.TryCreate(certificate, out var lodged, out var reason)
            ? lodged!
            : throw new InvalidOperationException($"A Device Certificate of the store is not one the SMKI Repository can lodge: {reason}.");
}
