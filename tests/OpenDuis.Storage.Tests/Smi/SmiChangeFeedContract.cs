using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Smi;

/// <summary>
/// The inventory's change feed (migration 0018): every writer's change is there once it commits,
/// whoever wrote it, and a reader from a position sees each change after it exactly when it commits.
/// </summary>
public abstract class SmiChangeFeedContract : StoreContract<SqlSmiStore>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Eui NewDevice = Eui.Parse("00-DB-12-34-56-78-99-A0");

    private Task SeedAsync() => DemoEnvironment.SeedAsync(Store, _ => [], Ct);

    [Fact]
    public async Task Device_user_registration_and_CPL_writes_each_appear_once_after_the_position()
    {
        await SeedAsync();
        var feed = Store.Changes;
        var from = await feed.PositionAsync(Ct);
        Assert.Empty((await feed.ReadSinceAsync(from, 100, Ct)).Changes);

        var esme = (await Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        await Store.SaveDeviceAsync(esme with { Id = NewDevice }, Ct);
        await Store.ChangeStatusAsync(NewDevice, SmiStatus.Suspended, DateTimeOffset.UtcNow, Ct);
        var user = (await Store.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        await Store.SaveUserAsync(user with { ResponseEndpoint = new Uri("http://127.0.0.1:9/") }, Ct);
        var registration = DemoEnvironment.Registrations[0];
        await Store.RegisterAsync(registration with { EffectiveFrom = registration.EffectiveFrom.AddDays(1) }, Ct);
        var product = (await Store.ProductsAsync(Ct))[0];
        await Store.SaveProductAsync(product with { Status = CplStatus.Removed }, Ct);

        var batch = await feed.ReadSinceAsync(from, 100, Ct);
        Assert.False(batch.Overflowed);
        Assert.Equal(
            [new SmiChange.DeviceChanged(NewDevice), new SmiChange.UserChanged(DemoEnvironment.Supplier),
             new SmiChange.RegistrationChanged(registration.Mpxn, registration.Role), new SmiChange.ProductsChanged()],
            batch.Changes);
        Assert.Empty((await feed.ReadSinceAsync(batch.Position, 100, Ct)).Changes);
    }

    [Fact]
    public async Task A_bulk_import_larger_than_the_limit_overflows_so_the_reader_reloads_everything()
    {
        await SeedAsync();
        var from = await Store.Changes.PositionAsync(Ct);
        var esme = (await Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        await Store.ImportDevicesAsync(Enumerable.Range(0, 50).Select(i => esme with { Id = new Eui(0x00DB_0000_0001_0000UL + (ulong)i) }).ToAsyncEnumerable(), Ct);

        var batch = await Store.Changes.ReadSinceAsync(from, 10, Ct);
        Assert.True(batch.Overflowed);
        Assert.Empty((await Store.Changes.ReadSinceAsync(batch.Position, 10, Ct)).Changes);
    }

    [Fact]
    public async Task The_cache_applies_a_batch_another_writer_made()
    {
        await SeedAsync();
        var cache = await SmiCache.LoadAsync(Store, Ct);
        var from = await Store.Changes.PositionAsync(Ct);
        var esme = (await Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        await Store.SaveDeviceAsync(esme with { Id = NewDevice }, Ct);
        await Store.DeleteDeviceAsync(DemoEnvironment.Gsme, Ct);
        Assert.False(cache.TryGetDevice(NewDevice, out _));

        await cache.ApplyAsync(await Store.Changes.ReadSinceAsync(from, 100, Ct), Ct);

        Assert.True(cache.TryGetDevice(NewDevice, out _));
        Assert.False(cache.TryGetDevice(DemoEnvironment.Gsme, out _));
    }

    [Fact]
    public async Task Pruning_forgets_only_old_entries()
    {
        await SeedAsync();
        var from = await Store.Changes.PositionAsync(Ct);
        var esme = (await Store.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        await Store.SaveDeviceAsync(esme with { Id = NewDevice }, Ct);
        await Store.Changes.PruneAsync(TimeSpan.FromMinutes(10), Ct);
        Assert.Single((await Store.Changes.ReadSinceAsync(from, 100, Ct)).Changes);
    }
}

public sealed class SqliteSmiChangeFeedTests : SmiChangeFeedContract
{
    private readonly SqliteStoreFolder _db = new("openduis-changes-");
    protected override Task<SqlSmiStore> OpenStoreAsync() => _db.OpenAsync();
    protected override ValueTask DropAsync() => _db.DropAsync();
}

public sealed class PostgresSmiChangeFeedTests : SmiChangeFeedContract
{
    private readonly PostgresStoreSchema _db = new();
    protected override Task<SqlSmiStore> OpenStoreAsync() => _db.OpenAsync();
    protected override ValueTask DropAsync() => _db.DropAsync();

    [Fact]
    public async Task A_transaction_that_commits_after_a_later_one_is_still_read()
    {
        // PostgreSQL hands out seq at insert, not at commit: a reader following seq would skip the slow one.
        var ct = TestContext.Current.CancellationToken;
        await DemoEnvironment.SeedAsync(Store, _ => [], ct);
        var from = await Store.Changes.PositionAsync(ct);
        await using var slow = new Npgsql.NpgsqlConnection(_db.Scoped);
        await slow.OpenAsync(ct);
        await using var tx = await slow.BeginTransactionAsync(ct);
        await using (var touch = new Npgsql.NpgsqlCommand($"UPDATE devices SET smi_status = smi_status WHERE id = {unchecked((long)DemoEnvironment.Esme.Value)}", slow, tx))
            await touch.ExecuteNonQueryAsync(ct);
        var esme = (await Store.FindDeviceAsync(DemoEnvironment.Gsme, ct))!;
        await Store.SaveDeviceAsync(esme, ct); // commits first, with the later seq

        var first = await Store.Changes.ReadSinceAsync(from, 100, ct);
        Assert.Equal([new SmiChange.DeviceChanged(DemoEnvironment.Gsme)], first.Changes);
        await tx.CommitAsync(ct);
        var second = await Store.Changes.ReadSinceAsync(first.Position, 100, ct);
        Assert.Equal([new SmiChange.DeviceChanged(DemoEnvironment.Esme)], second.Changes);
    }
}
