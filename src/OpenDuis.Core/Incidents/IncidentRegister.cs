using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Incidents;

/// <summary>Where incidents are kept (an in-memory one below; database ones live in OpenDuis.Storage).</summary>
public interface IIncidentStore
{
    Task AddAsync(SecurityIncident incident, CancellationToken cancellationToken = default);
    Task UpdateAsync(SecurityIncident incident, CancellationToken cancellationToken = default);
    Task<SecurityIncident?> FindAsync(IncidentId id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<SecurityIncident>> AllAsync(CancellationToken cancellationToken = default);
}

public sealed class InMemoryIncidentStore : IIncidentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IncidentId, SecurityIncident> _incidents = [];

    public InMemoryIncidentStore(IEnumerable<SecurityIncident>? incidents = null)
    {
        foreach (var incident in incidents ?? []) _incidents.Add(incident.Id, incident);
    }

    public Task AddAsync(SecurityIncident incident, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_incidents.TryAdd(incident.Id, incident))
                throw new InvalidOperationException($"Incident {incident.Id} is already recorded.");
        }
        return Task.CompletedTask;
    }

    public Task UpdateAsync(SecurityIncident incident, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_incidents.ContainsKey(incident.Id))
                throw new KeyNotFoundException($"Incident {incident.Id} is not recorded.");
            _incidents[incident.Id] = incident;
        }
        return Task.CompletedTask;
    }

    public Task<SecurityIncident?> FindAsync(IncidentId id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_incidents.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<SecurityIncident>> AllAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<SecurityIncident>>([.. _incidents.Values.OrderBy(i => i.DetectedAt)]);
    }
}

/// <summary>
/// The incident register: security incidents in Users' User Systems, the G3.4 steps taken, and for a
/// Major Security Incident the G3.5 notifications owed and made, or the G3.5AA reason none is needed.
/// </summary>
public sealed class IncidentRegister(IIncidentStore store, TimeProvider clock)
{
    public async Task<Ruling<SecurityIncident>> RaiseAsync(
        Eui user, string summary, DateTimeOffset detectedAt, bool isMajorSecurityIncident,
        IncidentParty raisedBy, UnauthorisedEvent? unauthorisedEvent = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(summary);
        var now = clock.GetUtcNow();
        if (detectedAt > now)
            return Ruling<SecurityIncident>.Refuse("G3.4", $"an incident cannot be detected in the future ({UkLocalTime.Format(detectedAt)}; now {UkLocalTime.Format(now)})");
        if (IncidentRules.CheckIncidentParty(raisedBy, isMajorSecurityIncident) is { } refusal)
            return refusal;

        IncidentParty[] parties = raisedBy.Party == user && raisedBy.Kind == IncidentPartyKind.User
            ? [raisedBy]
            : [new IncidentParty(user, IncidentPartyKind.User), raisedBy];
        var incident = new SecurityIncident(IncidentId.New(), user, summary.Trim(), unauthorisedEvent, detectedAt, now,
            isMajorSecurityIncident, parties, null, IncidentRules.DutiesFor(isMajorSecurityIncident), null);
        await store.AddAsync(incident, cancellationToken);
        return Ruling<SecurityIncident>.Allow(incident);
    }

    public Task<Ruling<SecurityIncident>> AddPartyAsync(IncidentId id, IncidentParty party, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, incident =>
        {
            if (incident.Parties.Contains(party)) return Ruling<SecurityIncident>.Allow(incident);
            if (IncidentRules.CheckIncidentParty(party, incident.IsMajor) is { } refusal) return refusal;
            return Ruling<SecurityIncident>.Allow(incident with { Parties = [.. incident.Parties, party] });
        }, cancellationToken);

    /// <summary>
    /// Makes an incident a Major Security Incident (owing G3.5 notifications) or no longer one. It cannot
    /// stop being one while a Registration Data Provider is among its Incident Parties (AG 2.1.3).
    /// Notifications already made stay on the record.
    /// </summary>
    public Task<Ruling<SecurityIncident>> ClassifyAsync(IncidentId id, bool isMajorSecurityIncident, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, incident =>
        {
            if (incident.IsMajor == isMajorSecurityIncident) return Ruling<SecurityIncident>.Allow(incident);
            if (!isMajorSecurityIncident)
            {
                foreach (var party in incident.Parties)
                    if (IncidentRules.CheckIncidentParty(party, false) is { } refusal) return refusal;
                return Ruling<SecurityIncident>.Allow(incident with
                {
                    IsMajor = false,
                    Notifications = [.. incident.Notifications.Where(n => n.Status == NotificationStatus.Notified)],
                    AlreadyAware = null,
                });
            }
            var made = incident.Notifications.ToDictionary(n => n.To);
            return Ruling<SecurityIncident>.Allow(incident with
            {
                IsMajor = true,
                Notifications = [.. IncidentRules.DutiesFor(true).Select(d => made.GetValueOrDefault(d.To) ?? d)],
            });
        }, cancellationToken);

    /// <summary>G3.4: the User took the steps its User Information Security Management System requires.</summary>
    public Task<Ruling<SecurityIncident>> RecordIsmsStepsAsync(IncidentId id, string description, DateTimeOffset takenAt, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, incident =>
        {
            if (string.IsNullOrWhiteSpace(description))
                return Ruling<SecurityIncident>.Refuse("G3.4", "say which steps the User Information Security Management System required and were taken");
            if (takenAt < incident.DetectedAt)
                return Ruling<SecurityIncident>.Refuse("G3.4", $"steps taken on detection cannot precede detection at {UkLocalTime.Format(incident.DetectedAt)}");
            return Ruling<SecurityIncident>.Allow(incident with { IsmsSteps = new IsmsSteps(description.Trim(), takenAt) });
        }, cancellationToken);

    /// <summary>G3.5: the User notified one of the DCC, the Panel and the Security Sub-Committee.</summary>
    public Task<Ruling<SecurityIncident>> RecordNotificationAsync(IncidentId id, NotifiedBody to, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, incident =>
        {
            if (IncidentRules.CheckNotification(incident, at) is { } refusal) return refusal;
            if (incident.Notifications.Any(n => n.To == to && n.Status == NotificationStatus.Notified))
                return Ruling<SecurityIncident>.Allow(incident);
            return Ruling<SecurityIncident>.Allow(incident with
            {
                Notifications = [.. incident.Notifications.Select(n => n.To == to ? new NotificationDuty(to, NotificationStatus.Notified, at) : n)],
            });
        }, cancellationToken);

    /// <summary>G3.5AA: the User records its reason to be satisfied that all three already know.</summary>
    public Task<Ruling<SecurityIncident>> RecordAlreadyAwareAsync(
        IncidentId id, string reason, IReadOnlyCollection<NotifiedBody> knownToBeAware, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, incident =>
        {
            if (IncidentRules.CheckAlreadyAware(incident, reason, knownToBeAware) is { } refusal) return refusal;
            return Ruling<SecurityIncident>.Allow(incident with
            {
                AlreadyAware = new AlreadyAwareReason(reason.Trim(), clock.GetUtcNow()),
                Notifications = [.. incident.Notifications.Select(n => n.Status == NotificationStatus.Owed ? n with { Status = NotificationStatus.NotRequiredAlreadyAware } : n)],
            });
        }, cancellationToken);

    private async Task<Ruling<SecurityIncident>> ChangeAsync(
        IncidentId id, Func<SecurityIncident, Ruling<SecurityIncident>> change, CancellationToken cancellationToken)
    {
        var incident = await store.FindAsync(id, cancellationToken)
            ?? throw new KeyNotFoundException($"Incident {id} is not in the register.");
        var ruling = change(incident);
        if (ruling.IsAllowed && !ReferenceEquals(ruling.Value, incident))
            await store.UpdateAsync(ruling.Value, cancellationToken);
        return ruling;
    }
}
