using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Alerts;

/// <summary>
/// Resolves the Registered Supplier and Network Operator recipients of an alert (DUIS 3.9.1) to User
/// IDs: the Party registered for the MPxN at the time (SEC Section E Registration Data), then its
/// Users holding the matching User Role — Import Supplier or Gas Supplier, Electricity Distributor or
/// Gas Transporter by the MPxN's fuel.
/// </summary>
public sealed class AlertRecipients(ISmiStore store)
{
    public async Task<IReadOnlyList<Eui>> UsersAsync(Mpxn mpxn, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (await store.RegisteredPartyAsync(mpxn, role, at, cancellationToken) is not { } party) return [];
        var userRole = (role, mpxn.Fuel) switch
        {
            (RegisteredRole.Supplier, Fuel.Electricity) => UserRole.ImportSupplier,
            (RegisteredRole.Supplier, _) => UserRole.GasSupplier,
            (_, Fuel.Electricity) => UserRole.ElectricityDistributor,
            _ => UserRole.GasTransporter,
        };
        var users = new List<Eui>();
        await foreach (var user in store.ReadUsersAsync(cancellationToken))
            if (user.Party == party && user.Holds(userRole) && user.Status == UserStatus.Active) users.Add(user.Id);
        return users;
    }

    /// <summary>The meter points served through a Device: its own MPxN, or for a Communications Hub or other Device, those of the meters in its hub's Device Log.</summary>
    public async Task<IReadOnlyList<Mpxn>> MpxnsOfAsync(Device device, CancellationToken cancellationToken = default)
    {
        if (device.Mpxn is { } own) return [own];
        var hub = device.Type == DeviceType.CHF ? device.Id : device.CommsHub;
        if (hub is null) return [];
        var found = new List<Mpxn>();
        foreach (var entry in await store.DeviceLogAsync(hub.Value, cancellationToken))
            if (await store.FindDeviceAsync(entry.Device, cancellationToken) is { Mpxn: { } m } && !found.Contains(m)) found.Add(m);
        return found;
    }

    public async Task<IReadOnlyList<Eui>> UsersOfDeviceAsync(Device device, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var users = new List<Eui>();
        foreach (var mpxn in await MpxnsOfAsync(device, cancellationToken))
            foreach (var u in await UsersAsync(mpxn, role, at, cancellationToken))
                if (!users.Contains(u)) users.Add(u);
        return users;
    }
}
