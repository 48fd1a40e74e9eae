using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;

namespace OpenDuis.Gbcs.Keys;

/// <summary>
/// The emulated Devices' own keys: for each Device a digital-signing and a key-agreement P-256 key
/// pair and their SMKI Device Certificates (<see cref="SmkiDeviceCertificate"/>), issued by the
/// store's demo Device CA, kept in its <see cref="IDeviceKeyVault"/>: a folder
/// (<see cref="FolderDeviceKeyVault"/>: device-ca.pem, {eui}.pem, {eui}.alert-counter, owner-only) or, for
/// several nodes, their database. A key folder that provides a Device's keys
/// (<c>{eui}-ds.pem</c> with <c>{eui}-ds.key</c>, and <c>{eui}-ka.pem</c> with <c>{eui}-ka.key</c>, the
/// layout of the RTDS key store; or any Device Certificate with its key) is used instead: nothing is issued
/// for that Device. The key folder is read by its <see cref="KeyStore"/> (<see cref="KeyStore.OtherCertificates"/>),
/// never by this store, which reads and writes only its vault.
/// Safe for concurrent use, and for several processes sharing the vault: a Device's keys are issued once,
/// by whichever writes first, and every store then reads those.
/// </summary>
public sealed class DeviceKeyStore : IDeviceCredentials, IDisposable
{
    public const string CaFileName = FolderDeviceKeyVault.CaFileName;
    public const string CaCommonName = "OPENDUIS DEMO DEVICE CA";

    private readonly KeyStore? _provided;
    private Dictionary<Eui, ProvidedDevice>? _providedDevices;
    private readonly ECDsa _caKey;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly Dictionary<Eui, DeviceCredentials> _loaded = [];
    private readonly Dictionary<BigInteger, X509Certificate2> _bySerial = [];

    private DeviceKeyStore(IDeviceKeyVault vault, KeyStore? provided, X509Certificate2 ca, ECDsa caKey, TimeProvider clock)
    {
        Vault = vault;
        _provided = provided;
        DeviceCa = ca;
        _caKey = caKey;
        _clock = clock;
    }

    /// <summary>The Devices' Alert counters, kept in the vault.</summary>
    public IDeviceAlertCounters AlertCounters => Vault.AlertCounters;

    /// <summary>Where the store keeps what it issues.</summary>
    public IDeviceKeyVault Vault { get; }

    /// <summary>The demo Device CA that issues this store's Device Certificates.</summary>
    public X509Certificate2 DeviceCa { get; }

    /// <summary>
    /// Opens (creating if need be, with its demo Device CA) the store in <paramref name="folder"/>;
    /// <paramref name="providedKeys"/> is a key folder's store whose Device keys are used instead of issuing.
    /// </summary>
    public static DeviceKeyStore Open(string folder, KeyStore? providedKeys = null, TimeProvider? clock = null) =>
        Open(new FolderDeviceKeyVault(folder), providedKeys, clock, NewCa);

    /// <summary>
    /// Opens the store kept in <paramref name="vault"/>, its demo Device CA created there if it holds none (the first
    /// to keep one wins); <paramref name="providedKeys"/> is a key folder's store whose Device keys are used instead of issuing.
    /// </summary>
    public static DeviceKeyStore OpenIn(IDeviceKeyVault vault, KeyStore? providedKeys, TimeProvider? clock) =>
        Open(vault, providedKeys, clock, NewCa);

    private static string NewCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = SmkiDeviceCertificate.CreateDemoCa(key, CaCommonName);
        return ca.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    private static DeviceKeyStore Open(IDeviceKeyVault vault, KeyStore? providedKeys, TimeProvider? clock, Func<string> newCa)
    {
        var (certificate, caKey) = ReadCa(vault.KeepCa(newCa), vault.Where(null));
        return new DeviceKeyStore(vault, providedKeys, certificate, caKey, clock ?? TimeProvider.System);
    }

    private static (X509Certificate2 Certificate, ECDsa Key) ReadCa(string text, string where)
    {
        var caKey = ECDsa.Create();
        try
        {
            caKey.ImportFromPem(text);
            var certificate = X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(text).RawData);
            if (!Matches(certificate, caKey.ExportSubjectPublicKeyInfo()))
                throw new InvalidDataException($"{where}: the Device CA's private key does not match its certificate.");
            return (certificate, caKey);
        }
        catch (Exception e)
        {
            caKey.Dispose();
            if (e is CryptographicException or ArgumentException)
                throw new InvalidDataException($"{where}: not a Device CA certificate and private key in PEM ({e.Message}).", e);
            throw;
        }
    }

    /// <summary>The folder's Device CA, checked before it is kept elsewhere (a damaged one would be every node's); a new one if the folder has none.</summary>
    private static string CheckedCa(FolderDeviceKeyVault folder)
    {
        if (folder.FindCa() is not { } pem) return NewCa();
        var (certificate, key) = ReadCa(pem, folder.Where(null));
        certificate.Dispose();
        key.Dispose();
        return pem;
    }

    /// <summary>
    /// Opens the store kept in <paramref name="vault"/> after bringing into it what the folder vault <paramref name="from"/>
    /// holds and it does not (an upgrade from keys kept in files): the folder's Device CA when the vault has none, each
    /// Device's bundle the vault has none for (checked first), and each Alert counter where the folder's is higher. Every
    /// write is first-writer-wins, so nodes importing their own folders at once agree, and a Device keeps the keys it had.
    /// </summary>
    public static DeviceKeyStore OpenImporting(IDeviceKeyVault vault, FolderDeviceKeyVault from, KeyStore? providedKeys, TimeProvider? clock)
    {
        var store = Open(vault, providedKeys, clock, () => CheckedCa(from));
        try
        {
            var held = vault.Devices();
            foreach (var device in from.Devices().Where(d => !held.Contains(d)))
            {
                if (from.FindBundle(device) is not { } pem) continue;
                var credentials = ReadBundle(device, from.Where(device), pem);
                try
                {
                    if (vault.AddBundle(Bundle(device, pem, credentials))) store.Imported++;
                }
                finally
                {
                    Release(credentials);
                }
            }
            foreach (var (device, last) in from.AlertCounterValues()) vault.RaiseAlertCounter(device, last);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>How many Devices' bundles <see cref="OpenImporting"/> brought into the vault.</summary>
    public int Imported { get; private set; }

    /// <summary>The Device's credentials with both private keys, or null when the store holds none for it.</summary>
    public DeviceCredentials? Find(Eui device)
    {
        lock (_gate)
            if (_loaded.TryGetValue(device, out var held)) return held;
        // Read outside the lock: the vault may be a database.
        var credentials = ReadProvided(device) ?? ReadKept(device);
        return credentials is null ? null : Remember(credentials);
    }

    private DeviceCredentials Remember(DeviceCredentials credentials)
    {
        lock (_gate)
        {
            if (_loaded.TryGetValue(credentials.Device, out var held))
            {
                if (!ReferenceEquals(held, credentials)) Release(credentials);
                return held;
            }
            _loaded[credentials.Device] = credentials;
            _bySerial[Serial(credentials.DigitalSigningCertificate)] = credentials.DigitalSigningCertificate;
            _bySerial[Serial(credentials.KeyAgreementCertificate)] = credentials.KeyAgreementCertificate;
            return credentials;
        }
    }

    /// <summary>The Device's credentials: those held or provided, else newly issued ones.</summary>
    public DeviceCredentials Ensure(Eui device) => Ensure(device, out _);

    /// <summary>As <see cref="Ensure(Eui)"/>; <paramref name="issued"/> says whether keys were issued now.</summary>
    public DeviceCredentials Ensure(Eui device, out bool issued)
    {
        issued = false;
        if (Find(device) is { } held) return held;
        var now = _clock.GetUtcNow();
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var agreement = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var ds = SmkiDeviceCertificate.Issue(device, CertificateKeyUsage.DigitalSignature, signing.ExportSubjectPublicKeyInfo(), DeviceCa, _caKey, now);
        using var ka = SmkiDeviceCertificate.Issue(device, CertificateKeyUsage.KeyAgreement, agreement.ExportSubjectPublicKeyInfo(), DeviceCa, _caKey, now);
        var pem = new StringBuilder()
            .Append(ds.ExportCertificatePem()).Append('\n').Append(signing.ExportPkcs8PrivateKeyPem()).Append('\n')
            .Append(ka.ExportCertificatePem()).Append('\n').Append(agreement.ExportPkcs8PrivateKeyPem()).Append('\n')
            .ToString();
        // Another store may have issued it first (another process, another node): then its keys are the Device's.
        issued = Vault.AddBundle(new DeviceKeyBundle(device, pem, Serial(ds), Serial(ka)));
        return Find(device) ?? throw new InvalidDataException($"{Vault.Where(device)}: written but not readable back.");
    }

    /// <summary>Ensures credentials for every Device given; returns how many were issued now.</summary>
    public int EnsureAll(IEnumerable<Eui> devices)
    {
        var issued = 0;
        foreach (var device in devices)
        {
            Ensure(device, out var now);
            if (now) issued++;
        }
        return issued;
    }

    /// <summary>The Device Certificate with this serial number, from the store or the provided key folder; null if none.</summary>
    public X509Certificate2? FindCertificate(BigInteger serial)
    {
        lock (_gate)
            if (_bySerial.TryGetValue(serial, out var found)) return found;
        // Not yet read: read what the vault and the key folder hold that is not loaded (another process may have issued since).
        foreach (var device in Vault.DevicesHolding(serial).Concat(ProvidedDevices().Keys))
        {
            bool loaded;
            lock (_gate) loaded = _loaded.ContainsKey(device);
            if (!loaded) Find(device);
        }
        lock (_gate) return _bySerial.GetValueOrDefault(serial);
    }

    private DeviceCredentials? ReadKept(Eui device) =>
        Vault.FindBundle(device) is { } pem ? ReadBundle(device, Vault.Where(device), pem) : null;

    private static DeviceKeyBundle Bundle(Eui device, string pem, DeviceCredentials credentials) =>
        new(device, pem, Serial(credentials.DigitalSigningCertificate), Serial(credentials.KeyAgreementCertificate));

    private static DeviceCredentials ReadBundle(Eui device, string path, string text)
    {
        var certificates = new List<X509Certificate2>();
        var keys = new List<string>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }
                catch (CryptographicException e)
                {
                    throw new InvalidDataException($"{path}: certificate {certificates.Count + 1} is not an X.509 certificate ({e.Message}).", e);
                }
            }
            else if (label.SequenceEqual("PRIVATE KEY")) keys.Add(rest[fields.Location].ToString());
            rest = rest[fields.Location.End..];
        }
        if (certificates.Count != 2 || keys.Count != 2)
            throw new InvalidDataException($"{path}: expected the DS certificate and key, then the KA certificate and key, in PEM.");
        return Assemble(device, path, certificates[0], keys[0], certificates[1], keys[1]);
    }

    private DeviceCredentials? ReadProvided(Eui device)
    {
        if (!ProvidedDevices().TryGetValue(device, out var provided)) return null;
        // Certificates without private keys (as a User holds them) cannot make a Device: issue its own instead.
        if (provided.Ds?.PrivateKeyPem is not { } dsKey || provided.Ka?.PrivateKeyPem is not { } kaKey) return null;
        return Assemble(device, provided.Ds.Path, provided.Ds.Certificate, dsKey, provided.Ka.Certificate, kaKey);
    }

    /// <summary>A provided Device's DS and KA certificates (with their keys where held).</summary>
    private sealed record ProvidedDevice(KeyFolderCertificate? Ds, KeyFolderCertificate? Ka);

    /// <summary>
    /// The key folder's Device certificates by Device and usage: a file named <c>{eui}-ds.pem</c> or <c>{eui}-ka.pem</c>
    /// is that Device's by its name (checked against the certificate when used), any other by its subjectAltName.
    /// </summary>
    private Dictionary<Eui, ProvidedDevice> ProvidedDevices()
    {
        if (_providedDevices is { } known) return known;
        var devices = new Dictionary<Eui, ProvidedDevice>();
        foreach (var other in _provided?.OtherCertificates ?? [])
        {
            var name = Path.GetFileNameWithoutExtension(other.Path);
            Eui device;
            CertificateKeyUsage? usage;
            if (name is { Length: 19 } && name[16] == '-' && ulong.TryParse(name.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var named)
                && name[17..].ToLowerInvariant() is "ds" or "ka")
            {
                device = new Eui(named);
                usage = name[17..].Equals("ds", StringComparison.OrdinalIgnoreCase) ? CertificateKeyUsage.DigitalSignature : CertificateKeyUsage.KeyAgreement;
            }
            else if (SmkiDeviceCertificate.TryReadDeviceId(other.Certificate, out device)) usage = SmkiDeviceCertificate.UsageOf(other.Certificate);
            else continue;
            var held = devices.GetValueOrDefault(device) ?? new ProvidedDevice(null, null);
            devices[device] = usage switch
            {
                CertificateKeyUsage.DigitalSignature => held with { Ds = other },
                CertificateKeyUsage.KeyAgreement => held with { Ka = other },
                _ => held,
            };
        }
        return _providedDevices = devices;
    }

    private static DeviceCredentials Assemble(Eui device, string path, X509Certificate2 ds, string dsKeyPem, X509Certificate2 ka, string kaKeyPem)
    {
        Check(device, path, ds, CertificateKeyUsage.DigitalSignature);
        Check(device, path, ka, CertificateKeyUsage.KeyAgreement);
        var signing = ECDsa.Create();
        var agreement = ECDiffieHellman.Create();
        try
        {
            signing.ImportFromPem(dsKeyPem);
            agreement.ImportFromPem(kaKeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            signing.Dispose();
            agreement.Dispose();
            throw new InvalidDataException($"{path}: a private key of Device {device} is not a PKCS#8 EC key ({e.Message}).", e);
        }
        if (!Matches(ds, signing.ExportSubjectPublicKeyInfo()) || !Matches(ka, agreement.ExportSubjectPublicKeyInfo()))
        {
            signing.Dispose();
            agreement.Dispose();
            throw new InvalidDataException($"{path}: a private key of Device {device} does not match its Device Certificate.");
        }
        return new DeviceCredentials(device, ds, ka, signing, agreement);
    }

    private static void Check(Eui device, string path, X509Certificate2 certificate, CertificateKeyUsage usage)
    {
        if (!SmkiDeviceCertificate.TryReadDeviceId(certificate, out var named) || named != device)
            throw new InvalidDataException($"{path}: the {usage} certificate is not a Device Certificate for {device} (its subjectAltName names {(named == default ? "no Device" : named)}).");
        if (SmkiDeviceCertificate.UsageOf(certificate) != usage)
            throw new InvalidDataException($"{path}: the certificate given for {usage} of Device {device} has keyUsage {SmkiDeviceCertificate.UsageOf(certificate)?.ToString() ?? "neither"}.");
    }

    private static bool Matches(X509Certificate2 certificate, byte[] subjectPublicKeyInfo) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(subjectPublicKeyInfo);

    private static BigInteger Serial(X509Certificate2 certificate) =>
        new(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true);

    private static void Release(DeviceCredentials credentials)
    {
        credentials.DigitalSigningKey?.Dispose();
        credentials.KeyAgreementKey?.Dispose();
        credentials.DigitalSigningCertificate.Dispose();
        credentials.KeyAgreementCertificate.Dispose();
    }

    public void Dispose()
    {
        _caKey.Dispose();
        (Vault as IDisposable)?.Dispose();
    }
}
