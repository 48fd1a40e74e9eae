using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.TestSupport;

/// <summary>
/// Device Certificates shaped as the SMKI Device Certificate profile has them: empty subject, ECDSA
/// P-256 signed with ecdsa-with-SHA256, a critical keyUsage, and the device's EUI-64 as the
/// hwSerialNum of an id-on-hardwareModuleName otherName (RFC 4108) in the subjectAltName.
/// </summary>
public static class SmkiDeviceCertificates
{
    private static readonly Lazy<(X509Certificate2 Certificate, ECDsa Key)> Issuer = new(() =>
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OpenDUIS test Device CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)), key);
    });

    public static X509Certificate2 Issue(Eui device, X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var san = new AsnWriter(AsnEncodingRules.DER);
        using (san.PushSequence())
        using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            san.WriteObjectIdentifier("1.3.6.1.5.5.7.8.4");
            using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (san.PushSequence())
            {
                san.WriteObjectIdentifier("1.2.826.0.1.8641679.1.2.1.1");
                Span<byte> eui = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(eui, device.Value);
                san.WriteOctetString(eui);
            }
        }
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", san.Encode(), true));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        var (issuer, issuerKey) = Issuer.Value;
        using var signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), serial);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }
}
