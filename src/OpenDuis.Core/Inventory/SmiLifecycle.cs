using System.Collections.Frozen;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// The SMI Status lifecycle: which status a Device may move to from which. Source: SEC Appendix AC
/// (Inventory, Enrolment and Withdrawal Procedures) for Pending → Whitelisted → Installed Not
/// Commissioned → Commissioned, Decommissioned and Withdrawn; SEC Section F2 (Central Products
/// List) for Suspended, entered when a Device's product combination is removed from the CPL and left
/// when it is restored or the Device is replaced; SEC Appendix L (SMKI Recovery Procedure) for
/// Recovery → Recovered. Each change is reported to Users as a DeviceStatusChangeEvent (DUIS AD1).
/// </summary>
public static class SmiLifecycle
{
    private static readonly FrozenDictionary<SmiStatus, FrozenSet<SmiStatus>> Allowed = new Dictionary<SmiStatus, FrozenSet<SmiStatus>>
    {
        // Added by Device Pre-notification (SR 12.2) or by the CSP for a Communications Hub.
        [SmiStatus.Pending] = Set(SmiStatus.Whitelisted, SmiStatus.InstalledNotCommissioned, SmiStatus.Withdrawn, SmiStatus.Suspended),
        // In a CHF/GPF Device Log (SR 8.11), awaiting installation; removal from the log returns it to Pending.
        [SmiStatus.Whitelisted] = Set(SmiStatus.Pending, SmiStatus.InstalledNotCommissioned, SmiStatus.Commissioned, SmiStatus.Withdrawn, SmiStatus.Suspended),
        // Installed (SR 8.14.1 for Communications Hubs), awaiting Commission Device (SR 8.1.1).
        [SmiStatus.InstalledNotCommissioned] = Set(SmiStatus.Commissioned, SmiStatus.Decommissioned, SmiStatus.Withdrawn, SmiStatus.Suspended),
        [SmiStatus.Commissioned] = Set(SmiStatus.Decommissioned, SmiStatus.Withdrawn, SmiStatus.Suspended, SmiStatus.Recovery),
        // Decommission Device (SR 8.3) and Service Opt Out (SR 8.5, Withdrawn) end a Device's service;
        // a Device that is later re-used starts again from a fresh pre-notification.
        [SmiStatus.Decommissioned] = Set(SmiStatus.Pending),
        [SmiStatus.Withdrawn] = Set(SmiStatus.Pending, SmiStatus.Decommissioned),
        // CPL restoration puts the Device back where it was before the suspension.
        [SmiStatus.Suspended] = Set(SmiStatus.Pending, SmiStatus.Whitelisted, SmiStatus.InstalledNotCommissioned, SmiStatus.Commissioned, SmiStatus.Decommissioned, SmiStatus.Withdrawn),
        [SmiStatus.Recovery] = Set(SmiStatus.Recovered, SmiStatus.Decommissioned),
        [SmiStatus.Recovered] = Set(SmiStatus.Commissioned, SmiStatus.Decommissioned),
    }.ToFrozenDictionary();

    private static FrozenSet<SmiStatus> Set(params SmiStatus[] statuses) => statuses.ToFrozenSet();

    /// <summary>The statuses a Device in <paramref name="from"/> may move to.</summary>
    public static IReadOnlySet<SmiStatus> NextStatuses(SmiStatus from) => Allowed[from];

    public static bool IsAllowed(SmiStatus from, SmiStatus to) => Allowed[from].Contains(to);

    /// <summary>Throws <see cref="IllegalSmiTransitionException"/> unless the change is allowed.</summary>
    public static void EnsureAllowed(Eui device, SmiStatus from, SmiStatus to)
    {
        if (!IsAllowed(from, to))
            throw new IllegalSmiTransitionException(device, from, to);
    }
}

/// <summary>A request to move a Device to an SMI Status its current status cannot reach.</summary>
internal sealed class IllegalSmiTransitionException(Eui device, SmiStatus from, SmiStatus to)
    : InvalidOperationException(
        $"Device {device} cannot move from SMI Status {from} to {to}; from {from} it may move only to " +
        $"{string.Join(", ", SmiLifecycle.NextStatuses(from).Order())} (SEC Appendix AC).")
{
    public Eui Device { get; } = device;
    public SmiStatus From { get; } = from;
    public SmiStatus To { get; } = to;
}
