using OpenDuis.Core.Incidents;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.Incidents;

public class IncidentRegisterTests
{
    private static readonly Eui Supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Rdp = Eui.Parse("90-B3-D5-1F-30-05-00-00");
    private static readonly IncidentParty SupplierParty = new(Supplier, IncidentPartyKind.User);
    private static readonly IncidentParty RdpParty = new(Rdp, IncidentPartyKind.RegistrationDataProvider);
    private static readonly DateTimeOffset Detected = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly NotifiedBody[] AllThree = [NotifiedBody.Dcc, NotifiedBody.Panel, NotifiedBody.SecuritySubCommittee];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly InMemoryIncidentStore _store = new();
    private readonly IncidentRegister _register;

    public IncidentRegisterTests() => _register = new IncidentRegister(_store, new FakeTimeProvider(Detected.AddHours(1)));

    private async Task<SecurityIncident> Raise(bool major, IncidentParty? raisedBy = null, UnauthorisedEvent? unauthorised = null) =>
        (await _register.RaiseAsync(Supplier, "Unexpected key use on the adapter", Detected, major, raisedBy ?? SupplierParty, unauthorised, Ct)).Value;

    [Fact]
    public async Task G3_5_a_Major_Security_Incident_owes_notice_to_the_DCC_the_Panel_and_the_SSC()
    {
        var incident = await Raise(major: true);
        Assert.Equal(AllThree, incident.NotificationsOwed);
        Assert.Equal(3, incident.Outstanding().Count(o => o.StartsWith("G3.5:")));
        Assert.Equal(["AG 2.10.11", "AG 2.10.12"], incident.ApplicableAgClauses);
        Assert.NotNull(await _store.FindAsync(incident.Id, Ct));
    }

    [Fact]
    public async Task G3_5_an_ordinary_incident_owes_no_notice_and_refuses_one()
    {
        var incident = await Raise(major: false);
        Assert.Empty(incident.Notifications);
        Assert.Empty(incident.ApplicableAgClauses);
        var ruling = await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Dcc, Detected.AddMinutes(30), Ct);
        Assert.Equal("G3.5", ruling.Refusal!.Clause);
        Assert.Contains("only for a Major Security Incident", ruling.Refusal.Reason);
    }

    [Fact]
    public async Task G3_5_notifications_are_tracked_until_all_three_are_made()
    {
        var incident = await Raise(major: true);
        await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Dcc, Detected.AddMinutes(20), Ct);
        var afterTwo = (await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Panel, Detected.AddMinutes(25), Ct)).Value;
        Assert.Equal([NotifiedBody.SecuritySubCommittee], afterTwo.NotificationsOwed);
        Assert.Equal(Detected.AddMinutes(20), afterTwo.Notifications.Single(n => n.To == NotifiedBody.Dcc).At);

        var done = (await _register.RecordNotificationAsync(incident.Id, NotifiedBody.SecuritySubCommittee, Detected.AddMinutes(40), Ct)).Value;
        Assert.Empty(done.NotificationsOwed);
        Assert.Empty(done.Outstanding());
    }

    [Fact]
    public async Task G3_5_a_notification_before_detection_is_refused()
    {
        var incident = await Raise(major: true);
        var ruling = await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Dcc, Detected.AddMinutes(-5), Ct);
        Assert.Contains("cannot precede", ruling.Refusal!.Reason);
    }

    [Fact]
    public async Task G3_5AA_no_notice_needed_when_all_three_already_know()
    {
        var incident = await Raise(major: true);
        var ruling = await _register.RecordAlreadyAwareAsync(incident.Id, "Raised jointly on the DCC's incident bridge with Panel and SSC members present", AllThree, Ct);
        Assert.True(ruling.IsAllowed);
        Assert.All(ruling.Value.Notifications, n => Assert.Equal(NotificationStatus.NotRequiredAlreadyAware, n.Status));
        Assert.Empty(ruling.Value.NotificationsOwed);
        Assert.StartsWith("Raised jointly", ruling.Value.AlreadyAware!.Reason);
    }

    [Fact]
    public async Task G3_5AA_refused_unless_all_three_already_know()
    {
        var incident = await Raise(major: true);
        var ruling = await _register.RecordAlreadyAwareAsync(incident.Id, "The DCC told us", [NotifiedBody.Dcc], Ct);
        Assert.Equal("G3.5AA", ruling.Refusal!.Clause);
        Assert.Contains("the Panel and the Security Sub-Committee are not known", ruling.Refusal.Reason);
        Assert.Equal(AllThree, (await _store.FindAsync(incident.Id, Ct))!.NotificationsOwed);
    }

    [Fact]
    public async Task G3_5AA_refused_without_a_reason()
    {
        var incident = await Raise(major: true);
        var ruling = await _register.RecordAlreadyAwareAsync(incident.Id, "  ", AllThree, Ct);
        Assert.Contains("record that reason", ruling.Refusal!.Reason);
    }

    [Fact]
    public async Task G3_5AA_refused_for_an_incident_that_is_not_major()
    {
        var incident = await Raise(major: false);
        var ruling = await _register.RecordAlreadyAwareAsync(incident.Id, "Everyone knows", AllThree, Ct);
        Assert.Equal("G3.5AA", ruling.Refusal!.Clause);
        Assert.Contains("not one", ruling.Refusal.Reason);
    }

    [Fact]
    public async Task G3_5AA_leaves_notifications_already_made_on_the_record()
    {
        var incident = await Raise(major: true);
        await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Dcc, Detected.AddMinutes(10), Ct);
        var aware = (await _register.RecordAlreadyAwareAsync(incident.Id, "SSC chair confirmed by phone that Panel and SSC were briefed", AllThree, Ct)).Value;
        Assert.Equal(NotificationStatus.Notified, aware.Notifications.Single(n => n.To == NotifiedBody.Dcc).Status);
    }

    [Fact]
    public async Task AG_2_1_3_an_RDP_is_an_Incident_Party_for_a_Major_Security_Incident()
    {
        var raisedByRdp = await Raise(major: true, raisedBy: RdpParty);
        Assert.Contains(RdpParty, raisedByRdp.Parties);

        var other = await Raise(major: true);
        var added = await _register.AddPartyAsync(other.Id, RdpParty, Ct);
        Assert.Contains(RdpParty, added.Value.Parties);
    }

    [Fact]
    public async Task AG_2_1_3_an_RDP_is_not_an_Incident_Party_for_other_incidents()
    {
        var raised = await _register.RaiseAsync(Supplier, "Registration data mismatch", Detected, false, RdpParty, null, Ct);
        Assert.Equal("AG 2.1.3", raised.Refusal!.Clause);
        Assert.Contains("Registration Data Provider 90-B3-D5-1F-30-05-00-00", raised.Refusal.Reason);

        var ordinary = await Raise(major: false);
        var added = await _register.AddPartyAsync(ordinary.Id, RdpParty, Ct);
        Assert.Equal("AG 2.1.3", added.Refusal!.Clause);
    }

    [Fact]
    public async Task AG_2_1_3_an_incident_with_an_RDP_party_cannot_stop_being_major()
    {
        var incident = await Raise(major: true, raisedBy: RdpParty);
        var ruling = await _register.ClassifyAsync(incident.Id, false, Ct);
        Assert.Equal("AG 2.1.3", ruling.Refusal!.Clause);
    }

    [Fact]
    public async Task Reclassifying_as_major_makes_the_notifications_owed_and_back_clears_them()
    {
        var incident = await Raise(major: false);
        var major = (await _register.ClassifyAsync(incident.Id, true, Ct)).Value;
        Assert.Equal(AllThree, major.NotificationsOwed);
        var notified = (await _register.RecordNotificationAsync(incident.Id, NotifiedBody.Panel, Detected.AddMinutes(5), Ct)).Value;
        var ordinary = (await _register.ClassifyAsync(incident.Id, false, Ct)).Value;
        Assert.Empty(ordinary.NotificationsOwed);
        Assert.Equal([NotifiedBody.Panel], ordinary.Notifications.Select(n => n.To));
        Assert.NotEqual(notified, ordinary);
    }

    [Fact]
    public async Task G3_4_steps_are_outstanding_until_recorded()
    {
        var incident = await Raise(major: false, unauthorised: new UnauthorisedEvent("G3.2", "Failed logins from an unknown host"));
        Assert.Contains(incident.Outstanding(), o => o.StartsWith("G3.4"));

        var refused = await _register.RecordIsmsStepsAsync(incident.Id, "Isolated host", Detected.AddHours(-1), Ct);
        Assert.Equal("G3.4", refused.Refusal!.Clause);

        var recorded = (await _register.RecordIsmsStepsAsync(incident.Id, "Isolated host, rotated credentials", Detected.AddMinutes(15), Ct)).Value;
        Assert.Empty(recorded.Outstanding());
    }

    [Fact]
    public void G3_4_an_unauthorised_event_names_a_clause_from_G3_1_to_G3_3() =>
        Assert.Contains("not one of the clauses", Assert.Throws<ArgumentException>(() => new UnauthorisedEvent("G3.9", "x")).Message);

    [Fact]
    public async Task An_incident_detected_in_the_future_is_refused()
    {
        var raised = await _register.RaiseAsync(Supplier, "Later", Detected.AddDays(1), true, SupplierParty, null, Ct);
        Assert.Contains("in the future", raised.Refusal!.Reason);
    }

    [Fact]
    public async Task An_unknown_incident_is_reported_as_such() =>
        Assert.Contains("not in the register",
            (await Assert.ThrowsAsync<KeyNotFoundException>(() => _register.ClassifyAsync(IncidentId.New(), true, Ct))).Message);
}
