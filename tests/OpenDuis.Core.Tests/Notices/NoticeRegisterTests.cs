using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.Notices;

public class NoticeRegisterTests
{
    private static readonly Eui Sender = Eui.Parse("90-B3-D5-1F-30-02-00-00");

    private static readonly PartyNoticeDetails Recipient = new(
        Eui.Parse("90-B3-D5-1F-30-01-00-00"),
        "1 Meter Street, London EC1A 1AA",
        new Dictionary<NoticeType, string> { [NoticeType.General] = "notices@supplier.example" });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Sent = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly InMemoryNoticeStore _store = new();
    private readonly NoticeRegister _register;

    public NoticeRegisterTests() =>
        _register = new NoticeRegister(_store, WorkingDayCalendar.EnglandAndWales, new FakeTimeProvider(Sent.AddMinutes(5)));

    [Fact]
    public async Task Records_a_posted_notice_with_its_deemed_receipt()
    {
        var given = await _register.GiveAsync(Sender, Recipient, NoticeType.General, NoticeMethod.Post, "Notice of dispute", Sent, Ct);

        var stored = await _store.FindAsync(given.Value.Id, Ct);
        Assert.NotNull(stored);
        Assert.Equal("1 Meter Street, London EC1A 1AA", stored.Address);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero), stored.DeemedReceipt!.At);
        Assert.Equal(Sent.AddMinutes(5), stored.RecordedAt);
        Assert.Single(await _store.ToPartyAsync(Recipient.Party, Ct));
    }

    [Fact]
    public async Task Refuses_and_records_nothing_for_a_fax()
    {
        var given = await _register.GiveAsync(Sender, Recipient, NoticeType.General, NoticeMethod.Fax, "Notice", Sent, Ct);
        Assert.Equal("M10.2(c)", given.Refusal!.Clause);
        Assert.Empty(await _store.ToPartyAsync(Recipient.Party, Ct));
    }

    [Fact]
    public async Task Refuses_email_for_a_type_with_no_email_address()
    {
        var given = await _register.GiveAsync(Sender, Recipient, new NoticeType("Termination"), NoticeMethod.Email, "Notice", Sent, Ct);
        Assert.Equal("M10.3", given.Refusal!.Clause);
    }

    [Fact]
    public async Task Refuses_a_notice_to_oneself()
    {
        var given = await _register.GiveAsync(Recipient.Party, Recipient, NoticeType.General, NoticeMethod.Post, "Notice", Sent, Ct);
        Assert.Equal("M10.2", given.Refusal!.Clause);
    }

    [Fact]
    public async Task An_email_error_within_the_hour_withdraws_deemed_receipt()
    {
        var given = (await _register.GiveAsync(Sender, Recipient, NoticeType.General, NoticeMethod.Email, "Notice", Sent, Ct)).Value;
        Assert.True(NoticeRegister.IsReceivedBy(given, Sent.AddHours(1)));

        var bounced = (await _register.RecordEmailErrorAsync(given.Id, Sent.AddMinutes(20), Ct)).Value;

        Assert.Null(bounced.DeemedReceipt);
        Assert.Equal("M10.4(d)", bounced.NotReceivedBecause!.Clause);
        Assert.False(NoticeRegister.IsReceivedBy(bounced, Sent.AddDays(30)));
        Assert.Null((await _store.FindAsync(given.Id, Ct))!.DeemedReceipt);
    }

    [Fact]
    public async Task An_email_error_after_the_hour_leaves_receipt_standing()
    {
        var given = (await _register.GiveAsync(Sender, Recipient, NoticeType.General, NoticeMethod.Email, "Notice", Sent, Ct)).Value;
        var late = (await _register.RecordEmailErrorAsync(given.Id, Sent.AddMinutes(61), Ct)).Value;
        Assert.Equal(Sent.AddHours(1), late.DeemedReceipt!.At);
        Assert.Equal(Sent.AddMinutes(61), late.ErrorMessageAt);
    }

    [Fact]
    public async Task An_error_message_for_a_posted_notice_is_refused()
    {
        var given = (await _register.GiveAsync(Sender, Recipient, NoticeType.General, NoticeMethod.Post, "Notice", Sent, Ct)).Value;
        var ruling = await _register.RecordEmailErrorAsync(given.Id, Sent.AddMinutes(5), Ct);
        Assert.Contains("not email", ruling.Refusal!.Reason);
    }
}
