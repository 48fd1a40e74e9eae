using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Keys;

/// <summary>
/// An SMKI Organisation Certificate (SMKI Certificate Policy, Organisation Certificate profile):
/// subject OU = Remote Party Role (hex), subject x500UniqueIdentifier = the party's EUI-64,
/// an ECDSA P-256 key for digitalSignature or keyAgreement, a 128-bit serial number.
/// </summary>
public sealed class OrganisationCertificate
{
    private const string X500UniqueIdentifierOid = "2.5.4.45";
    private const string OrganizationalUnitOid = "2.5.4.11";
    private readonly ConcurrentBag<ECDsa> _verifiers = [];

    private OrganisationCertificate(X509Certificate2 certificate, Eui subject, RemotePartyRole role,
        CertificateKeyUsage usage, BigInteger serial, string issuerName)
    {
        Certificate = certificate;
        Subject = subject;
        Role = role;
        Usage = usage;
        SerialNumber = serial;
        IssuerName = issuerName;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The party the certificate was issued to (subject x500UniqueIdentifier).</summary>
    public Eui Subject { get; }

    public RemotePartyRole Role { get; }
    public CertificateKeyUsage Usage { get; }

    /// <summary>The serial number: SMKI serials are 128-bit, beyond <see cref="decimal"/>.</summary>
    public BigInteger SerialNumber { get; }

    /// <summary>The issuer as DUIS signatures write it in X509IssuerName (RFC 2253, e.g. "CN=Z1,OU=07").</summary>
    public string IssuerName { get; }

    public DateTimeOffset NotBefore => Certificate.NotBefore.ToUniversalTime();
    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();

    /// <summary>Reads an Organisation Certificate; false (with the reason) for any other certificate.</summary>
    public static bool TryCreate(X509Certificate2 certificate, out OrganisationCertificate? result, out string? reason)
    {
        result = null;
        if (!TryReadSubject(certificate.SubjectName, out var eui, out var roleText))
        {
            reason = $"'{certificate.Subject}' has no x500UniqueIdentifier (EUI-64) in its subject";
            return false;
        }
        if (!RemotePartyRole.TryParse(roleText, out var role))
        {
            reason = $"'{certificate.Subject}' has no Remote Party Role in its subject OU";
            return false;
        }
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        CertificateKeyUsage usage;
        if (keyUsage.HasFlag(X509KeyUsageFlags.DigitalSignature)) usage = CertificateKeyUsage.DigitalSignature;
        else if (keyUsage.HasFlag(X509KeyUsageFlags.KeyAgreement)) usage = CertificateKeyUsage.KeyAgreement;
        else
        {
            reason = $"'{certificate.Subject}' allows neither digitalSignature nor keyAgreement";
            return false;
        }
        using (var key = certificate.PublicKey.GetECDsaPublicKey())
        {
            if (key is null || key.KeySize != 256)
            {
                reason = $"'{certificate.Subject}' does not carry an ECDSA P-256 key";
                return false;
            }
        }
        var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);
        result = new OrganisationCertificate(certificate, eui, role, usage, serial, Rfc2253(certificate.IssuerName));
        reason = null;
        return true;
    }

    public static OrganisationCertificate Create(X509Certificate2 certificate) =>
        TryCreate(certificate, out var result, out var reason) ? result! : throw new ArgumentException(reason, nameof(certificate));

    /// <summary>
    /// Verifies an ECDSA signature (IEEE P1363 r||s, as XML-DSig carries it) over a SHA-256 hash.
    /// Thread-safe: each caller borrows its own key object.
    /// </summary>
    public bool VerifyHash(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature)
    {
        if (!_verifiers.TryTake(out var key)) key = Certificate.PublicKey.GetECDsaPublicKey()!; // PublicKey: the certificate helper refuses keyAgreement-only certificates
        try
        {
            return key.VerifyHash(sha256, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        finally
        {
            _verifiers.Add(key);
        }
    }

    public override string ToString() =>
        $"{Subject} {Role} {Usage} serial {SerialNumber} issued by {IssuerName}";

    private static bool TryReadSubject(X500DistinguishedName name, out Eui eui, out string? role)
    {
        eui = default;
        role = null;
        var found = false;
        try
        {
            var rdns = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
            while (rdns.HasData)
            {
                var set = rdns.ReadSetOf();
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var oid = attribute.ReadObjectIdentifier();
                    if (oid == X500UniqueIdentifierOid)
                    {
                        var bits = attribute.ReadBitString(out _);
                        if (bits.Length != 8) return false;
                        eui = Eui.FromBytes(bits);
                        found = true;
                    }
                    else if (oid == OrganizationalUnitOid)
                    {
                        role = attribute.ReadCharacterString(attribute.PeekTag().TagValue switch
                        {
                            (int)UniversalTagNumber.PrintableString => UniversalTagNumber.PrintableString,
                            (int)UniversalTagNumber.IA5String => UniversalTagNumber.IA5String,
                            _ => UniversalTagNumber.UTF8String,
                        });
                    }
                }
            }
        }
        catch (AsnContentException)
        {
            return false;
        }
        return found && role is not null;
    }

    /// <summary>RFC 2253 text, most specific RDN first, no spaces: the form Java's X500Principal writes.</summary>
    public static string Rfc2253(X500DistinguishedName name)
    {
        var parts = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: true))
        {
            if (rdn.HasMultipleElements) return name.Name.Replace(", ", ",", StringComparison.Ordinal);
            var oid = rdn.GetSingleElementType().Value ?? "";
            var value = rdn.GetSingleElementValue() ?? "";
            parts.Add($"{Keyword(oid)}={Escape(value)}");
        }
        return string.Join(',', parts);
    }

    /// <summary>
    /// Normalises an X509IssuerName for comparison: one RDN per comma, type keyword in upper case,
    /// spaces around separators dropped ("CN=Z1, OU=07" equals "CN=Z1,OU=07").
    /// </summary>
    public static string NormaliseIssuerName(string name)
    {
        var result = new StringBuilder(name.Length);
        var component = new StringBuilder();
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == ',')
            {
                var text = component.ToString().Trim();
                var eq = text.IndexOf('=');
                if (result.Length > 0) result.Append(',');
                if (eq > 0) result.Append(text[..eq].Trim().ToUpperInvariant()).Append('=').Append(text[(eq + 1)..].Trim());
                else result.Append(text);
                component.Clear();
            }
            else if (name[i] == '\\' && i + 1 < name.Length)
            {
                component.Append(name[i]).Append(name[i + 1]);
                i++;
            }
            else
            {
                component.Append(name[i]);
            }
        }
        return result.ToString();
    }

    private static string Keyword(string oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => oid,
    };

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';'
                || (i == 0 && c is '#' or ' ')
                || (i == value.Length - 1 && c == ' '))
                sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>An Organisation Certificate with its private key: what signs DUIS messages.</summary>
public sealed class SigningKey
{
    private readonly byte[] _pkcs8;
    private readonly ConcurrentBag<ECDsa> _signers = [];

    public SigningKey(OrganisationCertificate certificate, ECDsa privateKey)
    {
        if (!privateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.Certificate.PublicKey.ExportSubjectPublicKeyInfo()))
            throw new ArgumentException($"The private key does not belong to the certificate {certificate}.", nameof(privateKey));
        Certificate = certificate;
        _pkcs8 = privateKey.ExportPkcs8PrivateKey();
    }

    public OrganisationCertificate Certificate { get; }

    /// <summary>Signs a SHA-256 hash; the result is IEEE P1363 r||s (64 bytes). Thread-safe.</summary>
    public byte[] SignHash(ReadOnlySpan<byte> sha256)
    {
        if (!_signers.TryTake(out var key))
        {
            key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(_pkcs8, out _);
        }
        try
        {
            return key.SignHash(sha256.ToArray(), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        finally
        {
            _signers.Add(key);
        }
    }

    /// <summary>The private key in PKCS#8 PEM form.</summary>
    public string ExportPrivateKeyPem()
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(_pkcs8, out _);
        return key.ExportPkcs8PrivateKeyPem();
    }

    public override string ToString() => Certificate.ToString();
}
