using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>One entry of the inventory's change feed: what to read again.</summary>
public abstract record SmiChange
{
    private SmiChange() { }

    public sealed record DeviceChanged(Eui Device) : SmiChange;
    public sealed record UserChanged(Eui User) : SmiChange;
    public sealed record RegistrationChanged(Mpxn Mpxn, RegisteredRole Role) : SmiChange;
    /// <summary>The Central Products List changed (a small table: read again whole).</summary>
    public sealed record ProductsChanged : SmiChange;
    /// <summary>A fault injected on the Device, or cleared, by any node (device_faults; issue 22): not the inventory's, followed beside it.</summary>
    public sealed record FaultChanged(Eui Device) : SmiChange;
}

/// <summary>
/// The changes committed after <paramref name="Since"/>, up to <see cref="Position"/>. When more than
/// were asked for had changed (a bulk import), <see cref="Overflowed"/> is set and <see cref="Changes"/>
/// is empty: read everything again.
/// </summary>
public sealed record SmiChangeBatch(string Since, string Position, IReadOnlyList<SmiChange> Changes, bool Overflowed);

/// <summary>
/// The inventory's change feed: every write to Devices, Users, Registration Data and the CPL, by any
/// process sharing the database (the CLI's imports, <c>users endpoint</c>, another server node), is
/// recorded in the same transaction, so a running server's <see cref="SmiCache"/> can follow it.
/// </summary>
public interface ISmiChangeFeed
{
    /// <summary>The feed's present position: a later <see cref="ReadSinceAsync"/> from it returns what commits after now.</summary>
    Task<string> PositionAsync(CancellationToken cancellationToken = default);

    /// <summary>What committed after <paramref name="position"/>, de-duplicated, in commit order where it matters.</summary>
    Task<SmiChangeBatch> ReadSinceAsync(string position, int limit, CancellationToken cancellationToken = default);

    /// <summary>Forgets entries older than <paramref name="age"/> (every follower has read them long since).</summary>
    Task PruneAsync(TimeSpan age, CancellationToken cancellationToken = default);
}

/// <summary>
/// Tells a follower that a change may have been committed (PostgreSQL's LISTEN/NOTIFY), so it reads at
/// once rather than at its next poll; the poll stays as the version check, so a notification lost (a
/// dropped connection) leaves the follower stale no longer than one poll.
/// </summary>
public interface IChangeSignal
{
    /// <summary>Whether notifications are arriving now (the listening connection is up).</summary>
    bool IsListening { get; }

    /// <summary>Returns true when told of a change since the last call, false when <paramref name="timeout"/> passes first.</summary>
    Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default);
}
