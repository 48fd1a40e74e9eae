using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Gbcs.Keys;

/// <summary>
/// A Device's two SMKI Device Certificates (digital signing and key agreement, the Device ID in the
/// subject alternative name) and, where the holder has them, their private keys: an emulated Device
/// holds both keys; a User holds only the certificates it fetched from the SMKI Repository.
/// </summary>
public sealed record DeviceCredentials(
    Eui Device,
    X509Certificate2 DigitalSigningCertificate,
    X509Certificate2 KeyAgreementCertificate,
    ECDsa? DigitalSigningKey = null,
    ECDiffieHellman? KeyAgreementKey = null);

/// <summary>Where a Device's credentials are found (the data folder's Device key store, a key folder, the SMKI Repository).</summary>
public interface IDeviceCredentials
{
    /// <summary>The Device's credentials, or null when none are held for it.</summary>
    DeviceCredentials? Find(Eui device);
}
