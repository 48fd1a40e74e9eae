using System.Data.Common;
using Dapper;

namespace OpenDuis.Storage.Migrations;

/// <summary>
/// Keeps the schema work of nodes starting side by side on one PostgreSQL database apart. Even
/// <c>CREATE TABLE IF NOT EXISTS</c> races in PostgreSQL (two sessions both pass the check, the second
/// fails with 23505 on pg_type's unique index), so every start-up DDL statement runs in a transaction
/// that first takes one transaction-scoped advisory lock: a second node waits for the first instead of failing.
/// </summary>
internal static class PostgresSchemaLock
{
    /// <summary>The lock every schema change and migration takes (any fixed key, the same in every node).</summary>
    public const string Sql = "SELECT pg_advisory_xact_lock(4242260)";

    /// <summary>Runs <paramref name="ddl"/> in its own transaction under the schema lock.</summary>
    public static async Task ExecuteAsync(DbConnection connection, string ddl, CancellationToken cancellationToken = default)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(Sql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(ddl, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
