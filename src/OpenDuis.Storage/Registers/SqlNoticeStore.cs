using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The notices register (SEC M10) in the data folder's database.</summary>
internal sealed class SqlNoticeStore(SqlConnectionSource connections) : INoticeStore
{
    private readonly RegisterTable<NoticeRecord> _table = new(connections, "notices", ("sent_us", "At"), ("recipient", "To"));

    Task INoticeStore.AddAsync(NoticeRecord notice, CancellationToken cancellationToken) =>
        _table.AddAsync(Args(notice), $"Notice {notice.Id} is already recorded.", cancellationToken);

    Task INoticeStore.UpdateAsync(NoticeRecord notice, CancellationToken cancellationToken) =>
        _table.UpdateAsync(Args(notice), $"Notice {notice.Id} is not recorded.", cancellationToken);

    Task<NoticeRecord?> INoticeStore.FindAsync(NoticeId id, CancellationToken cancellationToken) => _table.FindAsync(id.ToString(), cancellationToken);

    Task<IReadOnlyList<NoticeRecord>> INoticeStore.ToPartyAsync(Eui recipient, CancellationToken cancellationToken) =>
        _table.ListAsync(cancellationToken, "recipient = @To", new { To = Db.Key(recipient) });

    private static object Args(NoticeRecord notice) => new
    {
        Id = notice.Id.ToString(),
        To = Db.Key(notice.To),
        At = Db.Micros(notice.SentAt),
        Document = RegisterDocuments.Write(notice),
    };
}
