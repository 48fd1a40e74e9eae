using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Keys;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.RequestLog;
using OpenDuis.Storage.Schedules;
using OpenDuis.Storage.Transactions;
using OpenDuis.Storage.Execution;
using OpenDuis.Core.Requests;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// Opens what a data folder holds for serving: its store (initialising a fresh folder with the demo
/// environment), its key folder, the outbox in the same database, the in-memory view of its inventory
/// that access control reads (<see cref="SmiCache"/>), and its demo DCCKI (generated on first use).
/// </summary>
public sealed class DataFolderHost : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private Storage.Notifications.PostgresNotifications? _notifications;
    private Storage.Notifications.PostgresNotifications? _handed;
    private Storage.Notifications.PostgresNotifications? _released;

    public DataFolder Folder { get; }

    /// <summary>The folder's database as typed stores (inventory, registers, H17 reports).</summary>
    public DataStores Stores { get; }
    public ISmiStore Store => Stores.Smi;
    public KeyStore Keys { get; }
    public IOutboxStore Outbox { get; }

    /// <summary>The DCC Schedules (5.1-5.3), in the same database as the inventory.</summary>
    public IScheduleStore Schedules { get; }

    /// <summary>The request log (E55, sequencing, E63), kept in the same database so it survives a restart.</summary>
    public DurableRequestLog RequestLog { get; }

    /// <summary>One transaction across <see cref="Store"/>, <see cref="Schedules"/> and <see cref="Outbox"/>, which share the folder's database (R-WS-2).</summary>
    public Core.Transactions.IUnitOfWork UnitOfWork { get; }

    /// <summary>The emulated SM WAN's injected faults and held Future Dated (DSP) requests, kept in the same database.</summary>
    public ISmWanExecutionStore SmWanState { get; }
    public SmiCache Cache { get; }

    /// <summary>The emulated Devices' own keys and Device Certificates (<see cref="DataFolder.OpenDeviceKeysAsync"/>: the data folder's device-keys/ on SQLite, the database on PostgreSQL).</summary>
    public InventoryDeviceKeys DeviceKeys { get; }
    public SmiCacheAccessSnapshot AccessSnapshot { get; }
    /// <summary>The inventory's change feed, from where <see cref="Cache"/> was loaded: other processes' writes reach it.</summary>
    public SmiChangeFollowing? Changes { get; private init; }
    public DcckiFiles Dccki => new(Path.Combine(Folder.Path, "dccki"));

    private DataFolderHost(DataFolder folder, DataStores stores, KeyStore keys, IOutboxStore outbox, NpgsqlDataSource? postgres,
        SmiCache cache, SmiCacheAccessSnapshot accessSnapshot, IScheduleStore schedules, DurableRequestLog requestLog, Core.Transactions.IUnitOfWork unitOfWork,
        ISmWanExecutionStore smWanState, InventoryDeviceKeys deviceKeys)
    {
        DeviceKeys = deviceKeys;
        SmWanState = smWanState;
        UnitOfWork = unitOfWork;
        RequestLog = requestLog;
        Schedules = schedules;
        Cache = cache;
        AccessSnapshot = accessSnapshot;
        Folder = folder;
        Stores = stores;
        Keys = keys;
        Outbox = outbox;
        _postgres = postgres;
    }

    /// <summary>The Pre-Commands issued by every node sharing the database (PostgreSQL); null for a node alone, which keeps its own.</summary>
    public IIssuedPreCommandStore? IssuedPreCommands { get; private init; }

    /// <summary>This node's number among nodes sharing the database, in the ResponseIDs it originates (<see cref="Core.Alerts.ResponseCounter"/>); null on SQLite.</summary>
    public int? NodeNumber { get; private init; }

    /// <summary>This node's name (<see cref="RequestLog"/>'s owner).</summary>
    public NodeName Node { get; private init; } = NodeName.Machine;

    /// <summary>What was narrowed to owner-only when the folder was opened (<see cref="DataFolder.TightenModes"/>).</summary>
    public IReadOnlyList<string> Tightened { get; private init; } = [];

    /// <summary>The storage probe's write to the folder's database (<see cref="Observability.StorageProbe"/>).</summary>
    public Core.Transactions.IStorageHeartbeat Heartbeat { get; private init; } = null!;

    /// <summary>Whether the folder's database takes writes (<see cref="RequestLog"/> and the server's outbox worker report to it).</summary>
    public Core.Transactions.StorageHealth Health { get; private init; } = new();

    /// <param name="initialise">Initialise a fresh folder (<c>serve</c>); otherwise a folder that is not one is refused.</param>
    /// <param name="node">This node's name: the owner of its claims and queued commands (default <see cref="NodeName.Default"/> on PostgreSQL, <see cref="NodeName.Machine"/> on SQLite).</param>
    /// <param name="nodeLease">How long this node's commands and Devices stay its own without a renewal (default <see cref="DurableRequestLog.CommandLease"/>).</param>
    public static async Task<DataFolderHost> OpenAsync(DataFolder folder, TimeProvider clock, CancellationToken cancellationToken = default, bool initialise = false,
        NodeName? node = null, TimeSpan? nodeLease = null)
    {
        var tightened = folder.TightenModes();
        var stores = new DataStores(await (initialise ? folder.OpenOrInitialiseStoreAsync(cancellationToken) : folder.OpenStoreAsync(cancellationToken)));
        var store = stores.Smi;
        var settings = folder.ReadSettings();
        var keys = folder.LoadKeys();
        NpgsqlDataSource? postgres = null;
        IOutboxStore outbox;
        IScheduleStore schedules;
        IRequestLogStore requestLog;
        Core.Transactions.IUnitOfWork unitOfWork;
        ISmWanExecutionStore smWanState;
        Core.Transactions.IStorageHeartbeat heartbeat;
        IIssuedPreCommandStore? preCommands = null;
        int? nodeNumber = null;
        if (settings.Store == "postgres")
        {
            postgres = NpgsqlDataSource.Create(settings.PostgresConnectionString!);
            outbox = await PostgresOutboxStore.OpenAsync(postgres, clock, cancellationToken);
            schedules = await PostgresScheduleStore.OpenAsync(settings.PostgresConnectionString!, cancellationToken);
            requestLog = await PostgresRequestLogStore.OpenAsync(postgres, cancellationToken);
            unitOfWork = new PostgresUnitOfWork(postgres);
            smWanState = await PostgresSmWanExecutionStore.OpenAsync(postgres, cancellationToken);
            heartbeat = new Storage.Health.PostgresStorageHeartbeat(postgres);
            preCommands = await PostgresIssuedPreCommandStore.OpenAsync(postgres, cancellationToken);
            nodeNumber = await PostgresIssuedPreCommandStore.TakeNodeNumberAsync(postgres, Core.Alerts.ResponseCounter.NodeNumbers, cancellationToken);
        }
        else
        {
            outbox = await SqliteOutboxStore.OpenAsync(folder.SqlitePath, clock, cancellationToken);
            schedules = await SqliteScheduleStore.OpenAsync(folder.SqlitePath, cancellationToken);
            requestLog = await SqliteRequestLogStore.OpenAsync(folder.SqlitePath, cancellationToken);
            unitOfWork = new SqliteUnitOfWork(folder.SqlitePath);
            smWanState = await SqliteSmWanExecutionStore.OpenAsync(folder.SqlitePath, cancellationToken);
            heartbeat = new Storage.Health.SqliteStorageHeartbeat(folder.SqlitePath);
        }
        // The feed's position is taken before the inventory is read: a change committed meanwhile is read again, never missed.
        // On PostgreSQL the inventory's writers NOTIFY at commit: the follower reads at once, not at its next poll.
        var notifications = postgres is null ? null : new Storage.Notifications.PostgresNotifications(postgres, Storage.Notifications.PostgresNotifications.SmiChannel);
        var changes = new SmiChangeFollowing(store.Changes, await store.Changes.PositionAsync(cancellationToken), notifications);
        var cache = await SmiCache.LoadAsync(store, cancellationToken);
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(cache, cancellationToken);
        var health = new Core.Transactions.StorageHealth(clock);
        node ??= requestLog.IsShared ? NodeName.Default : NodeName.Machine;
        var log = await DurableRequestLog.OpenAsync(requestLog, clock, OpenDuisServices.DefaultDeviceRequestHold, OpenDuisServices.RequestLogRetention,
            OpenDuisServices.UnlinkedRequestRetention, cancellationToken, owner: node.Value, health: health, lease: nodeLease);
        // Another node hands this one the commands of the Devices it owns, and NOTIFYs at commit: they are taken at once.
        var handed = postgres is null ? null : new Storage.Notifications.PostgresNotifications(postgres, Storage.Notifications.PostgresNotifications.CommandChannel);
        log.HandedCommands = handed;
        // A node stopping gracefully (or fenced off) leaves its commands and NOTIFYs: they are taken over at once.
        var released = postgres is null ? null : new Storage.Notifications.PostgresNotifications(postgres, Storage.Notifications.PostgresNotifications.ReleaseChannel);
        log.ReleasedCommands = released;
        var deviceKeys = new InventoryDeviceKeys(await folder.OpenDeviceKeysAsync(keys, clock, postgres, cancellationToken), cache);
        return new DataFolderHost(folder, stores, keys, outbox, postgres, cache, snapshot, schedules, log, unitOfWork, smWanState, deviceKeys) { Changes = changes, Tightened = tightened, Health = health, Heartbeat = heartbeat, Node = node, _notifications = notifications, _handed = handed, _released = released,
            IssuedPreCommands = preCommands, NodeNumber = nodeNumber };
    }

    /// <summary>The demo DCCKI for the duis profile: a CA, the server certificate and one client certificate per demo User.</summary>
    public DcckiFiles EnsureDemoDccki(TimeProvider clock)
    {
        var files = Dccki;
        if (!files.Exists)
            DcckiDemoPki.Generate(files.Directory, DemoEnvironment.Users.Select(u => u.Id), clock);
        DcckiDemoPki.EnsureDspClient(files, clock);
        return files;
    }

    public async ValueTask DisposeAsync()
    {
        await RequestLog.DisposeAsync();
        await Stores.DisposeAsync();
        await Schedules.DisposeAsync();
        DeviceKeys.Store.Dispose();
        if (_notifications is not null) await _notifications.DisposeAsync();
        if (_handed is not null) await _handed.DisposeAsync();
        if (_released is not null) await _released.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}

public static class DataFolderServices
{
    /// <summary>
    /// OpenDUIS over a data folder: its keys and stores, access control over its inventory with the request log
    /// kept in its database, its DCC Schedules, Device keys and change feed, and its database's health. The SM WAN
    /// (<see cref="SmWanHosting.AddSmWan"/>) keeps its faults and held requests in the same database.
    /// </summary>
    public static OpenDuisBuilder AddOpenDuis(this IServiceCollection services, DataFolderHost host, Protocol.Schema.DuisSchemas? schemas = null)
    {
        services.Configure<SmWanOptions>(o =>
        {
            o.State = host.SmWanState;
            o.IssuedPreCommands = host.IssuedPreCommands;
        });
        var builder = services.AddOpenDuis(o =>
            {
                o.Keys = host.Keys;
                o.Store = host.Store;
                o.Outbox = host.Outbox;
                o.UnitOfWork = host.UnitOfWork;
                o.Schemas = schemas;
                o.NodeNumber = host.NodeNumber;
            })
            .UseStorageHealth(host.Health, host.Heartbeat)
            .AddAccessControl(host.AccessSnapshot, host.RequestLog)
            .AddDccSchedules(host.Schedules)
            .AddDeviceKeys(host.DeviceKeys);
        return host.Changes is { } changes ? builder.FollowChanges(changes) : builder;
    }
}
