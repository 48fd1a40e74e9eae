using System.Diagnostics.CodeAnalysis;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// An <see cref="IAccessSnapshot"/> held in plain dictionaries: fill it, then share it read-only
/// (concurrent reads are safe; writes are not meant to overlap them). Used for tests, benchmarks
/// and a server started without a database.
/// </summary>
internal sealed class InMemoryAccessSnapshot : IAccessSnapshot
{
    private readonly Dictionary<Eui, Device> _devices;
    private readonly Dictionary<Eui, ServiceUser> _users = [];
    private readonly Dictionary<(Mpxn, RegisteredRole), RegistrationHistory> _registrations = [];
    private readonly Dictionary<(string Manufacturer, string Model, string Firmware), CplEntry> _products = [];
    private readonly Dictionary<(Eui, RegisteredRole), PartyId> _notifiedCritical = [];

    public InMemoryAccessSnapshot(int expectedDevices = 0) => _devices = new Dictionary<Eui, Device>(expectedDevices);

    public int DeviceCount => _devices.Count;

    /// <summary>The demo environment (the Users and Devices the RTDS templates name, plus SMETS1 Devices).</summary>
    public static InMemoryAccessSnapshot Demo()
    {
        var s = new InMemoryAccessSnapshot();
        foreach (var u in DemoEnvironment.Users) s.Put(u);
        foreach (var d in DemoEnvironment.Devices) s.Put(d);
        foreach (var p in DemoEnvironment.Products) s.Put(p);
        foreach (var r in DemoEnvironment.Registrations) s.Register(r);
        return s;
    }

    public InMemoryAccessSnapshot Put(Device device)
    {
        _devices[device.Id] = device;
        return this;
    }

    public InMemoryAccessSnapshot Put(ServiceUser user)
    {
        _users[user.Id] = user;
        return this;
    }

    public InMemoryAccessSnapshot Put(CplEntry product)
    {
        _products[(product.Manufacturer, product.Model, product.FirmwareVersion)] = product;
        return this;
    }

    public InMemoryAccessSnapshot Register(RegistrationPeriod period)
    {
        var key = (period.Mpxn, period.Role);
        _registrations[key] = _registrations.TryGetValue(key, out var history) ? history.With(period) : new RegistrationHistory([period]);
        return this;
    }

    public InMemoryAccessSnapshot NotifyCriticalParty(Eui device, RegisteredRole role, PartyId party)
    {
        _notifiedCritical[(device, role)] = party;
        return this;
    }

    public bool TryGetUser(Eui id, [MaybeNullWhen(false)] out ServiceUser user) => _users.TryGetValue(id, out user);

    public bool TryGetDevice(Eui id, [MaybeNullWhen(false)] out Device device) => _devices.TryGetValue(id, out device);

    public PartyId? RegisteredParty(Mpxn mpxn, RegisteredRole role, DateTimeOffset at) =>
        _registrations.TryGetValue((mpxn, role), out var history) ? history.PartyAt(at) : null;

    public CplEntry? FindProduct(Device device) =>
        device is { Manufacturer: { } m, Model: { } model, FirmwareVersion: { } f } && _products.TryGetValue((m, model, f), out var p) ? p : null;

    public PartyId? NotifiedCriticalParty(Eui device, RegisteredRole role) =>
        _notifiedCritical.TryGetValue((device, role), out var p) ? p
        : _devices.TryGetValue(device, out var d) ? (role == RegisteredRole.Supplier ? d.Smets1NotifiedCriticalSupplier : d.Smets1NotifiedCriticalNetworkOperator)
        : null;
}

/// <summary>
/// The <see cref="SmiCache"/> (the store-backed, lock-free read cache) seen as an access snapshot,
/// with the Central Products List and SMETS1 critical notifications alongside.
/// </summary>
public sealed class SmiCacheAccessSnapshot(SmiCache cache, IEnumerable<CplEntry> products) : IAccessSnapshot
{
    // Replaced whole when the CPL changes (a small table), never changed in place: readers need no lock.
    private volatile Dictionary<(string, string, string), CplEntry> _products = ByCombination(products);

    private static Dictionary<(string, string, string), CplEntry> ByCombination(IEnumerable<CplEntry> products) =>
        products.ToDictionary(p => (p.Manufacturer, p.Model, p.FirmwareVersion));

    /// <summary>Reads again what the change feed says another writer changed: the cache's entries, and the CPL.</summary>
    public async Task ApplyAsync(SmiChangeBatch batch, CancellationToken cancellationToken = default)
    {
        if (await cache.ApplyAsync(batch, cancellationToken).ConfigureAwait(false))
            _products = ByCombination(await cache.Store.ProductsAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The cache this snapshot reads: write through it and the next request sees the change.</summary>
    public SmiCache Cache => cache;

    public static async Task<SmiCacheAccessSnapshot> LoadAsync(SmiCache cache, CancellationToken cancellationToken = default) =>
        new(cache, await cache.Store.ProductsAsync(cancellationToken).ConfigureAwait(false));

    public bool TryGetUser(Eui id, [MaybeNullWhen(false)] out ServiceUser user) => cache.TryGetUser(id, out user);

    public bool TryGetDevice(Eui id, [MaybeNullWhen(false)] out Device device) => cache.TryGetDevice(id, out device);

    public PartyId? RegisteredParty(Mpxn mpxn, RegisteredRole role, DateTimeOffset at) => cache.RegisteredParty(mpxn, role, at);

    public CplEntry? FindProduct(Device device) =>
        device is { Manufacturer: { } m, Model: { } model, FirmwareVersion: { } f } && _products.TryGetValue((m, model, f), out var p) ? p : null;

    /// <summary>As the SMI records it on the SMETS1 Device (<see cref="Device.Smets1NotifiedCriticalSupplier"/>); null: the registered Party is deemed notified.</summary>
    public PartyId? NotifiedCriticalParty(Eui device, RegisteredRole role) =>
        cache.TryGetDevice(device, out var d)
            ? role == RegisteredRole.Supplier ? d.Smets1NotifiedCriticalSupplier : d.Smets1NotifiedCriticalNetworkOperator
            : null;
}
