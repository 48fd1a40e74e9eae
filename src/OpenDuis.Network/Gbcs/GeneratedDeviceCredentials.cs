using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Gbcs;

/// <summary>
/// Device key pairs and SMKI-shaped Device certificates made in memory on first use, issued by a
/// Device CA of this process: what the emulated devices hold where no Device key store is given
/// (the data folder's store replaces it). They last as long as the process.
/// </summary>
public sealed class GeneratedDeviceCredentials : IDeviceCredentials
{
    private const string HardwareModuleName = "1.3.6.1.5.5.7.8.4", DeviceTypeOid = "1.2.826.0.1.8641679.1.2.1.1";
    private const string DevicePolicyOid = "1.2.826.0.1.1800000.1.2.1.4"; // SMKI Device Certificate Policy, as the RTDS Device certificates carry it
    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ConcurrentDictionary<Eui, Lazy<DeviceCredentials>> _devices = new();
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public GeneratedDeviceCredentials()
    {
        var request = new CertificateRequest("OU=07, CN=OPENDUIS DEMO DEVICE CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = request.CreateSelfSigned(NotBefore, NotBefore.AddYears(100));
    }

    /// <summary>The Device CA's certificate (the issuer a User checks Device certificates against).</summary>
    public X509Certificate2 CaCertificate => _ca;

    public DeviceCredentials? Find(Eui device) => _devices.GetOrAdd(device, d => new Lazy<DeviceCredentials>(() => Make(d))).Value;

    private DeviceCredentials Make(Eui device)
    {
        var ds = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ka = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var kaAsEcdsa = ECDsa.Create(ka.ExportParameters(false));
        return new DeviceCredentials(device,
            Issue(device, new CertificateRequest(new X500DistinguishedName(""), ds, HashAlgorithmName.SHA256), X509KeyUsageFlags.DigitalSignature),
            Issue(device, new CertificateRequest(new X500DistinguishedName(""), new PublicKey(kaAsEcdsa), HashAlgorithmName.SHA256), X509KeyUsageFlags.KeyAgreement),
            ds, ka);
    }

    private X509Certificate2 Issue(Eui device, CertificateRequest request, X509KeyUsageFlags usage)
    {
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", SubjectAlternativeName(device), true));
        var policy = new AsnWriter(AsnEncodingRules.DER);
        using (policy.PushSequence())
        using (policy.PushSequence())
            policy.WriteObjectIdentifier(DevicePolicyOid);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", policy.Encode(), true));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        // SMKI Device certificates do not expire (notAfter 9999-12-31 23:59:59).
        return request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), NotBefore,
            new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero), serial);
    }

    /// <summary>The Device ID as hwSerialNum of an id-on-hardwareModuleName otherName (RFC 4108), as SMKI Device certificates carry it.</summary>
    private static byte[] SubjectAlternativeName(Eui device)
    {
        var san = new AsnWriter(AsnEncodingRules.DER);
        using (san.PushSequence())
        using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            san.WriteObjectIdentifier(HardwareModuleName);
            using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (san.PushSequence())
            {
                san.WriteObjectIdentifier(DeviceTypeOid);
                san.WriteOctetString(device.ToBytes());
            }
        }
        return san.Encode();
    }
}
