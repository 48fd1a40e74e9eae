namespace OpenDuis.Core.Notices;

/// <summary>When a notice is deemed received (M10.4), and the clause that says so.</summary>
public sealed record DeemedReceipt(DateTimeOffset At, string Clause, string Basis)
{
    public override string ToString() => $"{UkLocalTime.Format(At)} ({Clause}: {Basis})";
}

/// <summary>The rules of SEC M10.2–M10.4 as amended by MP260 (fax removed).</summary>
public static class NoticeRules
{
    public static readonly TimeSpan EmailDeemedAfter = TimeSpan.FromHours(1);
    public const int PostWorkingDays = 2;

    private const string FaxRemoved =
        "fax is not a permitted method of giving notice: MP260 removed it from M10.2(c), M10.3 and M10.4(c); deliver personally or by courier, post first class, or email";

    /// <summary>
    /// M10.2/M10.3: where a notice of <paramref name="type"/> given by <paramref name="method"/> must be
    /// sent, from the recipient's Party Details; refused for fax, for email where no email address is
    /// given for that type of notice, and where no physical address is given.
    /// </summary>
    public static Ruling<string> AddressFor(PartyNoticeDetails recipient, NoticeType type, NoticeMethod method)
    {
        switch (method)
        {
            case NoticeMethod.Fax:
                return Ruling<string>.Refuse("M10.2(c)", FaxRemoved);
            case NoticeMethod.Email:
                return recipient.EmailFor(type) is { } email
                    ? Ruling<string>.Allow(email)
                    : Ruling<string>.Refuse("M10.3", $"Party {recipient.Party}'s Party Details give no email address for {type} notices, so such a notice may not be given by email");
            default:
                return recipient.PhysicalAddress is { } address
                    ? Ruling<string>.Allow(address)
                    : Ruling<string>.Refuse("M10.3", $"Party {recipient.Party}'s Party Details give no physical address for notices, so a notice may not be given by {method.Name()}");
        }
    }

    /// <summary>
    /// M10.4: when a notice is deemed received. <paramref name="sentAt"/> is the moment the notice was
    /// left at the address (personal, courier), posted (post) or sent (email).
    /// <para>Post, M10.4(b) "two Working Days after the date of posting": the date of posting is the UK
    /// calendar date of <paramref name="sentAt"/>, whatever the hour and whether or not that date is a
    /// Working Day; it never counts itself. The deemed day is the second Working Day after it, and since
    /// the clause names a day rather than a time, receipt is deemed at the start of that day (00:00 UK).
    /// So a letter posted on Friday evening, Saturday or Sunday is deemed received on Tuesday (if Monday
    /// and Tuesday are Working Days).</para>
    /// <para>Email, M10.4(d): one hour after sending, unless the sender receives an error message for it
    /// before that hour has elapsed (an error at exactly one hour comes too late to matter).</para>
    /// M10.5 (to which M10.4 is subject) is not part of the amended text and is not applied here.
    /// </summary>
    public static Ruling<DeemedReceipt> DeemedReceipt(NoticeMethod method, DateTimeOffset sentAt, DateTimeOffset? errorMessageAt, WorkingDayCalendar calendar)
    {
        switch (method)
        {
            case NoticeMethod.Personal or NoticeMethod.Courier:
                return Ruling<DeemedReceipt>.Allow(new(sentAt, "M10.4(a)",
                    $"{(method == NoticeMethod.Personal ? "delivered personally" : "delivered by courier")}: received when left at the address"));

            case NoticeMethod.Post:
                var posted = UkLocalTime.DateOf(sentAt);
                var deemedDay = calendar.WorkingDaysAfter(posted, PostWorkingDays);
                return Ruling<DeemedReceipt>.Allow(new(UkLocalTime.StartOf(deemedDay), "M10.4(b)",
                    $"first class post: two Working Days after the date of posting, {posted:ddd yyyy-MM-dd} → {deemedDay:ddd yyyy-MM-dd}"));

            case NoticeMethod.Email:
                var deemedAt = sentAt + EmailDeemedAfter;
                if (errorMessageAt is { } error)
                {
                    if (error < sentAt)
                        return Ruling<DeemedReceipt>.Refuse("M10.4(d)",
                            $"the error message ({UkLocalTime.Format(error)}) cannot come before the email was sent ({UkLocalTime.Format(sentAt)})");
                    if (error < deemedAt)
                        return Ruling<DeemedReceipt>.Refuse("M10.4(d)",
                            $"an error message was received at {UkLocalTime.Format(error)}, before the hour after sending elapsed at {UkLocalTime.Format(deemedAt)}: the email is not deemed received; give the notice again");
                }
                return Ruling<DeemedReceipt>.Allow(new(deemedAt, "M10.4(d)",
                    errorMessageAt is null
                        ? "email: one hour after being sent, no error message received within the hour"
                        : $"email: one hour after being sent; the error message at {UkLocalTime.Format(errorMessageAt.Value)} came after the hour had elapsed"));

            case NoticeMethod.Fax:
                return Ruling<DeemedReceipt>.Refuse("M10.4(c)", FaxRemoved);

            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown notice method.");
        }
    }
}
