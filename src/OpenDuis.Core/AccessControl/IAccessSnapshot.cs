using System.Diagnostics.CodeAnalysis;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The read side of the Smart Metering Inventory, Users, Registration Data and Central Products
/// List that access control consults, answered from memory. Implementations must allow concurrent
/// readers.
/// </summary>
public interface IAccessSnapshot
{
    bool TryGetUser(Eui id, [MaybeNullWhen(false)] out ServiceUser user);

    bool TryGetDevice(Eui id, [MaybeNullWhen(false)] out Device device);

    /// <summary>The Party registered for <paramref name="role"/> of <paramref name="mpxn"/> at <paramref name="at"/>, if any.</summary>
    PartyId? RegisteredParty(Mpxn mpxn, RegisteredRole role, DateTimeOffset at);

    /// <summary>The CPL entry of the Device's manufacturer, model and firmware version, if recorded.</summary>
    CplEntry? FindProduct(Device device);

    /// <summary>
    /// For a SMETS1 Device: the Notified Critical Supplier (<see cref="RegisteredRole.Supplier"/>) or
    /// Notified Critical Network Operator the DCC holds (E64); null when none has been notified.
    /// </summary>
    PartyId? NotifiedCriticalParty(Eui device, RegisteredRole role);
}
