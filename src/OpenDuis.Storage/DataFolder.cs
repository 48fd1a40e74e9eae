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

    /// <summary>
    /// The emulated Devices' own keys and Device Certificates, and the demo Device CA that issues them (owner-only), on
    /// SQLite; on PostgreSQL they are kept in the database, and this folder is only read, for keys issued before.
    /// </summary>
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

    /// <summary>
    /// Opens the folder's store. Only <c>init</c> and <c>serve</c> create a data folder
    /// (<see cref="OpenOrInitialiseStoreAsync"/>): anywhere else a folder that is not one is a mistyped
    /// <c>--data</c>, refused rather than filled with new keys.
    /// </summary>
    public async Task<SqlSmiStore> OpenStoreAsync(CancellationToken cancellationToken = default)
    {
        EnsureInitialised();
        return await OpenStoreAsync(ReadSettings(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the folder's database as its typed stores (the inventory, the registers, H17 reports); like
    /// <see cref="OpenStoreAsync(CancellationToken)"/>, only in a folder that is a data folder.
    /// </summary>
    public async Task<DataStores> OpenStoresAsync(CancellationToken cancellationToken = default)
    {
        EnsureInitialised();
        return new DataStores(await OpenStoreAsync(ReadSettings(), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Opens the folder's store, initialising the folder with the demo environment if it is fresh (<c>serve</c>).</summary>
    public async Task<SqlSmiStore> OpenOrInitialiseStoreAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInitialised) return (await InitialiseAsync(new DataFolderSettings(), cancellationToken).ConfigureAwait(false)).Store;
        return await OpenStoreAsync(ReadSettings(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The folder's key set: its key folder (generated, or the ZAZ1 folder given to init), and beside a
    /// ZAZ1 folder the demo keys generated for the Users it has none for.
    /// </summary>
    public KeyStore LoadKeys() => LoadKeys(ReadSettings());

    private KeyStore LoadKeys(DataFolderSettings settings)
    {
        var keys = KeyStore.Load(settings.Keys ?? DefaultKeysPath);
        if (settings.Keys is null || settings.Keys == DefaultKeysPath || !Directory.Exists(DefaultKeysPath)) return keys;
        return keys.Union(KeyStore.Load(DefaultKeysPath));
    }

    /// <summary>The folder's outbox, as the operator sees it (list, release parked messages).</summary>
    public async Task<(Core.Outbox.IOutboxAdmin Outbox, IAsyncDisposable Owner)> OpenOutboxAsync(CancellationToken cancellationToken = default)
    {
        EnsureInitialised();
        var settings = ReadSettings();
        if (settings.Store == "postgres")
        {
            var source = Npgsql.NpgsqlDataSource.Create(settings.PostgresConnectionString!);
            return (await Outbox.PostgresOutboxStore.OpenAsync(source, TimeProvider.System, cancellationToken).ConfigureAwait(false), source);
        }
        return (await Outbox.SqliteOutboxStore.OpenAsync(SqlitePath, TimeProvider.System, cancellationToken).ConfigureAwait(false), NoOwner.Instance);
    }

    private sealed class NoOwner : IAsyncDisposable
    {
        public static readonly NoOwner Instance = new();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Throws <see cref="DataFolderException"/> unless the folder has been initialised (by <c>init</c> or <c>serve</c>).</summary>
    public void EnsureInitialised()
    {
        EnsureNotAFile();
        if (!IsInitialised)
            throw new DataFolderException(DataFolderProblem.NotADataFolder,
                $"{Path} is not an OpenDUIS data folder (no openduis.json): create it with `openduis init --data {Path}`, or give the right --data.");
    }

    /// <summary>The folder's path, once <see cref="EnsureInitialised"/> passes.</summary>
    public string EnsuredPath()
    {
        EnsureInitialised();
        return Path;
    }

    private void EnsureNotAFile()
    {
        if (File.Exists(Path))
            throw new DataFolderException(DataFolderProblem.Unusable, $"--data {Path} is a file, not a folder: give a folder (`openduis init --data DIR` creates one).");
    }

    private async Task<SqlSmiStore> OpenStoreAsync(DataFolderSettings settings, CancellationToken cancellationToken) => settings.Store switch
    {
        // SQLite creates its -wal and -shm files with the database file's mode, so 0600 from the start.
        "sqlite" => await StoreOpening.SqliteAsync(CreateOwnerOnly(SqlitePath), cancellationToken).ConfigureAwait(false),
        "postgres" => await StoreOpening.PostgresAsync(
            settings.PostgresConnectionString ?? throw new InvalidDataException($"{SettingsPath}: store is postgres but no connection string is given."),
            cancellationToken).ConfigureAwait(false),
        _ => throw new InvalidDataException($"{SettingsPath}: unknown store '{settings.Store}' (sqlite or postgres)."),
    };

    private string CreateOwnerOnly(string file)
    {
        OwnerOnly.CreateDirectory(Path);
        OwnerOnly.EnsureFile(file);
        return file;
    }

    /// <summary>
    /// Narrows to the owner every file and folder of the data folder that group or others could read
    /// (files 0600, folders 0700): a folder made by an earlier version, or copied with looser modes.
    /// Returns what it changed, for the one line that says so.
    /// </summary>
    public IReadOnlyList<string> TightenModes()
    {
        try { return OwnerOnly.Tighten(Path); }
        catch (UnauthorizedAccessException)
        {
            throw new DataFolderException(DataFolderProblem.Unusable,
                $"The data folder {Path} can be read by group or others and belongs to another user, so it cannot be made owner-only: run OpenDUIS as its owner, or make it owner-only (chmod -R go-rwx).");
        }
    }

    /// <summary>The line that says what <see cref="TightenModes"/> changed, or null when it changed nothing.</summary>
    public string? DescribeTightened(IReadOnlyList<string> changed) => changed.Count == 0 ? null
        : $"Data folder {Path}: {changed.Count} file(s) and folder(s) could be read by group or others; made owner-only (files 0600, folders 0700): "
          + string.Join(", ", changed.Take(5).Select(c => System.IO.Path.GetRelativePath(Path, c))) + (changed.Count > 5 ? ", …" : "");

    /// <summary>
    /// The folder's Device key store, using the Device keys its key folder provides (in <paramref name="keys"/>, the
    /// folder's <see cref="LoadKeys()"/> when not given) instead of issuing them. On SQLite it is kept in
    /// <see cref="DeviceKeysPath"/>; on PostgreSQL in the database, shared by every node (on <paramref name="postgres"/>
    /// when given, else a connection pool of its own), after bringing in what <see cref="DeviceKeysPath"/> holds from
    /// before and the database lacks (the first node to bring a Device's keys wins).
    /// </summary>
    public Task<DeviceKeyStore> OpenDeviceKeysAsync(KeyStore? keys = null, TimeProvider? clock = null, Npgsql.NpgsqlDataSource? postgres = null,
        CancellationToken cancellationToken = default) => OpenDeviceKeysAsync(ReadSettings(), keys ?? LoadKeys(), clock, postgres, cancellationToken);

    private async Task<DeviceKeyStore> OpenDeviceKeysAsync(DataFolderSettings settings, KeyStore keys, TimeProvider? clock, Npgsql.NpgsqlDataSource? postgres,
        CancellationToken cancellationToken)
    {
        if (settings.Store != "postgres") return DeviceKeyStore.Open(DeviceKeysPath, keys, clock);
        var source = postgres ?? Npgsql.NpgsqlDataSource.Create(settings.PostgresConnectionString
            ?? throw new InvalidDataException($"{SettingsPath}: store is postgres but no connection string is given."));
        Gbcs.Keys.IDeviceKeyVault? vault = null;
        try
        {
            vault = await DeviceKeys.PostgresDeviceKeyVault.OpenAsync(source, ownsDataSource: postgres is null, clock, cancellationToken).ConfigureAwait(false);
            return Directory.Exists(DeviceKeysPath)
                ? DeviceKeyStore.OpenImporting(vault, new FolderDeviceKeyVault(DeviceKeysPath, create: false), keys, clock)
                : DeviceKeyStore.OpenIn(vault, keys, clock);
        }
        catch
        {
            if (vault is IDisposable owned) owned.Dispose();
            else if (postgres is null) await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
    public async Task<(SqlSmiStore Store, int CertificateReferences)> InitialiseAsync(DataFolderSettings settings, CancellationToken cancellationToken = default)
    {
        EnsureNotAFile();
        settings = settings with { Keys = settings.Keys ?? DefaultKeysPath };
        try
        {
            OwnerOnly.CreateDirectory(Path);
            // Without ZAZ1 keys the folder gets its own demo key set, generated once; beside ZAZ1 keys,
            // keys for the demo Users ZAZ1 has none for (the conformance runner's one-role Users among them).
            if (settings.Keys == DefaultKeysPath) KeyFolder.GenerateDemoKeysIfEmpty(settings.Keys);
            else KeyFolder.GenerateDemoKeysIfEmpty(DefaultKeysPath, except: KeyStore.Load(settings.Keys));
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new DataFolderException(DataFolderProblem.Unusable,
                $"The data folder {Path} cannot be created or written ({e.Message.TrimEnd('.')}): give a --data folder you may write.", e);
        }
        var store = await OpenStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var certificates = KeyFolder.CertificateReferences(LoadKeys(settings));
            await DemoEnvironment.SeedAsync(store, eui => certificates.TryGetValue(eui, out var refs) ? refs : [], cancellationToken).ConfigureAwait(false);
            using (var deviceKeys = await OpenDeviceKeysAsync(settings, LoadKeys(settings), null, null, cancellationToken).ConfigureAwait(false))
                await EnsureDeviceKeysAsync(store, deviceKeys, cancellationToken).ConfigureAwait(false);
            // Owner-only: a PostgreSQL connection string may carry a password.
            OwnerOnly.WriteAllText(SettingsPath, JsonSerializer.Serialize(settings, Json));
            return (store, certificates.Values.Sum(v => v.Count));
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>What is wrong with a data folder, each with its own exit code in the CLI.</summary>
public enum DataFolderProblem
{
    /// <summary>No openduis.json: a mistyped --data, or a folder never initialised.</summary>
    NotADataFolder,
    /// <summary>The path is a file, or the folder cannot be created or written.</summary>
    Unusable,
    /// <summary>The database is corrupt, unreadable, read-only or unreachable.</summary>
    DatabaseUnusable,
}

/// <summary>A data folder or its database cannot be used; the message is one sentence naming the path and what to do.</summary>
public sealed class DataFolderException(DataFolderProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    public DataFolderProblem Problem { get; } = problem;
}

/// <summary>
/// Opens a data folder's database, turning the engine's failures at start (not a database, corrupt,
/// unreadable, read-only, unreachable) into one sentence with the file's path.
/// </summary>
internal static class StoreOpening
{
    public static async Task<SqlSmiStore> SqliteAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            // SQLite opens a file it may not write read-only and fails only at the first write, deep in a request.
            try { using (File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { } }
            catch (UnauthorizedAccessException)
            {
                var readable = true;
                try { using (File.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) { } }
                catch (UnauthorizedAccessException) { readable = false; }
                throw new DataFolderException(DataFolderProblem.DatabaseUnusable, readable
                    ? $"The database {path} is read-only: OpenDUIS writes to it, so give the user running it write access (and to its folder)."
                    : $"The database {path} cannot be read (permission denied): give the user running OpenDUIS read and write access to it.");
            }
        }
        try
        {
            return await SqliteSmiStore.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var what = e.SqliteErrorCode switch
            {
                26 => "is not an SQLite database (damaged, or another file in its place)", // SQLITE_NOTADB
                11 => "is corrupt", // SQLITE_CORRUPT
                8 => "is read-only (or its folder is: SQLite writes its journal beside it)", // SQLITE_READONLY
                14 => "cannot be opened (missing folder or permission denied)", // SQLITE_CANTOPEN
                10 => "cannot be read or written (I/O error: is the disk full or failing?)", // SQLITE_IOERR
                _ => $"cannot be used ({e.Message.TrimEnd('.')})",
            };
            throw new DataFolderException(DataFolderProblem.DatabaseUnusable,
                $"The database {path} {what}: restore it from a backup, or move it aside and run `openduis init` for a new one.", e);
        }
    }

    public static async Task<SqlSmiStore> PostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            return await PostgresSmiStore.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException)
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            throw new DataFolderException(DataFolderProblem.DatabaseUnusable,
                $"The PostgreSQL database {b.Host}:{b.Port}/{b.Database} cannot be used ({e.Message.TrimEnd('.')}): check that it runs and the connection string in openduis.json.", e);
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
        CertificateReferences(KeyStore.Load(folder));

    public static IReadOnlyDictionary<Eui, IReadOnlyList<SmkiCertificateRef>> CertificateReferences(KeyStore keys) =>
        keys.Certificates
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
    /// <param name="except">A key set the folder sits beside (ZAZ1): its Users get no keys here, nor does the DSP.</param>
    public static bool GenerateDemoKeysIfEmpty(string folder, KeyStore? except = null)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.pem").Any()) return false;
        var parties = DemoEnvironment.Parties.ToDictionary(p => p.Id);
        var users = DemoEnvironment.Users.Where(u => u.Id != DemoKeySet.DspEui)
            .Select(u => new DemoParty(u.Id,
                parties[u.Party].IsDcc ? RemotePartyRole.AccessControlBroker
                : u.Roles.Any(r => r.IsSupplier()) ? RemotePartyRole.Supplier
                : u.Roles.Any(r => r.IsNetworkOperator()) ? RemotePartyRole.NetworkOperator
                : RemotePartyRole.OtherUser)).ToList();
        // GBCS: every User that receives device traffic holds a key-agreement key, by which the Devices MAC what they send it;
        // a User the key set beside signs for but gives none gets a demo one.
        bool HasAgreementKey(Eui user) => except!.Certificates.Any(c => c.Subject == user && c.Usage == CertificateKeyUsage.KeyAgreement)
            && except.SigningKeys.Any(k => k.Certificate.Subject == user && k.Certificate.Usage == CertificateKeyUsage.KeyAgreement);
        DemoKeySet.Generate(folder, users.Where(u => except?.FindXmlSigningKey(u.Party) is null), withDsp: except is null,
            keyAgreementOnly: except is null ? [] : users.Where(u => except.FindXmlSigningKey(u.Party) is not null && !HasAgreementKey(u.Party)));
        return true;
    }
}
