using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Keys;

/// <summary>
/// The SMKI Device Certificate profile, field by field as the ZAZ1 test Device Certificates have it
/// (the RTDS Devices' 00DB…-ds.pem / -ka.pem): v3, a 16-octet positive serial, ecdsa-with-SHA256, an
/// empty subject, notAfter 99991231235959Z (no well-defined expiry), and the extensions in this order:
/// keyUsage (critical: digitalSignature or keyAgreement), subjectKeyIdentifier (8 octets),
/// subjectAltName (critical: an otherName id-on-hardwareModuleName, RFC 4108, whose hwSerialNum is the
/// Device ID), certificatePolicies (critical: the Device Certificate policy), authorityKeyIdentifier
/// (the issuing Device CA's 8-octet key identifier).
/// </summary>
public static class SmkiDeviceCertificate
{
    /// <summary>RFC 4108 id-on-hardwareModuleName.</summary>
    public const string HardwareModuleNameOid = "1.3.6.1.5.5.7.8.4";

    /// <summary>The hwType of the hardwareModuleName, as on the ZAZ1 Device Certificates.</summary>
    public const string HardwareTypeOid = "1.2.826.0.1.8641679.1.2.2.1";

    /// <summary>The Device Certificate policy, as on the ZAZ1 Device Certificates.</summary>
    public const string PolicyOid = "1.2.826.0.1.1800000.1.2.1.4";

    /// <summary>RFC 5280 4.1.2.5: the notAfter of a certificate with no well-defined expiration date.</summary>
    public static readonly DateTimeOffset NoWellDefinedExpiry = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    private static readonly DateTimeOffset CaNotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A demo Device CA (the issuer of Device Certificates): self-signed, ECDSA P-256, its own 8-octet key identifier.</summary>
    public static X509Certificate2 CreateDemoCa(ECDsa caKey, string commonName)
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(KeyIdentifier(caKey.ExportSubjectPublicKeyInfo()), false));
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", Policies(), true));
        using var ca = request.CreateSelfSigned(CaNotBefore, NoWellDefinedExpiry);
        return X509CertificateLoader.LoadCertificate(ca.RawData);
    }

    /// <summary>
    /// Issues the Device Certificate for <paramref name="device"/>'s public key
    /// (<paramref name="subjectPublicKeyInfo"/>, P-256), valid from <paramref name="notBefore"/>'s day.
    /// </summary>
    public static X509Certificate2 Issue(Eui device, CertificateKeyUsage usage, ReadOnlySpan<byte> subjectPublicKeyInfo,
        X509Certificate2 ca, ECDsa caKey, DateTimeOffset notBefore)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var request = new CertificateRequest(new X500DistinguishedName([0x30, 0x00]), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            usage == CertificateKeyUsage.DigitalSignature ? X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(KeyIdentifier(subjectPublicKeyInfo), false));
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", SubjectAltName(device), true));
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", Policies(), true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        // SMKI serials are 16 octets; a non-zero top octet with its top bit clear keeps them 16 and positive.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x10);
        var from = new DateTimeOffset(notBefore.UtcDateTime.Date, TimeSpan.Zero);
        if (from < ca.NotBefore.ToUniversalTime()) from = ca.NotBefore.ToUniversalTime();
        using var certificate = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), from, NoWellDefinedExpiry, serial);
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>The Device ID a Device Certificate is issued to: the hwSerialNum of its subjectAltName's hardwareModuleName.</summary>
    public static bool TryReadDeviceId(X509Certificate2 certificate, out Eui device)
    {
        device = default;
        var san = certificate.Extensions["2.5.29.17"];
        if (san is null) return false;
        try
        {
            var names = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
            var otherNameTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            while (names.HasData)
            {
                if (names.PeekTag() != otherNameTag)
                {
                    names.ReadEncodedValue();
                    continue;
                }
                var otherName = names.ReadSequence(otherNameTag);
                if (otherName.ReadObjectIdentifier() != HardwareModuleNameOid) continue;
                var hardwareModuleName = otherName.ReadSequence(otherNameTag).ReadSequence();
                hardwareModuleName.ReadObjectIdentifier();
                var serial = hardwareModuleName.ReadOctetString();
                if (serial.Length != 8) return false;
                device = Eui.FromBytes(serial);
                return true;
            }
        }
        catch (AsnContentException)
        {
        }
        return false;
    }

    /// <summary>The usage a Device Certificate's keyUsage allows, or null when it allows neither.</summary>
    public static CertificateKeyUsage? UsageOf(X509Certificate2 certificate)
    {
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        if (keyUsage.HasFlag(X509KeyUsageFlags.DigitalSignature)) return CertificateKeyUsage.DigitalSignature;
        if (keyUsage.HasFlag(X509KeyUsageFlags.KeyAgreement)) return CertificateKeyUsage.KeyAgreement;
        return null;
    }

    private static byte[] SubjectAltName(Eui device)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        var explicit0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        using (writer.PushSequence())
        using (writer.PushSequence(explicit0))
        {
            writer.WriteObjectIdentifier(HardwareModuleNameOid);
            using (writer.PushSequence(explicit0))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(HardwareTypeOid);
                Span<byte> serial = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(serial, device.Value);
                writer.WriteOctetString(serial);
            }
        }
        return writer.Encode();
    }

    private static byte[] Policies() => CertificatePolicies(PolicyOid);

    /// <summary>The certificatePolicies extension value naming one policy (SMKI certificates carry one).</summary>
    internal static byte[] CertificatePolicies(string policyOid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
            writer.WriteObjectIdentifier(policyOid);
        return writer.Encode();
    }

    /// <summary>An 8-octet key identifier, as SMKI certificates carry: the leading octets of the key's SHA-256.</summary>
    private static byte[] KeyIdentifier(ReadOnlySpan<byte> subjectPublicKeyInfo) => SHA256.HashData(subjectPublicKeyInfo)[..8];
}
