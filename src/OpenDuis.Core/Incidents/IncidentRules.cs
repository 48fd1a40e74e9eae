namespace OpenDuis.Core.Incidents;

/// <summary>
/// The rules of SEC G3.4–G3.5AA and Appendix AG 2.1.3 / 2.10.10 as amended by MP260, each
/// returning the clause and reason when it refuses.
/// </summary>
public static class IncidentRules
{
    public static readonly IReadOnlyList<NotifiedBody> MajorIncidentRecipients =
        [NotifiedBody.Dcc, NotifiedBody.Panel, NotifiedBody.SecuritySubCommittee];

    public static string Name(NotifiedBody body) => body switch
    {
        NotifiedBody.Dcc => "the DCC",
        NotifiedBody.Panel => "the Panel",
        NotifiedBody.SecuritySubCommittee => "the Security Sub-Committee",
        _ => throw new ArgumentOutOfRangeException(nameof(body), body, null),
    };

    /// <summary>
    /// AG 2.1.3 (as amended): a Registration Data Provider is an Incident Party only where 2.10.10
    /// (Major Security Incidents) applies.
    /// </summary>
    public static Refusal? CheckIncidentParty(IncidentParty party, bool isMajorSecurityIncident) =>
        party.Kind == IncidentPartyKind.RegistrationDataProvider && !isMajorSecurityIncident
            ? new Refusal("AG 2.1.3", $"Registration Data Provider {party.Party} is not an Incident Party for an incident that is not a Major Security Incident (only AG 2.10.10 brings RDPs in)")
            : null;

    /// <summary>G3.5: a Major Security Incident owes prompt notice to the DCC, the Panel and the Security Sub-Committee.</summary>
    public static IReadOnlyList<NotificationDuty> DutiesFor(bool isMajorSecurityIncident) =>
        isMajorSecurityIncident ? [.. MajorIncidentRecipients.Select(b => new NotificationDuty(b, NotificationStatus.Owed))] : [];

    /// <summary>
    /// G3.5AA: the User need not notify where it has reason to be satisfied that the DCC, the Panel
    /// and the Security Sub-Committee are already aware — all three; a reason is required.
    /// </summary>
    public static Refusal? CheckAlreadyAware(SecurityIncident incident, string? reason, IReadOnlyCollection<NotifiedBody> knownToBeAware)
    {
        if (!incident.IsMajor)
            return new Refusal("G3.5AA", "the exemption is from notifying a Major Security Incident under G3.5; this incident is not one, so nothing is owed");
        if (string.IsNullOrWhiteSpace(reason))
            return new Refusal("G3.5AA", "the User must have reason to be satisfied that all three are already aware: record that reason");
        var unaware = MajorIncidentRecipients.Where(b => !knownToBeAware.Contains(b)).ToArray();
        return unaware.Length == 0
            ? null
            : new Refusal("G3.5AA", $"the exemption needs the DCC, the Panel and the Security Sub-Committee all to be aware already; {string.Join(" and ", unaware.Select(Name))} {(unaware.Length == 1 ? "is" : "are")} not known to be, so notify under G3.5");
    }

    /// <summary>G3.5: a notification is recorded only for a Major Security Incident, and not before it was detected.</summary>
    public static Refusal? CheckNotification(SecurityIncident incident, DateTimeOffset at)
    {
        if (!incident.IsMajor)
            return new Refusal("G3.5", "notification to the DCC, the Panel and the Security Sub-Committee is owed only for a Major Security Incident; this incident is not one");
        if (at < incident.DetectedAt)
            return new Refusal("G3.5", $"a notification at {UkLocalTime.Format(at)} cannot precede the incident's detection at {UkLocalTime.Format(incident.DetectedAt)}");
        return null;
    }
}
