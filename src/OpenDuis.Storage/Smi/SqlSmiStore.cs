using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The state access control reads, as one <see cref="ISmiStore"/> over one database: the stores by
/// concern (<see cref="Inventory"/>, <see cref="Parties"/>, <see cref="Registrations"/>) over a shared
/// <see cref="SqlConnectionSource"/>, for the many callers (the look-up cache, the demo seed, the alert
/// producers) that read across all three. The engines differ in opening, migrating and the change feed.
/// </summary>
public abstract class SqlSmiStore : ISmiStore
{
    protected SqlSmiStore(SqlConnectionSource connections)
    {
        Connections = connections;
        Inventory = new SqlInventoryStore(connections);
        Parties = new SqlPartyStore(connections);
        Registrations = new SqlRegistrationStore(connections);
    }

    /// <summary>The database's connections, which the data folder's other stores (<see cref="DataStores"/>) share.</summary>
    public SqlConnectionSource Connections { get; }

    /// <summary>Devices, Device Logs, SMI Status history and the Central Products List.</summary>
    public SqlInventoryStore Inventory { get; }

    /// <summary>Parties and their Users.</summary>
    public SqlPartyStore Parties { get; }

    /// <summary>Registration Data.</summary>
    public SqlRegistrationStore Registrations { get; }

    public string Description => Connections.Description;

    /// <summary>Every committed change to Devices, Users, Registration Data and the CPL, whoever wrote it (migration 0018).</summary>
    public abstract ISmiChangeFeed Changes { get; }

    public ValueTask DisposeAsync() => Connections.DisposeAsync();

    // IInventoryStore
    public Task<Device?> FindDeviceAsync(Eui id, CancellationToken cancellationToken = default) => Inventory.FindDeviceAsync(id, cancellationToken);
    public Task SaveDeviceAsync(Device device, CancellationToken cancellationToken = default) => Inventory.SaveDeviceAsync(device, cancellationToken);
    public Task<Device> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken = default) => Inventory.ChangeStatusAsync(id, to, at, cancellationToken);
    public Task<bool> DeleteDeviceAsync(Eui id, CancellationToken cancellationToken = default) => Inventory.DeleteDeviceAsync(id, cancellationToken);
    public Task<long> ImportDevicesAsync(IAsyncEnumerable<Device> devices, CancellationToken cancellationToken = default) => Inventory.ImportDevicesAsync(devices, cancellationToken);
    public Task<IReadOnlyList<Device>> SearchDevicesAsync(DeviceSearch search, int limit, CancellationToken cancellationToken = default) => Inventory.SearchDevicesAsync(search, limit, cancellationToken);
    public IAsyncEnumerable<Device> ReadDevicesAsync(CancellationToken cancellationToken = default) => Inventory.ReadDevicesAsync(cancellationToken);
    public Task AddToDeviceLogAsync(DeviceLogEntry entry, CancellationToken cancellationToken = default) => Inventory.AddToDeviceLogAsync(entry, cancellationToken);
    public Task RemoveFromDeviceLogAsync(Eui hub, Eui device, CancellationToken cancellationToken = default) => Inventory.RemoveFromDeviceLogAsync(hub, device, cancellationToken);
    public Task<IReadOnlyList<DeviceLogEntry>> DeviceLogAsync(Eui hub, CancellationToken cancellationToken = default) => Inventory.DeviceLogAsync(hub, cancellationToken);
    public Task<SmiStatus?> StatusBeforeSuspensionAsync(Eui id, CancellationToken cancellationToken = default) => Inventory.StatusBeforeSuspensionAsync(id, cancellationToken);
    public Task<IReadOnlyList<SmiStatusRecord>> StatusHistoryAsync(Eui id, int limit = 100, CancellationToken cancellationToken = default) => Inventory.StatusHistoryAsync(id, limit, cancellationToken);
    public Task SaveProductAsync(CplEntry product, CancellationToken cancellationToken = default) => Inventory.SaveProductAsync(product, cancellationToken);
    public Task<CplEntry?> FindProductAsync(string manufacturer, string model, string firmwareVersion, CancellationToken cancellationToken = default) => Inventory.FindProductAsync(manufacturer, model, firmwareVersion, cancellationToken);
    public Task<IReadOnlyList<CplEntry>> ProductsAsync(CancellationToken cancellationToken = default) => Inventory.ProductsAsync(cancellationToken);

    // IPartyStore
    public Task SavePartyAsync(Party party, CancellationToken cancellationToken = default) => Parties.SavePartyAsync(party, cancellationToken);
    public Task<Party?> FindPartyAsync(PartyId id, CancellationToken cancellationToken = default) => Parties.FindPartyAsync(id, cancellationToken);
    public Task<IReadOnlyList<Party>> PartiesAsync(CancellationToken cancellationToken = default) => Parties.PartiesAsync(cancellationToken);
    public Task SaveUserAsync(ServiceUser user, CancellationToken cancellationToken = default) => Parties.SaveUserAsync(user, cancellationToken);
    public Task<ServiceUser?> FindUserAsync(Eui id, CancellationToken cancellationToken = default) => Parties.FindUserAsync(id, cancellationToken);
    public Task<UserAddress?> FindUserAddressAsync(Eui id, CancellationToken cancellationToken = default) => Parties.FindUserAddressAsync(id, cancellationToken);
    public IAsyncEnumerable<ServiceUser> ReadUsersAsync(CancellationToken cancellationToken = default) => Parties.ReadUsersAsync(cancellationToken);
    public Task<long> ImportUsersAsync(IAsyncEnumerable<(Party Party, ServiceUser User)> rows, CancellationToken cancellationToken = default) => Parties.ImportUsersAsync(rows, cancellationToken);

    // IRegistrationStore
    public Task RegisterAsync(RegistrationPeriod period, CancellationToken cancellationToken = default) => Registrations.RegisterAsync(period, cancellationToken);
    public Task<RegistrationHistory> HistoryAsync(Mpxn mpxn, RegisteredRole role, CancellationToken cancellationToken = default) => Registrations.HistoryAsync(mpxn, role, cancellationToken);
    public Task<PartyId?> RegisteredPartyAsync(Mpxn mpxn, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default) => Registrations.RegisteredPartyAsync(mpxn, role, at, cancellationToken);
    public IAsyncEnumerable<RegistrationPeriod> ReadRegistrationsAsync(CancellationToken cancellationToken = default) => Registrations.ReadRegistrationsAsync(cancellationToken);
    public Task<long> ImportRegistrationsAsync(IAsyncEnumerable<RegistrationPeriod> periods, CancellationToken cancellationToken = default) => Registrations.ImportRegistrationsAsync(periods, cancellationToken);
}
