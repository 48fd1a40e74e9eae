using Npgsql;
using OpenDuis.Storage.Execution;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.RequestLog;
using OpenDuis.Storage.Schedules;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Migrations;

/// <summary>
/// Several nodes starting at the same moment on one fresh PostgreSQL database: each brings every store's
/// schema up to date at once. Without the schema lock this failed with 23505 on pg_type's unique index
/// (CREATE TABLE IF NOT EXISTS races); with it the later nodes wait and all start.
/// </summary>
public sealed class ConcurrentStartupTests : IAsyncLifetime
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private string? _scoped;

    public async ValueTask InitializeAsync() => (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }

    [Fact]
    public async Task Six_nodes_starting_together_on_a_fresh_database_all_start_and_apply_each_migration_once()
    {
        var ct = TestContext.Current.CancellationToken;
        async Task StartNodeAsync()
        {
            await using var dataSource = NpgsqlDataSource.Create(_scoped!);
            await using var smi = await PostgresSmiStore.OpenAsync(_scoped!, ct);
            await using var schedules = await PostgresScheduleStore.OpenAsync(_scoped!, ct);
            await PostgresOutboxStore.OpenAsync(dataSource, TimeProvider.System, ct);
            await PostgresRequestLogStore.OpenAsync(dataSource, ct);
            await PostgresSmWanExecutionStore.OpenAsync(dataSource, ct);
        }

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(StartNodeAsync, ct)));

        await using var c = new NpgsqlConnection(_scoped);
        await c.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version", c);
        await using var reader = await command.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        Assert.Equal(Storage.Migrations.Migrator.For("postgres").Count, (int)reader.GetInt64(0));
    }

    /// <summary>Eight connections released at one instant create the same tables under the lock, twenty times over: none fails.</summary>
    [Fact]
    public async Task Ddl_under_the_schema_lock_never_races_even_when_released_at_one_instant()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 20; round++)
        {
            var ddl = $"CREATE TABLE IF NOT EXISTS race_{round} (id BIGINT PRIMARY KEY); CREATE INDEX IF NOT EXISTS race_{round}_i ON race_{round} (id)";
            var connections = new List<NpgsqlConnection>();
            for (var i = 0; i < 8; i++)
            {
                var c = new NpgsqlConnection(_scoped);
                await c.OpenAsync(ct);
                connections.Add(c);
            }
            using var start = new Barrier(connections.Count);
            await Task.WhenAll(connections.Select(c => Task.Run(async () =>
            {
                start.SignalAndWait(ct);
                await Storage.Migrations.PostgresSchemaLock.ExecuteAsync(c, ddl, ct);
            }, ct)));
            foreach (var c in connections) await c.DisposeAsync();
        }
    }
}
