using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Schedules;

/// <summary>A DCC Schedule as stored: its DSPScheduleID, definition, and the next occurrence still to run (null once ended).</summary>
public sealed record StoredSchedule(DspScheduleId Id, ScheduleDefinition Definition, DateTimeOffset? NextDueAt)
{
    public ScheduleOwnership Ownership => new(Id, Definition.Owner, Definition.DeviceId);
}

/// <summary>One occurrence handed to an executor: the schedule and the instant it fell due.</summary>
public sealed record DueOccurrence(DspScheduleId Id, ScheduleDefinition Definition, DateTimeOffset DueAt);

/// <summary>
/// Durable DCC Schedules, shared by every server node. Occurrences are handed out by lease: a claimed
/// occurrence is not handed out again until its lease ends (as the claimers' clocks tell it), and
/// <see cref="CompleteAsync"/> moves the schedule to its next occurrence. An occurrence whose node died
/// before completing it is claimed again after the lease; if the first node was only slow, just one of
/// the two completions counts, so an executor keys what it sends by (DSPScheduleID, due instant).
/// </summary>
public interface IScheduleStore : IAsyncDisposable
{
    /// <summary>Stores an accepted schedule and gives it a new DSPScheduleID (never one used before).</summary>
    Task<DspScheduleId> CreateAsync(ScheduleDefinition definition, DateTimeOffset createdAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores many accepted schedules in one transaction (bulk loading, e.g. a migration from another
    /// DCC system or a benchmark); their new DSPScheduleIDs, in the order given.
    /// </summary>
    Task<IReadOnlyList<DspScheduleId>> CreateManyAsync(IReadOnlyList<ScheduleDefinition> definitions, DateTimeOffset createdAt, CancellationToken cancellationToken = default);

    Task<StoredSchedule?> GetAsync(DspScheduleId id, CancellationToken cancellationToken = default);

    /// <summary>The schedules on a device, whoever owns them, by DSPScheduleID.</summary>
    Task<IReadOnlyList<StoredSchedule>> OnDeviceAsync(Eui deviceId, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="max"/> schedules, of every owner, that fire next: earliest first (the operator's view).</summary>
    Task<IReadOnlyList<StoredSchedule>> NextDueAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>The schedules a User owns, on whatever device, by DSPScheduleID (a change to the User re-checks them).</summary>
    Task<IReadOnlyList<StoredSchedule>> OwnedByAsync(Eui owner, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule (5.3, or the DCC on a removal trigger); false when there was none.</summary>
    Task<bool> DeleteAsync(DspScheduleId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="max"/> occurrences due at <paramref name="now"/> that no live lease
    /// holds, earliest first, leasing each for <paramref name="lease"/>. Concurrent callers get different occurrences.
    /// </summary>
    Task<IReadOnlyList<DueOccurrence>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the claimed occurrence ran: the schedule moves to its next occurrence after
    /// <paramref name="dueAt"/> (or ends) and its lease is released. False when the schedule is gone
    /// or has already moved past that occurrence (a late completion changes nothing).
    /// </summary>
    Task<bool> CompleteAsync(DspScheduleId id, DateTimeOffset dueAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="CompleteAsync(DspScheduleId, DateTimeOffset, CancellationToken)"/> for a batch of claimed
    /// occurrences, in one transaction; the schedules that moved on (the others were gone or already past).
    /// </summary>
    Task<IReadOnlySet<DspScheduleId>> CompleteAsync(IReadOnlyList<DueOccurrence> occurrences, CancellationToken cancellationToken = default);
}

/// <summary>An <see cref="IScheduleDirectory"/> over schedules already read from a store, for the 5.2/5.3 rules.</summary>
internal sealed class ScheduleDirectorySnapshot(IEnumerable<ScheduleOwnership> schedules) : IScheduleDirectory
{
    private readonly List<ScheduleOwnership> _schedules = [.. schedules];

    public ScheduleOwnership? Find(DspScheduleId id) => _schedules.FirstOrDefault(s => s.Id == id);

    public IReadOnlyList<ScheduleOwnership> OnDevice(Eui deviceId) => _schedules.Where(s => s.DeviceId == deviceId).ToList();
}
