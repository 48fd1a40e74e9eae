using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;

namespace OpenDuis.Core.Tests.Inventory;

public class InventoryValueTests
{
    [Theory]
    [InlineData("1012345678903")] // a valid MPAN core (check digit 3)
    [InlineData("123456")]
    [InlineData("1234567890")]
    public void Valid_mpxns_parse_and_print_back(string text) => Assert.Equal(text, Mpxn.Parse(text).ToString());

    [Theory]
    [InlineData("1012345678901", "check digit")]
    [InlineData("12345", "6 to 10")]
    [InlineData("12345678901", "6 to 10")]
    [InlineData("12345A", "only digits")]
    public void Invalid_mpxns_are_refused_with_the_reason(string text, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Mpxn.Parse(text)).Message);

    [Fact]
    public void Fuel_follows_the_identifier_length()
    {
        Assert.Equal(Fuel.Electricity, Mpxn.MpanFromTwelveDigits(101234567890).Fuel);
        Assert.Equal(Fuel.Gas, Mpxn.Parse("1234567890").Fuel);
        Assert.NotEqual(Mpxn.Parse("0123456"), Mpxn.Parse("123456"));
    }

    [Fact]
    public void A_registration_history_answers_at_each_side_of_a_change_of_supplier()
    {
        var t = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var mpan = Mpxn.MpanFromTwelveDigits(101234567890);
        var a = PartyId.Parse("A");
        var b = PartyId.Parse("B");
        var history = new RegistrationHistory([new RegistrationPeriod(mpan, RegisteredRole.Supplier, a, t.AddYears(-1))])
            .With(new RegistrationPeriod(mpan, RegisteredRole.Supplier, b, t));

        Assert.Equal(a, history.PartyAt(t.AddSeconds(-1)));
        Assert.Equal(b, history.PartyAt(t));
        Assert.Equal(b, history.PartyAt(t.AddSeconds(1)));
        Assert.Null(history.PartyAt(t.AddYears(-2)));
        Assert.Equal(t, history.Periods[0].EffectiveTo);
    }

    [Fact]
    public void A_gap_in_registration_has_nobody_registered()
    {
        var t = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var mprn = Mpxn.Parse("1234567890");
        var history = new RegistrationHistory(
        [
            new RegistrationPeriod(mprn, RegisteredRole.Supplier, PartyId.Parse("A"), t.AddDays(-10), t),
            new RegistrationPeriod(mprn, RegisteredRole.Supplier, PartyId.Parse("B"), t.AddDays(1)),
        ]);

        Assert.Null(history.PartyAt(t));
        Assert.Equal(PartyId.Parse("B"), history.PartyAt(t.AddDays(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public void Bad_party_ids_are_refused(string text) => Assert.False(PartyId.TryParse(text, out _));
}
