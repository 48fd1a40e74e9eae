using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Notices;

public readonly record struct NoticeId(Guid Value)
{
    public static NoticeId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

/// <summary>
/// A notice one Party gave another under M10.2. <see cref="DeemedReceipt"/> is null while an email
/// the sender got an error message for within the hour (M10.4(d)) stands undelivered.
/// </summary>
public sealed record NoticeRecord(
    NoticeId Id,
    Eui From,
    Eui To,
    NoticeType Type,
    NoticeMethod Method,
    string Address,
    string Subject,
    DateTimeOffset SentAt,
    DateTimeOffset RecordedAt,
    DateTimeOffset? ErrorMessageAt,
    DeemedReceipt? DeemedReceipt,
    Refusal? NotReceivedBecause);

/// <summary>Where notices are kept (an in-memory one below; database ones live in OpenDuis.Storage).</summary>
public interface INoticeStore
{
    Task AddAsync(NoticeRecord notice, CancellationToken cancellationToken = default);
    Task UpdateAsync(NoticeRecord notice, CancellationToken cancellationToken = default);
    Task<NoticeRecord?> FindAsync(NoticeId id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<NoticeRecord>> ToPartyAsync(Eui recipient, CancellationToken cancellationToken = default);
}

internal sealed class InMemoryNoticeStore : INoticeStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<NoticeId, NoticeRecord> _notices = [];

    public Task AddAsync(NoticeRecord notice, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_notices.TryAdd(notice.Id, notice))
                throw new InvalidOperationException($"Notice {notice.Id} is already recorded.");
        }
        return Task.CompletedTask;
    }

    public Task UpdateAsync(NoticeRecord notice, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_notices.ContainsKey(notice.Id))
                throw new KeyNotFoundException($"Notice {notice.Id} is not recorded.");
            _notices[notice.Id] = notice;
        }
        return Task.CompletedTask;
    }

    public Task<NoticeRecord?> FindAsync(NoticeId id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_notices.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<NoticeRecord>> ToPartyAsync(Eui recipient, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<NoticeRecord>>(
                [.. _notices.Values.Where(n => n.To == recipient).OrderBy(n => n.SentAt)]);
    }
}

/// <summary>
/// Records notices between Parties (M10): checks the method against the recipient's Party Details
/// (M10.2, M10.3) and keeps the deemed-receipt time (M10.4) up to date as error messages arrive.
/// </summary>
public sealed class NoticeRegister(INoticeStore store, WorkingDayCalendar calendar, TimeProvider clock)
{
    public async Task<Ruling<NoticeRecord>> GiveAsync(
        Eui from, PartyNoticeDetails recipient, NoticeType type, NoticeMethod method, string subject, DateTimeOffset sentAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        if (from == recipient.Party)
            return Ruling<NoticeRecord>.Refuse("M10.2", $"a notice is made by one Party to another; {from} cannot give notice to itself");
        var address = NoticeRules.AddressFor(recipient, type, method);
        if (!address.IsAllowed) return address.Refusal;
        var deemed = NoticeRules.DeemedReceipt(method, sentAt, null, calendar);
        if (!deemed.IsAllowed) return deemed.Refusal;

        var notice = new NoticeRecord(NoticeId.New(), from, recipient.Party, type, method, address.Value, subject.Trim(),
            sentAt, clock.GetUtcNow(), null, deemed.Value, null);
        await store.AddAsync(notice, cancellationToken);
        return Ruling<NoticeRecord>.Allow(notice);
    }

    /// <summary>
    /// M10.4(d): the sender received an error message for an emailed notice. Within the hour after
    /// sending the notice is no longer deemed received; after it, nothing changes but the record.
    /// </summary>
    public async Task<Ruling<NoticeRecord>> RecordEmailErrorAsync(NoticeId id, DateTimeOffset errorMessageAt, CancellationToken cancellationToken = default)
    {
        var notice = await store.FindAsync(id, cancellationToken)
            ?? throw new KeyNotFoundException($"Notice {id} is not recorded.");
        if (notice.Method != NoticeMethod.Email)
            return Ruling<NoticeRecord>.Refuse("M10.4(d)", $"notice {id} was given by {notice.Method.Name()}, not email; only an emailed notice has error messages that affect its receipt");
        if (notice.ErrorMessageAt is { } earlier && earlier <= errorMessageAt)
            return Ruling<NoticeRecord>.Allow(notice);

        var deemed = NoticeRules.DeemedReceipt(NoticeMethod.Email, notice.SentAt, errorMessageAt, calendar);
        if (!deemed.IsAllowed && errorMessageAt < notice.SentAt) return deemed.Refusal;
        var updated = notice with
        {
            ErrorMessageAt = errorMessageAt,
            DeemedReceipt = deemed.IsAllowed ? deemed.Value : null,
            NotReceivedBecause = deemed.Refusal,
        };
        await store.UpdateAsync(updated, cancellationToken);
        return Ruling<NoticeRecord>.Allow(updated);
    }

    /// <summary>Whether the notice is deemed received by <paramref name="at"/> (M10.4).</summary>
    public static bool IsReceivedBy(NoticeRecord notice, DateTimeOffset at) => notice.DeemedReceipt is { } d && d.At <= at;
}
