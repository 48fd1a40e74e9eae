using System.Text.Json;
using System.Text.Json.Serialization;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage;

/// <summary>Which database a data folder uses, and where its keys are; kept in &lt;data&gt;/openduis.json.</summary>
public sealed record DataFolderSettings
{
    /// <summary>"sqlite" (the embedded default, &lt;data&gt;/openduis.db) or "postgres".</summary>
    public string Store { get; init; } = "sqlite";
    public string? PostgresConnectionString { get; init; }
    /// <summary>The key folder: &lt;data&gt;/keys (a generated demo key set), or the ZAZ1 folder given to init.</summary>
    public string? Keys { get; init; }
}

/// <summary>
/// Where OpenDUIS keeps its state: <c>--data DIR</c>, else <c>$OPENDUIS_DATA</c>, else a per-user
/// default (~/.local/share/openduis on Linux). A fresh folder is initialised, with the demo
/// environment, the first time it is used.
/// </summary>
public sealed class DataFolder
{
    public const string EnvironmentVariable = "OPENDUIS_DATA";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public DataFolder(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }
    public string SettingsPath => System.IO.Path.Combine(Path, "openduis.json");
    public string SqlitePath => System.IO.Path.Combine(Path, "openduis.db");
    public string DefaultKeysPath => System.IO.Path.Combine(Path, "keys");

    /// <summary>The emulated Devices' own keys and Device Certificates, and the demo Device CA that issues them (owner-only).</summary>
    public string DeviceKeysPath => System.IO.Path.Combine(Path, "device-keys");
    public bool IsInitialised => File.Exists(SettingsPath);

    public static DataFolder Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return new DataFolder(option);
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return new DataFolder(configured);
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(root))
            root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return new DataFolder(System.IO.Path.Combine(root, "openduis"));
    }

    public DataFolderSettings ReadSettings()
    {
        using var stream = File.OpenRead(SettingsPath);
        return JsonSerializer.Deserialize<DataFolderSettings>(stream, Json)
               ?? throw new InvalidDataException($"{SettingsPath} is empty.");
    }

    /// <summary>Opens the folder's store, initialising the folder with the demo environment if it is fresh.</summary>
    public async Task<ISmiStore> OpenStoreAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInitialised) return (await InitialiseAsync(new DataFolderSettings(), cancellationToken).ConfigureAwait(false)).Store;
        return await OpenStoreAsync(ReadSettings(), cancellationToken).ConfigureAwait(false);
    }

    private async Task<ISmiStore> OpenStoreAsync(DataFolderSettings settings, CancellationToken cancellationToken) => settings.Store switch
    {
        "sqlite" => await SqliteSmiStore.OpenAsync(SqlitePath, cancellationToken).ConfigureAwait(false),
        "postgres" => await PostgresSmiStore.OpenAsync(
            settings.PostgresConnectionString ?? throw new InvalidDataException($"{SettingsPath}: store is postgres but no connection string is given."),
            cancellationToken).ConfigureAwait(false),
        _ => throw new InvalidDataException($"{SettingsPath}: unknown store '{settings.Store}' (sqlite or postgres)."),
    };

    /// <summary>
    /// The folder's Device key store (<see cref="DeviceKeysPath"/>), using the Device keys its key folder
    /// provides instead of issuing them.
    /// </summary>
    public DeviceKeyStore OpenDeviceKeys(DataFolderSettings? settings = null, TimeProvider? clock = null) =>
        DeviceKeyStore.Open(DeviceKeysPath, (settings ?? ReadSettings()).Keys ?? DefaultKeysPath, clock);

    /// <summary>Gives every Device of the inventory its Device keys and certificates (those it lacks); returns how many were issued.</summary>
    public static async Task<int> EnsureDeviceKeysAsync(IInventoryStore store, DeviceKeyStore keys, CancellationToken cancellationToken = default)
    {
        var issued = 0;
        await foreach (var device in store.ReadDevicesAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Ensure(device.Id, out var now);
            if (now) issued++;
        }
        return issued;
    }

    /// <summary>
    /// Writes the settings, brings the database schema up to date and (re)seeds the demo
    /// environment, with each demo User's SMKI certificate references from the key folder, and
    /// gives every Device of the inventory its Device keys. Safe to run again on an initialised folder.
    /// </summary>
    public async Task<(ISmiStore Store, int CertificateReferences)> InitialiseAsync(DataFolderSettings settings, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path);
        settings = settings with { Keys = settings.Keys ?? DefaultKeysPath };
        // Without ZAZ1 keys the folder gets its own demo key set, generated once.
        if (settings.Keys == DefaultKeysPath) KeyFolder.GenerateDemoKeysIfEmpty(settings.Keys);
        var store = await OpenStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var certificates = KeyFolder.CertificateReferences(settings.Keys);
            await DemoEnvironment.SeedAsync(store, eui => certificates.TryGetValue(eui, out var refs) ? refs : [], cancellationToken).ConfigureAwait(false);
            await EnsureDeviceKeysAsync(store, OpenDeviceKeys(settings), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(SettingsPath, JsonSerializer.Serialize(settings, Json), cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(SettingsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite); // may hold a database password
            return (store, certificates.Values.Sum(v => v.Count));
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>
/// The SMKI certificate references of a key folder (the data folder's generated demo key set or a
/// ZAZ1 folder), read with the protocol key store, grouped by subject.
/// </summary>
public static class KeyFolder
{
    public static IReadOnlyDictionary<Eui, IReadOnlyList<SmkiCertificateRef>> CertificateReferences(string folder) =>
        KeyStore.Load(folder).Certificates
            .GroupBy(c => c.Subject)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<SmkiCertificateRef>)[.. g
                .Select(c => new SmkiCertificateRef(
                    c.SerialNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    c.Role.Value,
                    c.Usage == CertificateKeyUsage.KeyAgreement ? SmkiKeyUsage.KeyAgreement : SmkiKeyUsage.DigitalSignature,
                    c.Role.ToString()))
                .DistinctBy(r => r.SerialNumber)
                .OrderBy(r => r.SerialNumber, StringComparer.Ordinal)]);

    /// <summary>
    /// Generates the demo key set into an empty folder: an xmlSign and role certificates for each
    /// demo User, its role taken from its User Roles (the DCC's Users as Access Control Broker).
    /// Returns false, and writes nothing, if the folder already holds certificates.
    /// </summary>
    public static bool GenerateDemoKeysIfEmpty(string folder)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.pem").Any()) return false;
        var parties = DemoEnvironment.Parties.ToDictionary(p => p.Id);
        DemoKeySet.Generate(folder, DemoEnvironment.Users
            .Where(u => u.Id != DemoKeySet.DspEui)
            .Select(u => new DemoParty(u.Id,
                parties[u.Party].IsDcc ? RemotePartyRole.AccessControlBroker
                : u.Roles.Any(r => r.IsSupplier()) ? RemotePartyRole.Supplier
                : u.Roles.Any(r => r.IsNetworkOperator()) ? RemotePartyRole.NetworkOperator
                : RemotePartyRole.OtherUser)));
        return true;
    }
}
