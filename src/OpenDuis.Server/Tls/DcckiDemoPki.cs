using OpenDuis.Protocol.Keys;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Tls;

/// <summary>Where a demo DCCKI set lives on disk (PEM files).</summary>
public sealed record DcckiFiles(string Directory)
{
    public string CaCertificate => Path.Combine(Directory, "dccki-ca.pem");
    public string CaKey => Path.Combine(Directory, "dccki-ca.key");
    public string ServerCertificate => Path.Combine(Directory, "server.pem");
    public string ServerKey => Path.Combine(Directory, "server.key");
    /// <summary>The DCC's client certificate, presented when it delivers to a User's https endpoint.</summary>
    public string DspClientCertificate => Path.Combine(Directory, "dsp-client.pem");
    public string DspClientKey => Path.Combine(Directory, "dsp-client.key");
    public string ClientCertificate(Eui user) => Path.Combine(Directory, "users", user.ToCompactString() + ".pem");
    public string ClientKey(Eui user) => Path.Combine(Directory, "users", user.ToCompactString() + ".key");

    public bool Exists => File.Exists(CaCertificate) && File.Exists(ServerCertificate) && File.Exists(ServerKey);
}

/// <summary>
/// A demonstration DCCKI (the DCC Key Infrastructure that authenticates TLS connections, R-WS-3): a
/// CA, the DSP's server certificate, the DSP's client certificate (for delivery to Users' endpoints)
/// and one certificate per User, for both ends of the User's connections: as TLS client to the DCC and
/// as the TLS server of its response endpoint. Every key is RSA, because
/// the only cipher suite the DUIS profile allows, TLS_RSA_WITH_AES_128_GCM_SHA256, uses RSA key
/// exchange. Demo material only: the private keys are written unencrypted.
/// </summary>
internal static class DcckiDemoPki
{
    private const int KeyBits = 2048;
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>
    /// Writes a CA, a server certificate for <paramref name="serverNames"/> (default localhost and
    /// 127.0.0.1), the DSP's client certificate and a certificate for each User (client, and server for
    /// the same names) into <paramref name="directory"/>.
    /// Existing files are replaced.
    /// </summary>
    public static DcckiFiles Generate(string directory, IEnumerable<Eui> users, TimeProvider clock, IEnumerable<string>? serverNames = null)
    {
        var files = new DcckiFiles(Path.GetFullPath(directory));
        OwnerOnly.CreateDirectory(files.Directory);
        OwnerOnly.CreateDirectory(Path.Combine(files.Directory, "users"));
        var now = clock.GetUtcNow();
        var notBefore = now.AddDays(-1);
        var notAfter = now.AddYears(10);

        using var caKey = RSA.Create(KeyBits);
        var caRequest = new CertificateRequest("CN=OpenDUIS demo DCCKI CA, O=OpenDUIS", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);
        Write(files.CaCertificate, files.CaKey, ca, caKey);

        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in serverNames ?? ["localhost", "127.0.0.1"])
        {
            if (IPAddress.TryParse(name, out var ip)) names.AddIpAddress(ip);
            else names.AddDnsName(name);
        }
        var altNames = names.Build();
        Issue(ca, caKey, "CN=OpenDUIS DSP, O=OpenDUIS", [ServerAuth], altNames, notBefore, notAfter, files.ServerCertificate, files.ServerKey);
        Issue(ca, caKey, DspClientSubject, [ClientAuth], null, notBefore, notAfter, files.DspClientCertificate, files.DspClientKey);

        foreach (var user in users.Distinct())
            Issue(ca, caKey, $"CN={user}, O=OpenDUIS demo User", [ClientAuth, ServerAuth], altNames, notBefore, notAfter, files.ClientCertificate(user), files.ClientKey(user));
        return files;
    }

    private const string DspClientSubject = "CN=OpenDUIS DSP delivery, O=OpenDUIS";

    /// <summary>Issues the DSP's client certificate from the folder's CA if a DCCKI made before it existed lacks it.</summary>
    public static void EnsureDspClient(DcckiFiles files, TimeProvider clock)
    {
        if (File.Exists(files.DspClientCertificate)) return;
        using var ca = X509Certificate2.CreateFromPemFile(files.CaCertificate, files.CaKey);
        using var caKey = ca.GetRSAPrivateKey()!;
        var now = clock.GetUtcNow();
        Issue(ca, caKey, DspClientSubject, [ClientAuth], null, now.AddDays(-1), now.AddYears(10), files.DspClientCertificate, files.DspClientKey);
    }

    private static void Issue(X509Certificate2 ca, RSA caKey, string subject, Oid[] usages, X509Extension? altNames,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string certificatePath, string keyPath)
    {
        using var key = RSA.Create(KeyBits);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var ekus = new OidCollection();
        foreach (var usage in usages) ekus.Add(usage);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (altNames is not null) request.CertificateExtensions.Add(altNames);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), notBefore, notAfter, serial);
        Write(certificatePath, keyPath, issued, key);
    }

    private static void Write(string certificatePath, string keyPath, X509Certificate2 certificate, RSA key)
    {
        OwnerOnly.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        OwnerOnly.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
