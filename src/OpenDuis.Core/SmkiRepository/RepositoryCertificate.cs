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
        if (!SmkiDeviceCertificate.TryReadDeviceId(certificate, out var device))
        {
            reason = $"neither an Organisation Certificate ({organisationReason}) nor a Device Certificate (no hwSerialNum in its subjectAltName)";
            return false;
        }
        if (SmkiDeviceCertificate.UsageOf(certificate) is not { } usage)
        {
            reason = $"device certificate for {device} allows neither digitalSignature nor keyAgreement";
            return false;
        }
        var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);
        result = new RepositoryCertificate(certificate, RepositoryCertificateKind.Device, device, usage, null, serial);
        reason = null;
        return true;
    }
}
