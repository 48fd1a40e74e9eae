using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Gbcs.Security;

/// <summary>What a GBCS key is for: signing (a Device's or Remote Party's DS key) or key agreement (KA).</summary>
public enum GbcsKeyUsage
{
    DigitalSigning,
    KeyAgreement,
}

/// <summary>One party's key of one usage: the public key of its certificate, and its private key where held.</summary>
public sealed class GbcsKey
{
    private GbcsKey(Eui party, GbcsKeyUsage usage, ECDsa? signing, ECDiffieHellman? agreement, bool hasPrivateKey)
    {
        Party = party;
        Usage = usage;
        Signing = signing;
        Agreement = agreement;
        HasPrivateKey = hasPrivateKey;
    }

    public Eui Party { get; }
    public GbcsKeyUsage Usage { get; }
    public bool HasPrivateKey { get; }

    /// <summary>The digital-signing key (usage <see cref="GbcsKeyUsage.DigitalSigning"/>).</summary>
    public ECDsa? Signing { get; }

    /// <summary>The key-agreement key (usage <see cref="GbcsKeyUsage.KeyAgreement"/>).</summary>
    public ECDiffieHellman? Agreement { get; }

    /// <summary>A key from a certificate (its keyUsage says which), with the private key when given.</summary>
    public static GbcsKey From(Eui party, X509Certificate2 certificate, ECDsa? privateKey = null)
    {
        var usage = UsageOf(certificate);
        var parameters = privateKey?.ExportParameters(true);
        if (usage == GbcsKeyUsage.DigitalSigning)
        {
            var signing = parameters is { } p ? ECDsa.Create(p) : certificate.GetECDsaPublicKey()
                ?? throw new ArgumentException($"The certificate of {party} has no P-256 public key.", nameof(certificate));
            return new GbcsKey(party, usage, signing, null, parameters is not null);
        }
        var agreement = parameters is { } q ? ECDiffieHellman.Create(q) : certificate.GetECDiffieHellmanPublicKey()
            ?? throw new ArgumentException($"The certificate of {party} has no P-256 public key.", nameof(certificate));
        return new GbcsKey(party, usage, null, agreement, parameters is not null);
    }

    /// <summary>A key from a key pair alone (an emulated party's own key, no certificate needed).</summary>
    public static GbcsKey From(Eui party, ECDsa signingKey, bool hasPrivateKey) => new(party, GbcsKeyUsage.DigitalSigning, signingKey, null, hasPrivateKey);

    /// <inheritdoc cref="From(Eui, ECDsa, bool)"/>
    public static GbcsKey From(Eui party, ECDiffieHellman agreementKey, bool hasPrivateKey) => new(party, GbcsKeyUsage.KeyAgreement, null, agreementKey, hasPrivateKey);

    private static GbcsKeyUsage UsageOf(X509Certificate2 certificate)
    {
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        if ((usage & X509KeyUsageFlags.KeyAgreement) != 0) return GbcsKeyUsage.KeyAgreement;
        if ((usage & X509KeyUsageFlags.DigitalSignature) != 0) return GbcsKeyUsage.DigitalSigning;
        throw new ArgumentException($"The certificate {certificate.Subject} is for neither digital signing nor key agreement.", nameof(certificate));
    }
}

/// <summary>Where GBCS security finds the parties' keys: Devices' and Remote Parties' certificates, and the private keys the holder has.</summary>
public interface IGbcsKeys
{
    /// <summary>The party's keys of the usage (every one in use: a Supplier may hold two KA certificates), private ones first.</summary>
    IReadOnlyList<GbcsKey> Find(Eui party, GbcsKeyUsage usage);
}

/// <summary>
/// The GBCS keys by party and usage: a view, reading no file itself, over a <see cref="KeyStore"/> (its
/// Organisation certificates other than the DUIS xmlSign ones, and the Device Certificates among its
/// <see cref="KeyStore.OtherCertificates"/>, recognised by the Device ID in their subject alternative name, SMKI
/// Device Certificate Policy) and over Device credentials (<see cref="IDeviceCredentials"/>), or filled key by key.
/// </summary>
public sealed class GbcsKeyring : IGbcsKeys
{
    private readonly ConcurrentDictionary<(Eui, GbcsKeyUsage), GbcsKey[]> _keys = new();
    private readonly IDeviceCredentials? _devices;

    public GbcsKeyring(IDeviceCredentials? devices = null) => _devices = devices;

    public IReadOnlyList<GbcsKey> Find(Eui party, GbcsKeyUsage usage)
    {
        if (_keys.TryGetValue((party, usage), out var keys)) return keys;
        if (_devices?.Find(party) is { } device)
        {
            Add(device);
            return _keys.GetValueOrDefault((party, usage)) ?? [];
        }
        return [];
    }

    public void Add(GbcsKey key) =>
        _keys.AddOrUpdate((key.Party, key.Usage), [key],
            (_, existing) => existing.Any(k => k.HasPrivateKey) || !key.HasPrivateKey ? [.. existing, key] : [key, .. existing]);

    public void Add(DeviceCredentials device)
    {
        Add(GbcsKey.From(device.Device, device.DigitalSigningCertificate, device.DigitalSigningKey));
        var agreement = device.KeyAgreementKey is { } ka
            ? GbcsKey.From(device.Device, ECDiffieHellman.Create(ka.ExportParameters(true)), true)
            : GbcsKey.From(device.Device, device.KeyAgreementCertificate);
        Add(agreement);
    }

    /// <summary>The GBCS keys of a key folder (<see cref="KeyStore.Load"/> reads it), with <paramref name="devices"/>' beside.</summary>
    public static GbcsKeyring Load(string folder, IDeviceCredentials? devices = null) => From(KeyStore.Load(folder), devices);

    /// <summary>The GBCS keys of a key store: its Organisation certificates and keys other than the DUIS xmlSign ones, and its Device Certificates.</summary>
    public static GbcsKeyring From(KeyStore store, IDeviceCredentials? devices = null)
    {
        var ring = new GbcsKeyring(devices);
        var privateKeys = store.SigningKeys.ToDictionary(k => (k.Certificate.IssuerName, k.Certificate.SerialNumber));
        foreach (var organisation in store.Certificates.Where(c => c.Role != RemotePartyRole.XmlSign && c.Role != RemotePartyRole.DspXmlSign))
        {
            using var key = privateKeys.TryGetValue((organisation.IssuerName, organisation.SerialNumber), out var k) ? ImportKey(k.ExportPrivateKeyPem()) : null;
            ring.Add(GbcsKey.From(organisation.Subject, organisation.Certificate, key));
        }
        foreach (var other in store.OtherCertificates)
        {
            if (!SmkiDeviceCertificate.TryReadDeviceId(other.Certificate, out var device)) continue;
            using var key = other.PrivateKeyPem is { } pem ? ImportKey(pem) : null;
            ring.Add(GbcsKey.From(device, other.Certificate, key));
        }
        return ring;
    }

    private static ECDsa ImportKey(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }
}
