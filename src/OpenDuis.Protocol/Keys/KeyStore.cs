using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Keys;

/// <summary>Finds the Organisation Certificate a signature names by its X509IssuerSerial.</summary>
public interface ICertificateLookup
{
    OrganisationCertificate? Find(string issuerName, BigInteger serialNumber);
}

/// <summary>A certificate of a key folder that is not an Organisation Certificate (a Device Certificate, say), with the private key the folder holds beside it.</summary>
public sealed class KeyFolderCertificate(string path, X509Certificate2 certificate, string? privateKeyPem)
{
    /// <summary>The certificate's file.</summary>
    public string Path { get; } = path;

    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>Its private key as PKCS#8 PEM, when the folder holds one (not checked against the certificate).</summary>
    public string? PrivateKeyPem { get; } = privateKeyPem;
}

/// <summary>
/// What a key folder holds, read once: Organisation Certificates and their private keys, and every other
/// certificate with its key (<see cref="OtherCertificates"/>: the Device Certificates GBCS security and the
/// emulated Devices take from here, never from the files). The folder's layout:
/// <list type="bullet">
/// <item><c>NAME.pem</c> — a PEM certificate; its key, if present, in <c>NAME.key</c> (PKCS#8, PEM or
/// DER) or <c>NAME.key.pem</c>. This is the layout of the ZAZ1 test set and of
/// <see cref="DemoKeySet.Generate"/>.</item>
/// <item><c>*keystore.json</c> — the DCC Boxed key store: { eui: { digitalSignature|keyAgreement:
/// { serial: { certificate, privateKey, name, role } } } }.</item>
/// </list>
/// Trust is membership: a DUIS signature verifies only against an Organisation Certificate in the store.
/// Immutable once loaded.
/// </summary>
public sealed class KeyStore : ICertificateLookup
{
    private readonly Dictionary<(string Issuer, BigInteger Serial), OrganisationCertificate> _bySerial = [];
    private readonly Dictionary<(Eui, RemotePartyRole, CertificateKeyUsage), List<SigningKey>> _keys = [];

    private KeyStore(IEnumerable<OrganisationCertificate> certificates, IEnumerable<SigningKey> keys, IEnumerable<KeyFolderCertificate>? others = null)
    {
        OtherCertificates = [.. others ?? []];
        foreach (var c in certificates)
            _bySerial.TryAdd((OrganisationCertificate.NormaliseIssuerName(c.IssuerName), c.SerialNumber), c);
        foreach (var k in keys)
        {
            var id = (OrganisationCertificate.NormaliseIssuerName(k.Certificate.IssuerName), k.Certificate.SerialNumber);
            _bySerial.TryAdd(id, k.Certificate);
            var slot = (k.Certificate.Subject, k.Certificate.Role, k.Certificate.Usage);
            if (!_keys.TryGetValue(slot, out var list)) _keys[slot] = list = [];
            if (!list.Any(x => x.Certificate.SerialNumber == k.Certificate.SerialNumber)) list.Add(k);
        }
        // Longest-lived certificate first (then newest, then highest serial): a deterministic choice
        // that, on the ZAZ1 set, is the DSP key DCC Boxed's own key store holds.
        foreach (var list in _keys.Values)
            list.Sort(static (a, b) =>
            {
                var byEnd = b.Certificate.NotAfter.CompareTo(a.Certificate.NotAfter);
                if (byEnd != 0) return byEnd;
                var byStart = b.Certificate.NotBefore.CompareTo(a.Certificate.NotBefore);
                return byStart != 0 ? byStart : b.Certificate.SerialNumber.CompareTo(a.Certificate.SerialNumber);
            });
    }

    public static KeyStore Create(IEnumerable<OrganisationCertificate> certificates, IEnumerable<SigningKey> keys) =>
        new(certificates, keys);

    public IReadOnlyCollection<OrganisationCertificate> Certificates => _bySerial.Values;

    /// <summary>The key folder's certificates that are not Organisation Certificates (Device Certificates among them), in file order.</summary>
    public IReadOnlyList<KeyFolderCertificate> OtherCertificates { get; }

    /// <summary>This store and <paramref name="other"/> together (this store's keys preferred where both hold one for a slot of equal standing).</summary>
    public KeyStore Union(KeyStore other) =>
        new(Certificates.Concat(other.Certificates), SigningKeys.Concat(other.SigningKeys), OtherCertificates.Concat(other.OtherCertificates));

    public IEnumerable<SigningKey> SigningKeys => _keys.Values.SelectMany(k => k);

    // A name found as it is was already in normal form (normalising is idempotent): the usual signature names its
    // issuer as the certificate does, so it is looked up without building the normal form per request.
    public OrganisationCertificate? Find(string issuerName, BigInteger serialNumber) =>
        _bySerial.GetValueOrDefault((issuerName, serialNumber)) ?? _bySerial.GetValueOrDefault((OrganisationCertificate.NormaliseIssuerName(issuerName), serialNumber));

    /// <summary>The preferred key of the party for the role and usage (see the constructor), or null.</summary>
    public SigningKey? FindSigningKey(Eui party, RemotePartyRole role, CertificateKeyUsage usage = CertificateKeyUsage.DigitalSignature) =>
        _keys.TryGetValue((party, role, usage), out var list) ? list[0] : null;

    /// <summary>
    /// The key a party signs DUIS messages with: its xmlSign key (0x87), or for the DSP its
    /// DSP xmlSign key (0x89).
    /// </summary>
    public SigningKey? FindXmlSigningKey(Eui party) =>
        FindSigningKey(party, RemotePartyRole.XmlSign) ?? FindSigningKey(party, RemotePartyRole.DspXmlSign);

    /// <summary>Loads every certificate (and key) of a folder; see the class summary for the layout.</summary>
    public static KeyStore Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Key folder '{folder}' does not exist.");
        var certificates = new List<OrganisationCertificate>();
        var keys = new List<SigningKey>();
        var others = new List<KeyFolderCertificate>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.pem").Order(StringComparer.Ordinal))
        {
            if (file.EndsWith(".key.pem", StringComparison.OrdinalIgnoreCase)) continue;
            var text = File.ReadAllText(file);
            if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) continue;
            using var loaded = X509Certificate2.CreateFromPem(text);
            var certificate = X509CertificateLoader.LoadCertificate(loaded.RawData);
            var keyPem = ReadPrivateKeyPem(file[..^".pem".Length], text);
            if (!OrganisationCertificate.TryCreate(certificate, out var organisation, out _))
            {
                others.Add(new KeyFolderCertificate(file, certificate, keyPem));
                continue;
            }
            certificates.Add(organisation!);
            if (keyPem is not null && ImportKey(keyPem) is { } key)
            {
                using (key)
                {
                    if (Matches(key, certificate)) keys.Add(new SigningKey(organisation!, key));
                }
            }
        }
        foreach (var json in Directory.EnumerateFiles(folder, "*keystore.json").Order(StringComparer.Ordinal))
            LoadJson(json, certificates, keys);
        return new KeyStore(certificates, keys, others);
    }

    /// <summary>The private key beside a certificate: in its own file (PEM), else in <c>NAME.key</c> or <c>NAME.key.pem</c> (PEM or DER), as PKCS#8 PEM.</summary>
    private static string? ReadPrivateKeyPem(string stem, string certificateText)
    {
        if (certificateText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            var rest = certificateText.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                if (rest[fields.Label].EndsWith("PRIVATE KEY")) return rest[fields.Location].ToString();
                rest = rest[fields.Location.End..];
            }
        }
        foreach (var candidate in new[] { stem + ".key", stem + ".key.pem" })
        {
            if (!File.Exists(candidate)) continue;
            var bytes = File.ReadAllBytes(candidate);
            return bytes.AsSpan().StartsWith("-----BEGIN"u8)
                ? System.Text.Encoding.ASCII.GetString(bytes)
                : PemEncoding.WriteString("PRIVATE KEY", bytes);
        }
        return null;
    }

    private static ECDsa? ImportKey(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }

    private static bool Matches(ECDsa key, X509Certificate2 certificate) =>
        key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    private static void LoadJson(string path, List<OrganisationCertificate> certificates, List<SigningKey> keys)
    {
        using var stream = File.OpenRead(path);
        using var json = JsonDocument.Parse(stream);
        foreach (var party in json.RootElement.EnumerateObject())
        foreach (var usage in party.Value.EnumerateObject())
        foreach (var entry in usage.Value.EnumerateObject())
        {
            if (!entry.Value.TryGetProperty("certificate", out var pem) || pem.GetString() is not { } certificateText) continue;
            using var loaded = X509Certificate2.CreateFromPem(certificateText);
            var certificate = X509CertificateLoader.LoadCertificate(loaded.RawData);
            if (!OrganisationCertificate.TryCreate(certificate, out var organisation, out _)) continue;
            certificates.Add(organisation!);
            if (entry.Value.TryGetProperty("privateKey", out var keyPem) && keyPem.GetString() is { } keyText)
            {
                using var key = ECDsa.Create();
                key.ImportFromPem(keyText);
                if (Matches(key, certificate)) keys.Add(new SigningKey(organisation!, key));
            }
        }
    }
}
