using Dapper;
using Npgsql;

namespace OpenDuis.TestSupport;

/// <summary>Schemas of their own on the PostgreSQL server in OPENDUIS_TEST_PG, for tests that run a whole OpenDUIS on PostgreSQL.</summary>
public static class PostgresSchemas
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh schema on the server in OPENDUIS_TEST_PG (its admin connection string and the schema's name).</summary>
    public static async Task<(string Admin, string Schema)> CreateSchemaAsync()
    {
        var admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        if (string.IsNullOrWhiteSpace(admin))
            throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG to its Npgsql connection string");
        var schema = "t_" + Guid.NewGuid().ToString("N");
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(Ct);
        await c.ExecuteAsync($"CREATE SCHEMA {schema}");
        return (admin, schema);
    }

    public static async Task DropSchemaAsync(string admin, string schema)
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
}
