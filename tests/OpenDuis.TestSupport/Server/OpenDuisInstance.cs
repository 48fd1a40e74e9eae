using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Smi;
using Microsoft.Extensions.Logging;

namespace OpenDuis.TestSupport;

/// <summary>
/// A real OpenDUIS on a loopback port: SQLite state seeded with the demo environment, the ZAZ1 key
/// store (so the DCC Boxed tool, which trusts only ZAZ1, signs requests and validates answers), and
/// the access-control pipeline over the inventory's cache (write through <see cref="Cache"/> to change
/// what it sees).
/// </summary>
public sealed class OpenDuisInstance : IAsyncDisposable
{
    public string Directory { get; }
    public string DatabasePath => Path.Combine(Directory, "openduis.db");
    public SqliteSmiStore Store { get; private set; } = null!;
    public SqliteOutboxStore Outbox { get; private set; } = null!;
    public OpenDuis.Storage.Schedules.SqliteScheduleStore Schedules { get; private set; } = null!;
    public SmiCache Cache { get; private set; } = null!;

    /// <summary>The emulated Devices' own keys (in the instance's folder), issued to Devices as they are pre-notified or first asked for.</summary>
    public InventoryDeviceKeys DeviceKeys { get; private set; } = null!;
    public DuisServer Server { get; private set; } = null!;
    public HttpClient Http { get; } = new();

    private OpenDuisInstance(string directory) => Directory = directory;

    /// <summary>Users with no ZAZ1 xmlSign key (the DCC Boxed tool cannot sign for them): demo keys are issued for them.</summary>
    public static readonly Eui[] UsersWithoutZaz1XmlSignKey = [DemoEnvironment.LoadController, DemoEnvironment.SupplierSecondUser];

    /// <summary>
    /// The ZAZ1 key store as DCC Boxed has it (zaz1-keystore.json: its DSP key is the one the tool
    /// trusts) plus demo xmlSign keys for <see cref="UsersWithoutZaz1XmlSignKey"/> and the SMETS1 Service Provider.
    /// </summary>
    public static readonly Lazy<KeyStore> TestKeys = new(() =>
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("openduis-testkeys-").FullName;
        File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(folder, "zaz1-keystore.json"));
        var demo = Path.Combine(folder, "demo");
        DemoKeySet.Generate(demo, UsersWithoutZaz1XmlSignKey.Select(u => new DemoParty(u, RemotePartyRole.Supplier)));
        foreach (var user in UsersWithoutZaz1XmlSignKey)
            foreach (var ext in (string[])[".pem", ".key"])
                File.Copy(Path.Combine(demo, $"xml-sign-{user.ToCompactString()}-ds{ext}"), Path.Combine(folder, $"xml-sign-{user.ToCompactString()}-ds{ext}"));
        // The SMETS1 Service Provider's own key, which signs its SMETS1 Responses and S1SP Alerts.
        foreach (var ext in (string[])[".pem", ".key"])
            File.Copy(Path.Combine(demo, $"s1sp-xml-sign-{DemoKeySet.Smets1ServiceProviderEui.ToCompactString()}-ds{ext}"),
                Path.Combine(folder, $"s1sp-xml-sign-{DemoKeySet.Smets1ServiceProviderEui.ToCompactString()}-ds{ext}"));
        System.IO.Directory.Delete(demo, true);
        return KeyStore.Load(folder);
    });

    /// <param name="network">The emulated SM WAN's settings: with them device requests are answered by emulated devices.</param>
    /// <param name="schemas">False runs without the official XSDs, as <c>openduis serve</c> without <c>--schemas</c>.</param>
    public static async Task<OpenDuisInstance> StartAsync(string? directory = null, ServerOptions? options = null, OpenDuis.Network.EmulatedSmWanOptions? network = null,
        bool schemas = true)
    {
        var instance = new OpenDuisInstance(directory ?? System.IO.Directory.CreateTempSubdirectory("openduis-server-").FullName);
        var fresh = !File.Exists(instance.DatabasePath);
        instance.Store = await SqliteSmiStore.OpenAsync(instance.DatabasePath);
        if (fresh) await DemoEnvironment.SeedAsync(instance.Store);
        instance.Outbox = await SqliteOutboxStore.OpenAsync(instance.DatabasePath, TimeProvider.System);
        instance.Schedules = await OpenDuis.Storage.Schedules.SqliteScheduleStore.OpenAsync(instance.DatabasePath);
        instance.Cache = await SmiCache.LoadAsync(instance.Store);
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(instance.Cache);
        instance.DeviceKeys = new InventoryDeviceKeys(OpenDuis.Gbcs.Keys.DeviceKeyStore.Open(Path.Combine(instance.Directory, "device-keys")), instance.Cache);
        var keys = TestKeys.Value;
        instance.Server = await DuisServer.StartAsync(
            options ?? new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning },
            services =>
            {
                var openDuis = services.AddOpenDuis(o =>
                    {
                        o.Keys = keys;
                        o.Store = instance.Store;
                        o.Outbox = instance.Outbox;
                        o.Schemas = schemas ? OpenDuis.Protocol.Schema.DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")) : null;
                        o.UnitOfWork = new OpenDuis.Storage.Transactions.SqliteUnitOfWork(instance.DatabasePath);
                    })
                    .AddAccessControl(snapshot)
                    .AddDccSchedules(instance.Schedules)
                    .AddDeviceKeys(instance.DeviceKeys)
                    .AddAnomalyDetection();
                if (network is not null) openDuis.AddSmWan(o => o.Network = network);
            });
        return instance;
    }

    public async Task StopAsync()
    {
        await Server.DisposeAsync();
        await Store.DisposeAsync();
        await Schedules.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
