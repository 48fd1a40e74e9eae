using System.Data.Common;
using Dapper;
using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The notices register (SEC M10) in the data folder's database.</summary>
public sealed class SqlNoticeStore(SqlConnectionSource connections) : INoticeStore
{
    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    async Task INoticeStore.AddAsync(NoticeRecord notice, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var added = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO notices (id, recipient, sent_us, document) VALUES (@Id, @To, @At, @Document) ON CONFLICT (id) DO NOTHING",
            NoticeArgs(notice), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (added == 0) throw new InvalidOperationException($"Notice {notice.Id} is already recorded.");
    }

    async Task INoticeStore.UpdateAsync(NoticeRecord notice, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE notices SET recipient = @To, sent_us = @At, document = @Document WHERE id = @Id",
            NoticeArgs(notice), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"Notice {notice.Id} is not recorded.");
    }

    async Task<NoticeRecord?> INoticeStore.FindAsync(NoticeId id, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT document FROM notices WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : RegisterDocuments.Read<NoticeRecord>(document, "notices");
    }

    async Task<IReadOnlyList<NoticeRecord>> INoticeStore.ToPartyAsync(Eui recipient, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM notices WHERE recipient = @To ORDER BY sent_us, id", new { To = Db.Key(recipient) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => RegisterDocuments.Read<NoticeRecord>(d, "notices"))];
    }

    private static object NoticeArgs(NoticeRecord notice) => new
    {
        Id = notice.Id.ToString(),
        To = Db.Key(notice.To),
        At = Db.Micros(notice.SentAt),
        Document = RegisterDocuments.Write(notice),
    };
}
