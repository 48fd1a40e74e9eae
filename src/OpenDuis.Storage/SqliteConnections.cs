using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace OpenDuis.Storage;

/// <summary>
/// Opens a connection to a data folder's SQLite database, every store the same way. Each physical
/// connection is configured once, when the pool first hands it out, not on every open:
/// <list type="bullet">
/// <item><c>busy_timeout</c>: a writer waits inside SQLite for the write lock (short back-off) instead of
/// the provider's fixed sleep between retries;</item>
/// <item><c>synchronous=NORMAL</c>: durable at each WAL checkpoint, as the data folder documents;</item>
/// <item><c>mmap_size</c> and a larger page cache: pages are read from the mapped file rather than by a
/// system call per page, which the outbox's lease and the request log otherwise pay under load.</item>
/// </list>
/// </summary>
internal static class SqliteConnections
{
    private const string Pragmas =
        "PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;";

    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();
    private static readonly object Done = new();

    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var c = new SqliteConnection(connectionString);
        try
        {
            await c.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (c.Handle is { } handle && !Configured.TryGetValue(handle, out _))
            {
                await using var pragma = c.CreateCommand();
                pragma.CommandText = Pragmas;
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                Configured.AddOrUpdate(handle, Done);
            }
            return c;
        }
        catch
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
