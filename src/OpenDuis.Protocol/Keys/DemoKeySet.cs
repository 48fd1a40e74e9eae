using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Keys;

/// <summary>A demo User to issue certificates for: its EUI and the Remote Party Role of its role certificates.</summary>
public readonly record struct DemoParty(Eui Party, RemotePartyRole Role);

/// <summary>
/// Generates a complete demo key set, shaped like SMKI Organisation Certificates, so that
/// OpenDUIS ships no keys. Folder layout (every certificate PEM beside a PKCS#8 PEM key):
/// <code>
/// demo-root-ca.pem / .key                         the demo Organisation CA (OU=07, CN=OPENDUIS DEMO CA)
/// dsp-xml-sign-90B3D51F30000002-ds.pem / .key     the DSP's xmlSign key (role 0x89)
/// xml-sign-{EUI}-ds.pem / .key                    each User's xmlSign key (role 0x87)
/// role-{RR}-{EUI}-ds.pem / .key                   each User's digitalSignature role certificate (role RR)
/// role-{RR}-{EUI}-ka.pem / .key                   each User's keyAgreement role certificate (role RR; GBCS response MACs)
/// role-04-90B3D51F30000002-ds|ka.pem / .key       the Access Control Broker's GBCS keys (command MACs and signatures)
/// s1sp-xml-sign-90B3D51F30000101-ds.pem / .key    the SMETS1 Service Provider's key for its signed SMETS1 Responses (role 0x87)
/// </code>
/// Private keys are written owner-only (0600).
/// {EUI} is 16 hex digits without separators, {RR} the role in two hex digits.
/// <see cref="KeyStore.Load"/> reads the folder back.
/// </summary>
public static class DemoKeySet
{
    public static readonly Eui DspEui = Eui.Parse("90-B3-D5-1F-30-00-00-02");

    /// <summary>The SMETS1 Service Provider, which signs the SMETS1 Responses it returns (sr:SMETS1SignedResponse).</summary>
    public static readonly Eui Smets1ServiceProviderEui = Eui.Parse("90-B3-D5-1F-30-00-01-01");
    public const string RootName = "demo-root-ca";

    // SMKI Organisation Certificate Policy OID (the one the ZAZ1 certificates carry).
    private const string OrganisationPolicyOid = "1.2.826.0.1.8641679.1.2.1.4";
    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2125, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes the set into <paramref name="folder"/> (created if needed) and returns the file names written.</summary>
    /// <param name="withDsp">Also issue the DSP's xmlSign key; false beside a key set that has its own (ZAZ1).</param>
    /// <param name="keyAgreementOnly">Users that get only a keyAgreement role certificate: those a key set beside gives every other key.</param>
    public static IReadOnlyList<string> Generate(string folder, IEnumerable<DemoParty> users, bool withDsp = true, IEnumerable<DemoParty>? keyAgreementOnly = null)
    {
        OwnerOnly.CreateDirectory(folder);
        var written = new List<string>();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caName = Name(("2.5.4.11", "07", null), ("2.5.4.3", "OPENDUIS DEMO CA", null));
        var caRequest = new CertificateRequest(caName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(RandomNumberGenerator.GetBytes(8), false));
        using var ca = caRequest.CreateSelfSigned(NotBefore, NotAfter);
        Write(folder, RootName, ca, caKey, written);

        if (withDsp)
        {
            Issue(folder, "dsp-xml-sign-" + DspEui.ToCompactString() + "-ds", DspEui, RemotePartyRole.DspXmlSign, CertificateKeyUsage.DigitalSignature, ca, caKey, written);
            // The Access Control Broker's GBCS keys: commands to Devices are MACed ACB <-> Device (GBCS).
            var acb = RemotePartyRole.AccessControlBroker;
            Issue(folder, $"role-{acb.ToOu()}-{DspEui.ToCompactString()}-ds", DspEui, acb, CertificateKeyUsage.DigitalSignature, ca, caKey, written);
            Issue(folder, $"role-{acb.ToOu()}-{DspEui.ToCompactString()}-ka", DspEui, acb, CertificateKeyUsage.KeyAgreement, ca, caKey, written);
        }
        Issue(folder, "s1sp-xml-sign-" + Smets1ServiceProviderEui.ToCompactString() + "-ds", Smets1ServiceProviderEui, RemotePartyRole.XmlSign,
            CertificateKeyUsage.DigitalSignature, ca, caKey, written);
        foreach (var user in users)
        {
            var eui = user.Party.ToCompactString();
            Issue(folder, $"xml-sign-{eui}-ds", user.Party, RemotePartyRole.XmlSign, CertificateKeyUsage.DigitalSignature, ca, caKey, written);
            Issue(folder, $"role-{user.Role.ToOu()}-{eui}-ds", user.Party, user.Role, CertificateKeyUsage.DigitalSignature, ca, caKey, written);
            Issue(folder, $"role-{user.Role.ToOu()}-{eui}-ka", user.Party, user.Role, CertificateKeyUsage.KeyAgreement, ca, caKey, written);
        }
        foreach (var user in keyAgreementOnly ?? [])
            Issue(folder, $"role-{user.Role.ToOu()}-{user.Party.ToCompactString()}-ka", user.Party, user.Role, CertificateKeyUsage.KeyAgreement, ca, caKey, written);
        return written;
    }

    private static void Issue(string folder, string name, Eui party, RemotePartyRole role, CertificateKeyUsage usage,
        X509Certificate2 ca, ECDsa caKey, List<string> written)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = Name(("2.5.4.11", role.ToOu(), null), ("2.5.4.45", null, party.ToBytes()));
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", PolicyExtension(), true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(RandomNumberGenerator.GetBytes(8), false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            usage == CertificateKeyUsage.DigitalSignature ? X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        // SMKI serials are 16 bytes; the top bit clear keeps them positive.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), NotBefore, NotAfter, serial);
        Write(folder, name, certificate, key, written);
    }

    private static void Write(string folder, string name, X509Certificate2 certificate, ECDsa key, List<string> written)
    {
        OwnerOnly.WriteAllText(Path.Combine(folder, name + ".pem"), certificate.ExportCertificatePem() + "\n");
        OwnerOnly.WriteAllText(Path.Combine(folder, name + ".key"), key.ExportPkcs8PrivateKeyPem() + "\n");
        written.Add(name + ".pem");
        written.Add(name + ".key");
    }

    private static X500DistinguishedName Name(params (string Oid, string? Text, byte[]? Bits)[] rdns)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var (oid, text, bits) in rdns)
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    if (bits is not null) writer.WriteBitString(bits);
                    else writer.WriteCharacterString(UniversalTagNumber.UTF8String, text!);
                }
            }
        }
        return new X500DistinguishedName(writer.Encode());
    }

    private static byte[] PolicyExtension() => SmkiDeviceCertificate.CertificatePolicies(OrganisationPolicyOid);
}
