using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.TestSupport;

/// <summary>
/// Device Certificates for tests, made by the product's own SMKI Device Certificate profile
/// (<see cref="SmkiDeviceCertificate"/>) from a test Device CA, so tests and the emulated Devices issue the same shape.
/// </summary>
public static class SmkiDeviceCertificates
{
    private static readonly Lazy<(X509Certificate2 Certificate, ECDsa Key)> Issuer = new(() =>
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (SmkiDeviceCertificate.CreateDemoCa(key, "OPENDUIS TEST DEVICE CA"), key);
    });

    public static X509Certificate2 Issue(Eui device, CertificateKeyUsage usage = CertificateKeyUsage.DigitalSignature)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (ca, caKey) = Issuer.Value;
        return SmkiDeviceCertificate.Issue(device, usage, key.ExportSubjectPublicKeyInfo(), ca, caKey, DateTimeOffset.UtcNow.AddDays(-1));
    }
}
