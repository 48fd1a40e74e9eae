using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.Notices;

public class NoticeRulesTests
{
    private static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.EnglandAndWales;
    private static readonly NoticeType Disputes = new("disputes");

    private static readonly PartyNoticeDetails Recipient = new(
        Eui.Parse("90-B3-D5-1F-30-01-00-00"),
        "1 Meter Street, London EC1A 1AA",
        new Dictionary<NoticeType, string> { [NoticeType.General] = "notices@supplier.example" });

    private static DateTimeOffset At(string text) =>
        UkLocalTime.TryParse(text, out var at, out var error) ? at : throw new FormatException(error);

    private static string PostedDeemed(string posted) =>
        UkLocalTime.Format(NoticeRules.DeemedReceipt(NoticeMethod.Post, At(posted), null, Calendar).Value.At);

    [Theory]
    [InlineData("2026-11-25T10:00Z", "2026-11-27T00:00:00+00:00")]      // Wednesday → Friday
    [InlineData("2026-11-26T09:00Z", "2026-11-30T00:00:00+00:00")]      // Thursday → over the weekend to Monday
    [InlineData("2026-11-27T18:45Z", "2026-12-01T00:00:00+00:00")]      // Friday evening → Tuesday
    [InlineData("2026-11-28T11:00Z", "2026-12-01T00:00:00+00:00")]      // Saturday (not a Working Day) → Tuesday
    [InlineData("2026-11-29T23:59Z", "2026-12-01T00:00:00+00:00")]      // Sunday night → Tuesday
    public void Post_weekends(string posted, string deemed) => Assert.Equal(deemed, PostedDeemed(posted));

    [Theory]
    [InlineData("2026-12-23T12:00Z", "2026-12-29T00:00:00+00:00")]      // Thu 24th, then Christmas, weekend, Boxing Day substitute
    [InlineData("2026-12-24T12:00Z", "2026-12-30T00:00:00+00:00")]
    [InlineData("2026-12-30T12:00Z", "2027-01-04T00:00:00+00:00")]      // Thu 31st, New Year's Day, weekend → Mon 4th
    [InlineData("2027-12-23T12:00Z", "2027-12-29T00:00:00+00:00")]      // Fri 24th, then Christmas on a Saturday: 27th and 28th substituted
    public void Post_Christmas_and_New_Year(string posted, string deemed) => Assert.Equal(deemed, PostedDeemed(posted));

    [Theory]
    [InlineData("2026-04-02T12:00", "2026-04-08T00:00:00+01:00")]       // Maundy Thursday → Good Friday, weekend, Easter Monday skipped
    [InlineData("2026-04-03T12:00", "2026-04-08T00:00:00+01:00")]       // posted on Good Friday
    [InlineData("2027-03-25T12:00", "2027-03-31T00:00:00+01:00")]       // Easter 2027, across the clock change
    public void Post_Easter(string posted, string deemed) => Assert.Equal(deemed, PostedDeemed(posted));

    [Theory]
    [InlineData("2022-09-16T12:00", "2022-09-21T00:00:00+01:00")]       // State Funeral, Monday 19 September 2022
    [InlineData("2023-05-05T12:00", "2023-05-10T00:00:00+01:00")]       // Coronation, Monday 8 May 2023
    [InlineData("2022-06-01T12:00", "2022-06-07T00:00:00+01:00")]       // Platinum Jubilee, 2 and 3 June 2022
    [InlineData("2020-05-07T12:00", "2020-05-12T00:00:00+01:00")]       // VE Day, Friday 8 May 2020
    public void Post_one_off_bank_holidays(string posted, string deemed) => Assert.Equal(deemed, PostedDeemed(posted));

    [Fact]
    public void Post_counts_from_the_UK_date_of_posting_not_the_UTC_date()
    {
        // 23:30 UTC on Thursday is 00:30 BST on Friday: the date of posting is the Friday.
        Assert.Equal("2026-06-09T00:00:00+01:00", PostedDeemed("2026-06-04T23:30Z"));
        var deemed = NoticeRules.DeemedReceipt(NoticeMethod.Post, At("2026-06-04T23:30Z"), null, Calendar).Value;
        Assert.Equal("M10.4(b)", deemed.Clause);
        Assert.Contains("Fri 2026-06-05", deemed.Basis);
    }

    [Theory]
    [InlineData(NoticeMethod.Personal)]
    [InlineData(NoticeMethod.Courier)]
    public void Personal_and_courier_are_received_when_left(NoticeMethod method)
    {
        var left = At("2026-11-28T16:10Z"); // a Saturday: no Working Day rule applies
        var deemed = NoticeRules.DeemedReceipt(method, left, null, Calendar).Value;
        Assert.Equal(left, deemed.At);
        Assert.Equal("M10.4(a)", deemed.Clause);
    }

    [Fact]
    public void Email_is_received_one_hour_after_sending()
    {
        var deemed = NoticeRules.DeemedReceipt(NoticeMethod.Email, At("2026-11-28T22:30Z"), null, Calendar).Value;
        Assert.Equal("2026-11-28T23:30:00+00:00", UkLocalTime.Format(deemed.At));
        Assert.Equal("M10.4(d)", deemed.Clause);
    }

    [Fact]
    public void Email_hour_is_an_elapsed_hour_across_the_clock_change() =>
        Assert.Equal("2026-03-29T02:30:00+01:00",
            UkLocalTime.Format(NoticeRules.DeemedReceipt(NoticeMethod.Email, At("2026-03-29T00:30Z"), null, Calendar).Value.At));

    [Fact]
    public void Email_error_within_the_hour_means_not_received()
    {
        var ruling = NoticeRules.DeemedReceipt(NoticeMethod.Email, At("2026-11-25T10:00Z"), At("2026-11-25T10:59:59Z"), Calendar);
        Assert.False(ruling.IsAllowed);
        Assert.Equal("M10.4(d)", ruling.Refusal.Clause);
        Assert.Contains("not deemed received", ruling.Refusal.Reason);
    }

    [Theory]
    [InlineData("2026-11-25T11:00Z")]   // exactly when the hour elapses: not "before"
    [InlineData("2026-11-25T14:00Z")]
    public void Email_error_after_the_hour_changes_nothing(string errorAt)
    {
        var ruling = NoticeRules.DeemedReceipt(NoticeMethod.Email, At("2026-11-25T10:00Z"), At(errorAt), Calendar);
        Assert.Equal(At("2026-11-25T11:00Z"), ruling.Value.At);
        Assert.Contains("after the hour", ruling.Value.Basis);
    }

    [Fact]
    public void Email_error_before_sending_is_refused()
    {
        var ruling = NoticeRules.DeemedReceipt(NoticeMethod.Email, At("2026-11-25T10:00Z"), At("2026-11-25T09:00Z"), Calendar);
        Assert.Contains("cannot come before the email was sent", ruling.Refusal!.Reason);
    }

    [Fact]
    public void Fax_has_no_deemed_receipt()
    {
        var ruling = NoticeRules.DeemedReceipt(NoticeMethod.Fax, At("2026-11-25T10:00Z"), null, Calendar);
        Assert.Equal("M10.4(c)", ruling.Refusal!.Clause);
        Assert.Contains("fax is not a permitted method", ruling.Refusal.Reason);
        Assert.Contains("MP260", ruling.Refusal.Reason);
    }

    [Fact]
    public void Fax_is_not_a_permitted_method()
    {
        var ruling = NoticeRules.AddressFor(Recipient, NoticeType.General, NoticeMethod.Fax);
        Assert.Equal("M10.2(c)", ruling.Refusal!.Clause);
        Assert.Contains("fax is not a permitted method", ruling.Refusal.Reason);
    }

    [Fact]
    public void Email_goes_to_the_address_given_for_that_type_of_notice() =>
        Assert.Equal("notices@supplier.example", NoticeRules.AddressFor(Recipient, NoticeType.General, NoticeMethod.Email).Value);

    [Fact]
    public void Email_is_refused_where_no_email_address_is_given_for_that_type()
    {
        var ruling = NoticeRules.AddressFor(Recipient, Disputes, NoticeMethod.Email);
        Assert.Equal("M10.3", ruling.Refusal!.Clause);
        Assert.Contains("no email address for disputes notices", ruling.Refusal.Reason);
    }

    [Theory]
    [InlineData(NoticeMethod.Personal)]
    [InlineData(NoticeMethod.Courier)]
    [InlineData(NoticeMethod.Post)]
    public void Physical_methods_go_to_the_physical_address(NoticeMethod method) =>
        Assert.Equal("1 Meter Street, London EC1A 1AA", NoticeRules.AddressFor(Recipient, Disputes, method).Value);

    [Fact]
    public void Physical_methods_are_refused_without_a_physical_address()
    {
        var emailOnly = new PartyNoticeDetails(Recipient.Party, null,
            new Dictionary<NoticeType, string> { [NoticeType.General] = "notices@supplier.example" });
        var ruling = NoticeRules.AddressFor(emailOnly, NoticeType.General, NoticeMethod.Post);
        Assert.Equal("M10.3", ruling.Refusal!.Clause);
        Assert.Contains("no physical address", ruling.Refusal.Reason);
    }

    [Fact]
    public void Party_details_refuse_a_malformed_email_address() =>
        Assert.Throws<ArgumentException>(() => new PartyNoticeDetails(Recipient.Party, null,
            new Dictionary<NoticeType, string> { [NoticeType.General] = "not an address" }));
}
