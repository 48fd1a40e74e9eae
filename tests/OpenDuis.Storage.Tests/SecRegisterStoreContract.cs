using OpenDuis.Core.Incidents;
using OpenDuis.Core.Notices;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests;

/// <summary>The incident and notice registers kept in the database: what the registers write is what a reopened store reads.</summary>
public abstract class SecRegisterStoreContract : StoreContract<DataStores>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui Rdp = Eui.Parse("90-B3-D5-1F-30-05-00-00");
    private static readonly Eui Recipient = Eui.Parse("90-B3-D5-1F-30-02-00-00");

    [Fact]
    public async Task A_major_incident_with_its_parties_and_notifications_persists()
    {
        var register = new IncidentRegister(Store.Incidents, new FakeTimeProvider(Now));
        var raised = await register.RaiseAsync(User, "Key misuse", Now.AddHours(-2), isMajorSecurityIncident: true,
            new IncidentParty(Rdp, IncidentPartyKind.RegistrationDataProvider), new UnauthorisedEvent("G3.2", "unauthorised access"), Ct);
        Assert.True(raised.IsAllowed, raised.ToString());
        var notified = await register.RecordNotificationAsync(raised.Value.Id, NotifiedBody.Dcc, Now.AddHours(-1), Ct);
        Assert.True(notified.IsAllowed, notified.ToString());

        var store = Store.Incidents;
        var read = await store.FindAsync(raised.Value.Id, Ct);
        Assert.Equivalent(notified.Value, read, strict: true);
        Assert.Contains(read!.Notifications, n => n.To == NotifiedBody.Dcc && n.Status == NotificationStatus.Notified);
        Assert.Equal([raised.Value.Id], (await store.AllAsync(Ct)).Select(i => i.Id));
        Assert.Null(await store.FindAsync(IncidentId.New(), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddAsync(read, Ct));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.UpdateAsync(read with { Id = IncidentId.New() }, Ct));
    }

    [Fact]
    public async Task A_notice_and_its_email_error_persist_and_are_found_by_recipient()
    {
        var register = new NoticeRegister(Store.Notices, WorkingDayCalendar.EnglandAndWales, new FakeTimeProvider(Now));
        var details = new PartyNoticeDetails(Recipient, "1 High Street, London",
            new Dictionary<NoticeType, string> { [NoticeType.General] = "notices@network.example" });
        var posted = await register.GiveAsync(User, details, NoticeType.General, NoticeMethod.Post, "Change of address", Now.AddDays(-3), Ct);
        var emailed = await register.GiveAsync(User, details, NoticeType.General, NoticeMethod.Email, "Dispute", Now.AddMinutes(-30), Ct);
        Assert.True(posted.IsAllowed && emailed.IsAllowed);
        var bounced = await register.RecordEmailErrorAsync(emailed.Value.Id, Now.AddMinutes(-10), Ct);

        var store = Store.Notices;
        var read = await store.FindAsync(emailed.Value.Id, Ct);
        Assert.Equivalent(bounced.Value, read, strict: true);
        Assert.Null(read!.DeemedReceipt);
        Assert.Equal("M10.4(d)", read.NotReceivedBecause!.Clause);
        Assert.Equivalent(posted.Value, await store.FindAsync(posted.Value.Id, Ct), strict: true);
        Assert.Equal([posted.Value.Id, emailed.Value.Id], (await store.ToPartyAsync(Recipient, Ct)).Select(n => n.Id));
        Assert.Empty(await store.ToPartyAsync(User, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddAsync(read, Ct));
    }

    [Fact]
    public async Task A_service_desk_request_and_what_was_provided_persist()
    {
        var log = new ServiceDeskLog(Store.ServiceDesk, new FakeTimeProvider(Now));
        var requester = new ServiceDeskRequester("Small Supplier Ltd", ServiceDeskRequesterKind.Party, HasDccGatewayConnection: false, User, "smki@supplier.example");
        var logged = await log.LogRequestAsync(requester, ServiceDeskChannel.SignedLetter, RepositoryAccessPurpose.ObtainCopy, ["Root OCA Certificate"], Ct);
        var provided = await log.RecordProvisionAsync(logged.Value.Id, ["Root OCA Certificate"], ProvisionMedium.Email, Ct);
        Assert.True(provided.IsAllowed, provided.ToString());
        var fax = await log.LogRequestAsync(requester, ServiceDeskChannel.SignedFax, RepositoryAccessPurpose.View, ["Device CA Certificate"], Ct);
        Assert.Equal(ServiceDeskRules.Clause, fax.Refusal!.Clause);

        var store = Store.ServiceDesk;
        var read = await store.FindAsync(logged.Value.Id, Ct);
        Assert.Equivalent(provided.Value, read, strict: true);
        Assert.Equal("smki@supplier.example", Assert.Single(read!.Provided).SentTo);
        Assert.Equal([logged.Value.Id], (await store.AllAsync(Ct)).Select(r => r.Id)); // the refused fax is not logged
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.UpdateAsync(read with { Id = ServiceDeskRequestId.New() }, Ct));
    }
}


public sealed class SqliteSecRegisterStoreTests : SecRegisterStoreContract
{
    private readonly SqliteStoreFolder _db = new("openduis-registers-");
    protected override async Task<DataStores> OpenStoreAsync() => new(await _db.OpenAsync());
    protected override ValueTask DropAsync() => _db.DropAsync();
}

public sealed class PostgresSecRegisterStoreTests : SecRegisterStoreContract
{
    private readonly PostgresStoreSchema _db = new();
    protected override async Task<DataStores> OpenStoreAsync() => new(await _db.OpenAsync());
    protected override ValueTask DropAsync() => _db.DropAsync();
}
