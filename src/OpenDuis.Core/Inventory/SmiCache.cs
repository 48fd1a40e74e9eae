using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// The read-optimised view of the SMI, Users and Registration Data that access control consults on
/// every request ("device by EUI", "user by EUI", "who is registered for this MPxN at T"), answered
/// from memory without locks. Writes go to the store first and then to the cache, so the cache is
/// never ahead of the database. Writes by other processes (the CLI's imports, another node sharing a
/// PostgreSQL database) reach it through the change feed (<see cref="ApplyAsync"/>). Inside a unit of work
/// (<see cref="UnitOfWorkContext"/>) the cache changes only once the transaction commits: a change
/// rolled back never reaches access control.
/// </summary>
public sealed class SmiCache
{
    private readonly ConcurrentDictionary<Eui, Device> _devices;
    private readonly ConcurrentDictionary<Eui, ServiceUser> _users;
    private readonly ConcurrentDictionary<(Mpxn, RegisteredRole), RegistrationHistory> _registrations;

    private SmiCache(ISmiStore store, ConcurrentDictionary<Eui, Device> devices, ConcurrentDictionary<Eui, ServiceUser> users,
        ConcurrentDictionary<(Mpxn, RegisteredRole), RegistrationHistory> registrations)
    {
        Store = store;
        _devices = devices;
        _users = users;
        _registrations = registrations;
    }

    public ISmiStore Store { get; }
    public int DeviceCount => _devices.Count;
    public int UserCount => _users.Count;

    /// <summary>Reads everything from the store into memory.</summary>
    public static async Task<SmiCache> LoadAsync(ISmiStore store, CancellationToken cancellationToken = default)
    {
        var (devices, users, registrations) = await ReadAllAsync(store, cancellationToken).ConfigureAwait(false);
        return new SmiCache(store, devices, users, registrations);
    }

    private static async Task<(ConcurrentDictionary<Eui, Device>, ConcurrentDictionary<Eui, ServiceUser>, ConcurrentDictionary<(Mpxn, RegisteredRole), RegistrationHistory>)>
        ReadAllAsync(ISmiStore store, CancellationToken cancellationToken)
    {
        var devices = new ConcurrentDictionary<Eui, Device>();
        await foreach (var d in store.ReadDevicesAsync(cancellationToken).ConfigureAwait(false))
            devices[d.Id] = d;

        var users = new ConcurrentDictionary<Eui, ServiceUser>();
        await foreach (var u in store.ReadUsersAsync(cancellationToken).ConfigureAwait(false))
            users[u.Id] = u;

        var grouped = new Dictionary<(Mpxn, RegisteredRole), List<RegistrationPeriod>>();
        await foreach (var p in store.ReadRegistrationsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!grouped.TryGetValue((p.Mpxn, p.Role), out var list)) grouped[(p.Mpxn, p.Role)] = list = [];
            list.Add(p);
        }
        var registrations = new ConcurrentDictionary<(Mpxn, RegisteredRole), RegistrationHistory>(
            grouped.Select(g => KeyValuePair.Create(g.Key, new RegistrationHistory(g.Value))));
        return (devices, users, registrations);
    }

    /// <summary>
    /// Reads again what another writer changed (from the change feed), or everything when the batch
    /// overflowed. Returns whether the Central Products List changed (it is held beside the cache).
    /// </summary>
    public async Task<bool> ApplyAsync(SmiChangeBatch batch, CancellationToken cancellationToken = default)
    {
        if (batch.Overflowed)
        {
            var (devices, users, registrations) = await ReadAllAsync(Store, cancellationToken).ConfigureAwait(false);
            Replace(_devices, devices);
            Replace(_users, users);
            Replace(_registrations, registrations);
            return true;
        }
        var products = false;
        foreach (var change in batch.Changes)
        {
            switch (change)
            {
                case SmiChange.DeviceChanged(var id):
                    if (await Store.FindDeviceAsync(id, cancellationToken).ConfigureAwait(false) is { } device) _devices[id] = device;
                    else _devices.TryRemove(id, out _);
                    break;
                case SmiChange.UserChanged(var id):
                    if (await Store.FindUserAsync(id, cancellationToken).ConfigureAwait(false) is { } user) _users[id] = user;
                    else _users.TryRemove(id, out _);
                    break;
                case SmiChange.RegistrationChanged(var mpxn, var role):
                    var history = await Store.HistoryAsync(mpxn, role, cancellationToken).ConfigureAwait(false);
                    if (history.Periods.Count > 0) _registrations[(mpxn, role)] = history;
                    else _registrations.TryRemove((mpxn, role), out _);
                    break;
                case SmiChange.ProductsChanged:
                    products = true;
                    break;
            }
        }
        return products;
    }

    private static void Replace<TKey, TValue>(ConcurrentDictionary<TKey, TValue> into, ConcurrentDictionary<TKey, TValue> from) where TKey : notnull
    {
        foreach (var (key, value) in from) into[key] = value;
        foreach (var key in into.Keys)
            if (!from.ContainsKey(key)) into.TryRemove(key, out _);
    }

    /// <summary>Every Device, read without a lock or a copy (a search walks them; changes made meanwhile may or may not be seen).</summary>
    public IEnumerable<Device> Devices
    {
        get
        {
            foreach (var pair in _devices) yield return pair.Value;
        }
    }

    /// <summary>Every User, read without a lock or a copy (the operator's lists of Users).</summary>
    public IEnumerable<ServiceUser> Users
    {
        get
        {
            foreach (var pair in _users) yield return pair.Value;
        }
    }

    /// <summary>
    /// Makes Devices a bulk import has already written to the store visible to access control (the
    /// import writes them in one transaction of its own, so the cache cannot follow each write).
    /// </summary>
    public void AdmitImported(IEnumerable<Device> stored)
    {
        foreach (var d in stored) _devices[d.Id] = d;
    }

    public bool TryGetDevice(Eui id, [MaybeNullWhen(false)] out Device device) => _devices.TryGetValue(id, out device);

    public bool TryGetUser(Eui id, [MaybeNullWhen(false)] out ServiceUser user) => _users.TryGetValue(id, out user);

    public PartyId? RegisteredParty(Mpxn mpxn, RegisteredRole role, DateTimeOffset at) =>
        _registrations.TryGetValue((mpxn, role), out var history) ? history.PartyAt(at) : null;

    /// <summary>The Party registered for <paramref name="role"/> of the Device's MPxN at <paramref name="at"/>; null if the Device is unknown, has no MPxN or nobody is registered.</summary>
    public PartyId? RegisteredPartyOfDevice(Eui device, RegisteredRole role, DateTimeOffset at) =>
        _devices.TryGetValue(device, out var d) && d.Mpxn is { } mpxn ? RegisteredParty(mpxn, role, at) : null;

    public async Task SaveDeviceAsync(Device device, CancellationToken cancellationToken = default)
    {
        await Store.SaveDeviceAsync(device, cancellationToken).ConfigureAwait(false);
        UnitOfWorkContext.AfterCommit(() => _devices[device.Id] = device);
    }

    public async Task<Device> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var changed = await Store.ChangeStatusAsync(id, to, at, cancellationToken).ConfigureAwait(false);
        UnitOfWorkContext.AfterCommit(() => _devices[id] = changed);
        return changed;
    }

    public async Task<bool> DeleteDeviceAsync(Eui id, CancellationToken cancellationToken = default)
    {
        var deleted = await Store.DeleteDeviceAsync(id, cancellationToken).ConfigureAwait(false);
        UnitOfWorkContext.AfterCommit(() => _devices.TryRemove(id, out _));
        return deleted;
    }

    public async Task SaveUserAsync(ServiceUser user, CancellationToken cancellationToken = default)
    {
        await Store.SaveUserAsync(user, cancellationToken).ConfigureAwait(false);
        UnitOfWorkContext.AfterCommit(() => _users[user.Id] = user);
    }

    public async Task RegisterAsync(RegistrationPeriod period, CancellationToken cancellationToken = default)
    {
        await Store.RegisterAsync(period, cancellationToken).ConfigureAwait(false);
        UnitOfWorkContext.AfterCommit(() => _registrations.AddOrUpdate((period.Mpxn, period.Role),
            _ => new RegistrationHistory([period]),
            (_, history) => history.With(period)));
    }
}
