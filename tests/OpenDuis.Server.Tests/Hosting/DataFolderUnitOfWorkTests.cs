using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Hosting;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Hosting;

/// <summary>
/// What <c>openduis serve</c> wires from a data folder: its unit of work and its SMI, outbox and
/// schedule stores name the same database, so the stores really enlist (a store that did not would
/// commit on its own and the rollback below would leave its row behind). SQLite and PostgreSQL.
/// </summary>
public sealed class DataFolderUnitOfWorkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_a_SQLite_data_folder_the_stores_enlist_in_the_folders_unit_of_work()
    {
        var folder = new DataFolder(Directory.CreateTempSubdirectory("openduis-folder-uow-").FullName);
        try
        {
            await (await folder.InitialiseAsync(new DataFolderSettings(), Ct)).Store.DisposeAsync();
            await RollsBackEverythingAsync(folder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder.Path, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task On_a_PostgreSQL_data_folder_the_stores_enlist_in_the_folders_unit_of_work()
    {
        var admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        if (string.IsNullOrWhiteSpace(admin))
            throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG to its Npgsql connection string");
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var folder = new DataFolder(Directory.CreateTempSubdirectory("openduis-folder-uow-").FullName);
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync(Ct);
            await c.ExecuteAsync($"CREATE SCHEMA {schema}");
        }
        try
        {
            var scoped = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString();
            await (await folder.InitialiseAsync(new DataFolderSettings { Store = "postgres", PostgresConnectionString = scoped }, Ct)).Store.DisposeAsync();
            await RollsBackEverythingAsync(folder);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using (var c = new NpgsqlConnection(admin))
            {
                await c.OpenAsync(CancellationToken.None);
                await c.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            }
            try { Directory.Delete(folder.Path, true); } catch (IOException) { }
        }
    }

    private static async Task RollsBackEverythingAsync(DataFolder folder)
    {
        await using var host = await DataFolderHost.OpenAsync(folder, TimeProvider.System, Ct);
        var meter = DemoEnvironment.EsmeWithApc;
        var before = (await host.Store.FindDeviceAsync(meter, Ct))!.Status;
        var schedule = await host.Schedules.CreateAsync(new Core.Schedules.ScheduleDefinition(DemoEnvironment.Supplier, UserRole.ImportSupplier,
            new Core.Schedules.ScheduleTiming(Core.Schedules.ScheduleFrequency.Daily, new DateOnly(2099, 1, 1), null),
            ServiceReferenceVariant.Parse("4.6.1"), meter, "<x/>", null), DateTimeOffset.UtcNow, Ct);
        var outboxBefore = await host.Outbox.CountUndeliveredAsync(Ct);

        await Assert.ThrowsAsync<OperationCanceledException>(() => host.UnitOfWork.RunAsync<int>(async ct =>
        {
            await host.Store.ChangeStatusAsync(meter, SmiStatus.Decommissioned, DateTimeOffset.UtcNow, ct);
            Assert.True(await host.Schedules.DeleteAsync(schedule, ct));
            await host.Outbox.EnqueueAsync([new OutboxEntry("folder-uow-1", DemoEnvironment.NetworkOperator, "k", OutboxKind.DccAlert, [1])], ct);
            throw new OperationCanceledException("rolled back on purpose");
        }, Ct));

        Assert.Equal(before, (await host.Store.FindDeviceAsync(meter, Ct))!.Status);
        Assert.NotNull(await host.Schedules.GetAsync(schedule, Ct));
        Assert.Equal(outboxBefore, await host.Outbox.CountUndeliveredAsync(Ct));
    }
}
