using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Network.Gbcs;

/// <summary>
/// Device key pairs and SMKI Device Certificates made in memory on first use, issued by a Device CA
/// of this process: what the emulated devices hold where no Device key store is registered (a server
/// without a data folder, such as a test's). They last as long as the process.
/// </summary>
public sealed class GeneratedDeviceCredentials : IDeviceCredentials
{
    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ConcurrentDictionary<Eui, Lazy<DeviceCredentials>> _devices = new();
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public GeneratedDeviceCredentials() => _ca = SmkiDeviceCertificate.CreateDemoCa(_caKey, "OPENDUIS IN-MEMORY DEVICE CA");

    public DeviceCredentials? Find(Eui device) => _devices.GetOrAdd(device, d => new Lazy<DeviceCredentials>(() => Make(d))).Value;

    private DeviceCredentials Make(Eui device)
    {
        var ds = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ka = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return new DeviceCredentials(device,
            SmkiDeviceCertificate.Issue(device, CertificateKeyUsage.DigitalSignature, ds.ExportSubjectPublicKeyInfo(), _ca, _caKey, NotBefore),
            SmkiDeviceCertificate.Issue(device, CertificateKeyUsage.KeyAgreement, ka.ExportSubjectPublicKeyInfo(), _ca, _caKey, NotBefore),
            ds, ka);
    }
}
