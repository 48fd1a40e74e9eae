namespace OpenDuis.Core.Tests.Notices;

public class UkLocalTimeTests
{
    [Theory]
    [InlineData("2026-11-25T17:30:00Z", "2026-11-25T17:30:00+00:00")]
    [InlineData("2026-07-01T17:30:00Z", "2026-07-01T18:30:00+01:00")]
    [InlineData("2026-07-01T17:30", "2026-07-01T17:30:00+01:00")]        // no offset: UK local time
    [InlineData("2026-07-01T17:30:00+02:00", "2026-07-01T16:30:00+01:00")]
    [InlineData("2026-07-01", "2026-07-01T00:00:00+01:00")]
    public void Reads_ISO_8601_and_writes_it_with_the_UK_offset(string text, string expected)
    {
        Assert.True(UkLocalTime.TryParse(text, out var instant, out var error), error);
        Assert.Equal(expected, UkLocalTime.Format(instant));
    }

    [Theory]
    [InlineData("2026-03-29T01:30", "clocks go forward")]
    [InlineData("2026-10-25T01:30", "clocks go back")]
    [InlineData("25/11/2026 17:30", "not an ISO 8601")]
    [InlineData("2026-02-30T10:00", "not a valid date-time")]
    [InlineData("", "not an ISO 8601")]
    public void Refuses_times_it_cannot_place(string text, string because)
    {
        Assert.False(UkLocalTime.TryParse(text, out _, out var error));
        Assert.Contains(because, error);
    }
}
