using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>What an inventory search asks for: a Device at this MPxN or (either matches) this UPRN, in this SMI Status.</summary>
public sealed record DeviceSearch(Mpxn? Mpxn, Uprn? Uprn, SmiStatus? Status);

/// <summary>The Smart Metering Inventory: Devices, Device Logs and the Central Products List.</summary>
public interface IInventoryStore
{
    Task<Device?> FindDeviceAsync(Eui id, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a Device as given (its status is taken as is: use <see cref="ChangeStatusAsync"/> for lifecycle changes).</summary>
    Task SaveDeviceAsync(Device device, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a Device to another SMI Status if the lifecycle allows it, recording the change.
    /// Throws <see cref="IllegalSmiTransitionException"/> if not, <see cref="KeyNotFoundException"/> for an unknown Device.
    /// </summary>
    Task<Device> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Removes a Device and its Device Log lines (SR 8.4 DeleteDevice), keeping its status history; false if it was not there.</summary>
    Task<bool> DeleteDeviceAsync(Eui id, CancellationToken cancellationToken = default);

    /// <summary>Adds many new Devices in one transaction: all of them, or none if any fails. Returns the count.</summary>
    Task<long> ImportDevicesAsync(IAsyncEnumerable<Device> devices, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first <paramref name="limit"/> Devices, in EUI order, whose MPxN or UPRN is the one sought and
    /// whose SMI Status is the one sought (each criterion left null matches every Device): answered from
    /// the store's indexes, so it does not walk a million Devices.
    /// </summary>
    Task<IReadOnlyList<Device>> SearchDevicesAsync(DeviceSearch search, int limit, CancellationToken cancellationToken = default);

    /// <summary>Streams every Device in EUI order; repeated manufacturer, model and firmware texts come back as one shared string each.</summary>
    IAsyncEnumerable<Device> ReadDevicesAsync(CancellationToken cancellationToken = default);

    Task AddToDeviceLogAsync(DeviceLogEntry entry, CancellationToken cancellationToken = default);
    Task RemoveFromDeviceLogAsync(Eui hub, Eui device, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<DeviceLogEntry>> DeviceLogAsync(Eui hub, CancellationToken cancellationToken = default);

    /// <summary>
    /// The SMI Status a Device had before its latest suspension, from its status history (SEC F2.9 restores it);
    /// null when the Device was never Suspended (e.g. imported Suspended).
    /// </summary>
    Task<SmiStatus?> StatusBeforeSuspensionAsync(Eui id, CancellationToken cancellationToken = default);

    Task SaveProductAsync(CplEntry product, CancellationToken cancellationToken = default);
    Task<CplEntry?> FindProductAsync(string manufacturer, string model, string firmwareVersion, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<CplEntry>> ProductsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A User's response endpoint and declared DUIS version (<see cref="ServiceUser.ResponseEndpoint"/>, <see cref="ServiceUser.DuisVersion"/>).</summary>
public sealed record UserAddress(Uri? ResponseEndpoint, string DuisVersion);

/// <summary>Parties and their Users (User IDs, roles, status, SMKI certificate references, endpoint).</summary>
public interface IPartyStore
{
    Task SavePartyAsync(Party party, CancellationToken cancellationToken = default);
    Task<Party?> FindPartyAsync(PartyId id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<Party>> PartiesAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a User, its roles and certificate references. Its Party must exist.</summary>
    Task SaveUserAsync(ServiceUser user, CancellationToken cancellationToken = default);
    Task<ServiceUser?> FindUserAsync(Eui id, CancellationToken cancellationToken = default);

    /// <summary>
    /// What the DCC needs to send a User its messages, without its roles and certificates: its response endpoint and
    /// declared DUIS version (delivery and the DUIS version check ask for them every round); null for an unknown User.
    /// </summary>
    async Task<UserAddress?> FindUserAddressAsync(Eui id, CancellationToken cancellationToken = default) =>
        await FindUserAsync(id, cancellationToken).ConfigureAwait(false) is { } user ? new UserAddress(user.ResponseEndpoint, user.DuisVersion) : null;

    IAsyncEnumerable<ServiceUser> ReadUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces Parties and Users in one transaction: all, or none if any fails.</summary>
    Task<long> ImportUsersAsync(IAsyncEnumerable<(Party Party, ServiceUser User)> rows, CancellationToken cancellationToken = default);
}

/// <summary>Registration Data: who is the Registered Supplier / Network Operator of an MPxN, when.</summary>
public interface IRegistrationStore
{
    /// <summary>Records a registration from its start; an earlier open period is closed there, history is kept.</summary>
    Task RegisterAsync(RegistrationPeriod period, CancellationToken cancellationToken = default);

    Task<RegistrationHistory> HistoryAsync(Mpxn mpxn, RegisteredRole role, CancellationToken cancellationToken = default);

    /// <summary>The Party registered for <paramref name="role"/> of <paramref name="mpxn"/> at <paramref name="at"/>, if any.</summary>
    Task<PartyId?> RegisteredPartyAsync(Mpxn mpxn, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default);

    IAsyncEnumerable<RegistrationPeriod> ReadRegistrationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Records many registrations in one transaction, in the order given: all, or none if any fails.</summary>
    Task<long> ImportRegistrationsAsync(IAsyncEnumerable<RegistrationPeriod> periods, CancellationToken cancellationToken = default);
}

/// <summary>All the state access control reads, in one database.</summary>
public interface ISmiStore : IInventoryStore, IPartyStore, IRegistrationStore, IAsyncDisposable
{
    /// <summary>A short description for humans, e.g. "SQLite /var/lib/openduis/openduis.db".</summary>
    string Description { get; }
}
