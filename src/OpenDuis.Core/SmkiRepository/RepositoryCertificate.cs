using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Core.SmkiRepository;

/// <summary>Whether a certificate names an organisation (subject EUI and Remote Party Role) or a device (subjectAltName hwSerialNum).</summary>
public enum RepositoryCertificateKind
{
    Organisation,
    Device,
}

/// <summary>
/// A certificate lodged in the SMKI Repository, indexed as the repository's search finds it: the
/// EUI-64 it was issued to, its key usage, for an Organisation Certificate its Remote Party Role.
/// </summary>
public sealed record RepositoryCertificate(
    X509Certificate2 Certificate,
    RepositoryCertificateKind Kind,
    Eui Subject,
    CertificateKeyUsage Usage,
    RemotePartyRole? Role,
    BigInteger SerialNumber)
{
    private const string HardwareModuleNameOid = "1.3.6.1.5.5.7.8.4";

    /// <summary>The serial as the repository interface writes it: lower-case hex, no leading zeros.</summary>
    public string SerialHex => SerialNumber.ToString("x", CultureInfo.InvariantCulture).TrimStart('0') is { Length: > 0 } hex ? hex : "0";

    public static RepositoryCertificate FromOrganisation(OrganisationCertificate organisation) =>
        new(organisation.Certificate, RepositoryCertificateKind.Organisation, organisation.Subject, organisation.Usage, organisation.Role, organisation.SerialNumber);

    /// <summary>
    /// Reads an Organisation Certificate, or a Device Certificate (subjectAltName otherName
    /// id-on-hardwareModuleName, RFC 4108, whose hwSerialNum is the device's EUI-64).
    /// </summary>
    public static bool TryCreate(X509Certificate2 certificate, out RepositoryCertificate? result, out string? reason)
    {
        if (OrganisationCertificate.TryCreate(certificate, out var organisation, out var organisationReason))
        {
            result = FromOrganisation(organisation!);
            reason = null;
            return true;
        }
        result = null;
        if (!TryReadHardwareSerial(certificate, out var device))
        {
            reason = $"neither an Organisation Certificate ({organisationReason}) nor a Device Certificate (no hwSerialNum in its subjectAltName)";
            return false;
        }
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        CertificateKeyUsage usage;
        if (keyUsage.HasFlag(X509KeyUsageFlags.DigitalSignature)) usage = CertificateKeyUsage.DigitalSignature;
        else if (keyUsage.HasFlag(X509KeyUsageFlags.KeyAgreement)) usage = CertificateKeyUsage.KeyAgreement;
        else
        {
            reason = $"device certificate for {device} allows neither digitalSignature nor keyAgreement";
            return false;
        }
        var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);
        result = new RepositoryCertificate(certificate, RepositoryCertificateKind.Device, device, usage, null, serial);
        reason = null;
        return true;
    }

    private static bool TryReadHardwareSerial(X509Certificate2 certificate, out Eui eui)
    {
        eui = default;
        var san = certificate.Extensions["2.5.29.17"];
        if (san is null) return false;
        try
        {
            var names = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag != new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))
                {
                    names.ReadEncodedValue();
                    continue;
                }
                var otherName = names.ReadSequence(tag);
                if (otherName.ReadObjectIdentifier() != HardwareModuleNameOid) continue;
                var hardwareModuleName = otherName.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)).ReadSequence();
                hardwareModuleName.ReadObjectIdentifier();
                var serial = hardwareModuleName.ReadOctetString();
                if (serial.Length != 8) return false;
                eui = Eui.FromBytes(serial);
                return true;
            }
        }
        catch (AsnContentException)
        {
        }
        return false;
    }
}
