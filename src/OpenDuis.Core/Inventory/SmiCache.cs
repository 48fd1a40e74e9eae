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
/// never ahead of the database. One process owns its cache: several nodes sharing a PostgreSQL
/// database each hold their own and must reload to see the others' writes. Inside a unit of work
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
        return new SmiCache(store, devices, users, registrations);
    }

    /// <summary>Every Device, read without a lock or a copy (a search walks them; changes made meanwhile may or may not be seen).</summary>
    public IEnumerable<Device> Devices
    {
        get
        {
            foreach (var pair in _devices) yield return pair.Value;
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
