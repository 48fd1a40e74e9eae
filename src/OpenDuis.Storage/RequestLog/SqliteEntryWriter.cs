using System.Globalization;
using Microsoft.Data.Sqlite;
using OpenDuis.Core.AccessControl;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;
using SQLitePCL;

namespace OpenDuis.Storage.RequestLog;

/// <summary>
/// Writes the request log's rows on SQLite through one prepared statement per batch, its values bound by
/// index straight from the entry: Microsoft.Data.Sqlite binds each parameter of each row through an object of
/// its own, with its name and every text value converted to a new UTF-8 array and every number boxed (about
/// 1 KB a row, docs/benchmarks.md); here a row costs no object. The statement runs on the connection's
/// handle inside the transaction the connection has begun; SQLite's <c>busy_timeout</c> (SqliteConnections)
/// waits for the lock as the provider's commands do.
/// </summary>
internal static class SqliteEntryWriter
{
    public static void Write(sqlite3 db, string sql, string? owner, IReadOnlyList<LoggedRequest> batch, bool ending, Func<LoggedRequest, bool> isEnding)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            int Index(string name) => raw.sqlite3_bind_parameter_index(statement, name) is > 0 and var index
                ? index
                : throw new InvalidOperationException($"The request log's statement has no parameter {name}.");
            int requestId = Index("@RequestId"), variant = Index("@Variant"), commandVariant = Index("@CommandVariant"),
                preceding = Index("@Preceding"), first = Index("@FirstInSequence"), received = Index("@ReceivedUs"),
                state = Index("@State"), ends = Index("@EndsSequence");
            // Bound once: sqlite3_reset keeps the bindings from row to row.
            if (owner is not null) Check(db, raw.sqlite3_bind_text(statement, Index("@Owner"), owner));
            Span<char> text = stackalloc char[RequestId.MaxTextLength];
            foreach (var e in batch)
            {
                if (isEnding(e) != ending) continue;
                Check(db, raw.sqlite3_bind_text16(statement, requestId, Format(e.Id, text)));
                Check(db, raw.sqlite3_bind_text16(statement, variant, Format(e.Variant, text)));
                Check(db, raw.sqlite3_bind_int64(statement, commandVariant, (long)e.CommandVariant));
                Check(db, e.Preceding is { } p
                    ? raw.sqlite3_bind_text16(statement, preceding, Format(p, text))
                    : raw.sqlite3_bind_null(statement, preceding));
                Check(db, raw.sqlite3_bind_int64(statement, first, e.FirstInSequence ? 1 : 0));
                Check(db, raw.sqlite3_bind_int64(statement, received, Db.Micros(e.Received)));
                Check(db, raw.sqlite3_bind_text16(statement, state, SqlRequestLogStore.StateName(e.State)));
                Check(db, raw.sqlite3_bind_int64(statement, ends, e.EndsSequence ? 1 : 0));
                var rc = raw.sqlite3_step(statement);
                raw.sqlite3_reset(statement);
                if (rc != raw.SQLITE_DONE) Check(db, rc);
            }
        }
    }

    // The domain types write their own text (as ToString does) into the row's stack buffer.
    private static ReadOnlySpan<char> Format<T>(T value, Span<char> destination) where T : ISpanFormattable =>
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture)
            ? destination[..written]
            : throw new InvalidOperationException($"{value} is longer than {destination.Length} characters.");

    private static void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW)) SqliteException.ThrowExceptionForRC(rc, db);
    }
}
