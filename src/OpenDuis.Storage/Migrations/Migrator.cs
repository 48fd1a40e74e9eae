using System.Data.Common;
using System.Reflection;
using Dapper;

namespace OpenDuis.Storage.Migrations;

/// <summary>One schema change: its version (the order it is applied in), name and SQL.</summary>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Versioned schema migrations: the scripts under Migrations/&lt;dialect&gt;/NNNN_name.sql, applied in
/// version order, each in its own transaction, each recorded in <c>schema_version</c>. A database
/// newer than this build (a version it does not know) is refused rather than guessed at.
/// </summary>
internal static class Migrator
{
    public static IReadOnlyList<Migration> For(string dialect)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"migrations/{dialect}/";
        var list = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = name[prefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file[..underscore], System.Globalization.CultureInfo.InvariantCulture);
            list.Add(new Migration(version, file[(underscore + 1)..], Read(assembly, name)));
        }
        return [.. list.OrderBy(m => m.Version)];
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Applies the pending migrations; returns the schema version now in place.</summary>
    /// <param name="lockSql">SQL run first inside each migration's transaction to keep concurrent migrators apart (PostgreSQL's advisory lock), or null.</param>
    public static async Task<int> ApplyAsync(DbConnection connection, string dialect, string? lockSql, CancellationToken cancellationToken = default)
    {
        const string versionTable = "CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, name TEXT NOT NULL, applied_us BIGINT NOT NULL)";
        if (lockSql is null)
            await connection.ExecuteAsync(new CommandDefinition(versionTable, cancellationToken: cancellationToken)).ConfigureAwait(false);
        else
        {
            // Even IF NOT EXISTS races between migrators, so the table is created under the lock too.
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(lockSql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(versionTable, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        var migrations = For(dialect);
        var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
        foreach (var migration in migrations)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (lockSql is not null)
                await connection.ExecuteAsync(new CommandDefinition(lockSql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var newest = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT MAX(version) FROM schema_version", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
            if (newest > known)
                throw new InvalidOperationException($"The database schema is at version {newest}, newer than this OpenDUIS knows ({known}); upgrade OpenDUIS.");
            // Each version is looked up on its own, not compared with the newest applied: a migration numbered
            // below one already applied (two changes developed side by side) is still applied, once.
            var applied = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT COUNT(*) FROM schema_version WHERE version = @Version", new { migration.Version }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
            if (applied) continue;
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_version (version, name, applied_us) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT MAX(version) FROM schema_version", cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }
}
