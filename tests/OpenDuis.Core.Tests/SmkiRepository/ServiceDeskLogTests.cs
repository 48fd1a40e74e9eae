using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.SmkiRepository;

public class ServiceDeskLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] OrgCertificate = ["Organisation Certificate, serial 0x1234 (90-B3-D5-1F-30-01-00-00, digitalSigning)"];

    private static readonly ServiceDeskRequester Rdp = new("Example RDP Ltd", ServiceDeskRequesterKind.RegistrationDataProvider,
        HasDccGatewayConnection: false, Eui.Parse("90-B3-D5-1F-30-05-00-00"), "pki@rdp.example");

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly InMemoryServiceDeskLogStore _store = new();
    private readonly ServiceDeskLog _log;

    public ServiceDeskLogTests() => _log = new ServiceDeskLog(_store, _clock);

    [Theory]
    [InlineData(ServiceDeskChannel.PersonalVisit)]
    [InlineData(ServiceDeskChannel.Email)]
    [InlineData(ServiceDeskChannel.SignedLetter)]
    [InlineData(ServiceDeskChannel.Telephone)]
    public async Task P2_2_requests_by_the_permitted_channels_are_logged(ServiceDeskChannel channel)
    {
        var logged = await _log.LogRequestAsync(Rdp, channel, RepositoryAccessPurpose.ObtainCopy, OrgCertificate, Ct);
        Assert.Equal(channel, logged.Value.Channel);
        Assert.Equal(Now, logged.Value.ReceivedAt);
        Assert.Single(await _store.AllAsync(Ct));
    }

    [Fact]
    public async Task P2_2_a_signed_fax_is_refused()
    {
        var ruling = await _log.LogRequestAsync(Rdp, ServiceDeskChannel.SignedFax, RepositoryAccessPurpose.View, OrgCertificate, Ct);
        Assert.Equal(ServiceDeskRules.Clause, ruling.Refusal!.Clause);
        Assert.Contains("signed fax is no longer a way", ruling.Refusal.Reason);
        Assert.Empty(await _store.AllAsync(Ct));
    }

    [Fact]
    public async Task P2_2_a_requester_with_a_DCC_Gateway_Connection_is_sent_to_the_interface()
    {
        var connected = Rdp with { Name = "Big Supplier plc", Kind = ServiceDeskRequesterKind.Party, HasDccGatewayConnection = true };
        var ruling = await _log.LogRequestAsync(connected, ServiceDeskChannel.Telephone, RepositoryAccessPurpose.View, OrgCertificate, Ct);
        Assert.Contains("has a DCC Gateway Connection", ruling.Refusal!.Reason);
    }

    [Fact]
    public async Task P2_2_someone_not_entitled_is_refused()
    {
        var stranger = new ServiceDeskRequester("A member of the public", ServiceDeskRequesterKind.Other, false);
        var ruling = await _log.LogRequestAsync(stranger, ServiceDeskChannel.SignedLetter, RepositoryAccessPurpose.View, OrgCertificate, Ct);
        Assert.Contains("is not a Party, a Registration Data Provider", ruling.Refusal!.Reason);
    }

    [Theory]
    [InlineData(ServiceDeskRequesterKind.SmkiPmaRepresentative)]
    [InlineData(ServiceDeskRequesterKind.PanelRepresentative)]
    [InlineData(ServiceDeskRequesterKind.CodeAdministratorRepresentative)]
    public async Task P2_2_representatives_are_entitled(ServiceDeskRequesterKind kind)
    {
        var representative = new ServiceDeskRequester("Representative", kind, false);
        Assert.True((await _log.LogRequestAsync(representative, ServiceDeskChannel.PersonalVisit, RepositoryAccessPurpose.View, OrgCertificate, Ct)).IsAllowed);
    }

    [Fact]
    public async Task P2_2_an_emailed_request_needs_an_email_address()
    {
        var noEmail = Rdp with { EmailAddress = null };
        var ruling = await _log.LogRequestAsync(noEmail, ServiceDeskChannel.Email, RepositoryAccessPurpose.View, OrgCertificate, Ct);
        Assert.Contains("email address", ruling.Refusal!.Reason);
    }

    [Fact]
    public async Task P2_2_what_was_provided_and_how_is_logged()
    {
        var request = (await _log.LogRequestAsync(Rdp, ServiceDeskChannel.Telephone, RepositoryAccessPurpose.ObtainCopy, OrgCertificate, Ct)).Value;
        _clock.SetUtcNow(Now.AddHours(3));
        var provided = (await _log.RecordProvisionAsync(request.Id, OrgCertificate, ProvisionMedium.Email, Ct)).Value;

        var provision = Assert.Single(provided.Provided);
        Assert.Equal(ProvisionMedium.Email, provision.Medium);
        Assert.Equal("pki@rdp.example", provision.SentTo);
        Assert.Equal(Now.AddHours(3), provision.At);
        Assert.Equal(provided, await _store.FindAsync(request.Id, Ct));
    }

    [Fact]
    public async Task P2_2_email_is_not_appropriate_without_an_address()
    {
        var noEmail = Rdp with { EmailAddress = null };
        var request = (await _log.LogRequestAsync(noEmail, ServiceDeskChannel.SignedLetter, RepositoryAccessPurpose.ObtainCopy, OrgCertificate, Ct)).Value;
        var ruling = await _log.RecordProvisionAsync(request.Id, OrgCertificate, ProvisionMedium.Email, Ct);
        Assert.Contains("email is not appropriate", ruling.Refusal!.Reason);
        Assert.True((await _log.RecordProvisionAsync(request.Id, OrgCertificate, ProvisionMedium.OpticalMedia, Ct)).IsAllowed);
    }

    [Fact]
    public async Task P2_2_a_copy_is_not_provided_by_showing_it()
    {
        var request = (await _log.LogRequestAsync(Rdp, ServiceDeskChannel.PersonalVisit, RepositoryAccessPurpose.ObtainCopy, OrgCertificate, Ct)).Value;
        var ruling = await _log.RecordProvisionAsync(request.Id, OrgCertificate, ProvisionMedium.ViewedInPerson, Ct);
        Assert.Contains("a copy was asked for", ruling.Refusal!.Reason);
    }

    [Fact]
    public async Task P2_2_a_request_must_name_what_is_wanted() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _log.LogRequestAsync(Rdp, ServiceDeskChannel.Telephone, RepositoryAccessPurpose.View, [], Ct));
}
