using System.Text.Json;
using System.Text.Json.Serialization;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage;

/// <summary>Which database a data folder uses, and where its keys are; kept in &lt;data&gt;/openduis.json.</summary>
public sealed record DataFolderSettings
{
    /// <summary>"sqlite" (the embedded default, &lt;data&gt;/openduis.db) or "postgres".</summary>
    public string Store { get; init; } = "sqlite";
    public string? PostgresConnectionString { get; init; }
    /// <summary>The key folder: &lt;data&gt;/keys, or the ZAZ1 folder given to init.</summary>
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
    /// Writes the settings, brings the database schema up to date and (re)seeds the demo
    /// environment, with each demo User's SMKI certificate references from the key folder.
    /// Safe to run again on an initialised folder.
    /// </summary>
    public async Task<(ISmiStore Store, int CertificateReferences)> InitialiseAsync(DataFolderSettings settings, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path);
        settings = settings with { Keys = settings.Keys ?? DefaultKeysPath };
        Directory.CreateDirectory(settings.Keys);
        var store = await OpenStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var certificates = Zaz1Keystore.ReadCertificateReferences(settings.Keys);
            await DemoEnvironment.SeedAsync(store, eui => certificates.TryGetValue(eui, out var refs) ? refs : [], cancellationToken).ConfigureAwait(false);
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
/// Reads the SMKI certificate references (subject EUI, serial number, role, key usage) from a ZAZ1
/// style key folder's <c>zaz1-keystore.json</c>; an absent file yields none.
/// </summary>
public static class Zaz1Keystore
{
    public const string FileName = "zaz1-keystore.json";

    public static IReadOnlyDictionary<Eui, IReadOnlyList<SmkiCertificateRef>> ReadCertificateReferences(string folder)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        var result = new Dictionary<Eui, IReadOnlyList<SmkiCertificateRef>>();
        if (!File.Exists(path)) return result;
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var party in document.RootElement.EnumerateObject())
        {
            if (!Eui.TryParse(party.Name, out var eui))
                throw new InvalidDataException($"{path}: '{party.Name}' is not an EUI-64.");
            var refs = new List<SmkiCertificateRef>();
            foreach (var usage in party.Value.EnumerateObject())
            {
                var keyUsage = usage.Name switch
                {
                    "digitalSignature" => SmkiKeyUsage.DigitalSignature,
                    "keyAgreement" => SmkiKeyUsage.KeyAgreement,
                    _ => throw new InvalidDataException($"{path}: unknown key usage '{usage.Name}' for {eui}."),
                };
                foreach (var cert in usage.Value.EnumerateObject())
                {
                    var role = cert.Value.TryGetProperty("role", out var r) ? r.GetInt32() : 0;
                    var name = cert.Value.TryGetProperty("name", out var n) ? n.GetString() : null;
                    refs.Add(new SmkiCertificateRef(cert.Name, role, keyUsage, name));
                }
            }
            result[eui] = [.. refs.OrderBy(x => x.SerialNumber, StringComparer.Ordinal)];
        }
        return result;
    }
}
