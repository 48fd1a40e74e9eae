using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Incidents;

public readonly record struct IncidentId(Guid Value)
{
    public static IncidentId New() => new(Guid.CreateVersion7());
    public static bool TryParse(string? text, out IncidentId id)
    {
        var ok = Guid.TryParse(text, out var guid);
        id = new IncidentId(guid);
        return ok;
    }
    public override string ToString() => Value.ToString();
}

/// <summary>What kind of participant an Incident Party is (Appendix AG).</summary>
public enum IncidentPartyKind
{
    User,
    /// <summary>Not an Incident Party except for a Major Security Incident (AG 2.1.3, 2.10.10, as amended by MP260).</summary>
    RegistrationDataProvider,
    Dcc,
}

public sealed record IncidentParty(Eui Party, IncidentPartyKind Kind);

/// <summary>The unauthorised event a User detected, by the clause of G3.1–G3.3 that names its type.</summary>
public sealed record UnauthorisedEvent
{
    public static readonly IReadOnlyList<string> Clauses = ["G3.1", "G3.2", "G3.3"];

    public UnauthorisedEvent(string clause, string description)
    {
        if (!Clauses.Contains(clause))
            throw new ArgumentException($"'{clause}' is not one of the clauses naming unauthorised events ({string.Join(", ", Clauses)}).", nameof(clause));
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        Clause = clause;
        Description = description.Trim();
    }

    public string Clause { get; }
    public string Description { get; }
}

/// <summary>Those a User must notify of a Major Security Incident in its User Systems (G3.5).</summary>
public enum NotifiedBody
{
    Dcc,
    Panel,
    SecuritySubCommittee,
}

public enum NotificationStatus
{
    /// <summary>G3.5: to be notified promptly.</summary>
    Owed,
    Notified,
    /// <summary>G3.5AA: the User recorded reason to be satisfied that all three are already aware.</summary>
    NotRequiredAlreadyAware,
}

public sealed record NotificationDuty(NotifiedBody To, NotificationStatus Status, DateTimeOffset? At = null);

/// <summary>G3.4: the steps the User's Information Security Management System required, once taken.</summary>
public sealed record IsmsSteps(string Description, DateTimeOffset TakenAt);

/// <summary>G3.5AA: why the User is satisfied that the DCC, the Panel and the Security Sub-Committee already know.</summary>
public sealed record AlreadyAwareReason(string Reason, DateTimeOffset RecordedAt);

/// <summary>An entry in the incident register: a security incident in relation to a User's User Systems.</summary>
public sealed record SecurityIncident(
    IncidentId Id,
    Eui User,
    string Summary,
    UnauthorisedEvent? Event,
    DateTimeOffset DetectedAt,
    DateTimeOffset RecordedAt,
    bool IsMajor,
    IReadOnlyList<IncidentParty> Parties,
    IsmsSteps? IsmsSteps,
    IReadOnlyList<NotificationDuty> Notifications,
    AlreadyAwareReason? AlreadyAware)
{
    /// <summary>AG 2.10.10 (as amended): clauses 2.10.11 and 2.10.12 apply to every Major Security Incident.</summary>
    public IReadOnlyList<string> ApplicableAgClauses => IsMajor ? ["AG 2.10.11", "AG 2.10.12"] : [];

    public IEnumerable<NotifiedBody> NotificationsOwed =>
        Notifications.Where(n => n.Status == NotificationStatus.Owed).Select(n => n.To);

    /// <summary>What the User still has to do under G3.4 and G3.5, each with its clause.</summary>
    public IReadOnlyList<string> Outstanding()
    {
        var outstanding = new List<string>();
        if (Event is not null && IsmsSteps is null)
            outstanding.Add("G3.4: take the steps the User Information Security Management System requires, and record them");
        outstanding.AddRange(NotificationsOwed.Select(b => $"G3.5: notify {IncidentRules.Name(b)} promptly"));
        return outstanding;
    }
}
