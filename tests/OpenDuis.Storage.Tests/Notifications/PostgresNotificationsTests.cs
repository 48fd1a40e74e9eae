using System.Diagnostics;
using Npgsql;
using OpenDuis.Core.Inventory;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Notifications;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Notifications;

/// <summary>
/// The inventory's writers NOTIFY at commit (migration 0025) and a node LISTENing on its own connection
/// is woken at once, long before its version-check poll; a change in another schema of the same
/// database does not wake it.
/// </summary>
public sealed class PostgresNotificationsTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(30);
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private readonly string _other = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin, _scoped, _otherScoped;

    public async ValueTask InitializeAsync()
    {
        (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);
        (_, _otherScoped) = await PostgresTestSchema.CreateAsync(_other);
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is null) return;
        await PostgresTestSchema.DropAsync(_admin, _schema);
        await PostgresTestSchema.DropAsync(_admin, _other);
    }

    private static CplEntry Product(CplStatus status) => new()
    {
        Manufacturer = "106C", Model = "433100AC", FirmwareVersion = "9001", DeviceType = DeviceType.CHF,
        GbcsVersion = "4.2", SmetsChtsVersion = "CHTS V1.4", Status = status,
    };

    [Fact]
    public async Task A_committed_inventory_change_wakes_a_listening_node_at_once_and_another_schemas_does_not()
    {
        await using var store = await PostgresSmiStore.OpenAsync(_scoped!, Ct);
        await using var otherStore = await PostgresSmiStore.OpenAsync(_otherScoped!, Ct);
        await using var pool = NpgsqlDataSource.Create(_scoped!);
        await using var listener = new PostgresNotifications(pool, PostgresNotifications.SmiChannel);
        for (var i = 0; i < 100 && !listener.IsListening; i++) await Task.Delay(50, Ct);
        Assert.True(listener.IsListening);
        await listener.WaitAsync(TimeSpan.Zero, Ct); // the wake-up given on (re)connecting

        await otherStore.SaveProductAsync(Product(CplStatus.Current), Ct);
        Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(500), Ct), "a change in another schema woke the node");

        var clock = Stopwatch.StartNew();
        var waking = listener.WaitAsync(LongPoll, Ct);
        await store.SaveProductAsync(Product(CplStatus.Removed), Ct);
        Assert.True(await waking);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"woken after {clock.Elapsed}");
        // Whatever the node reads then includes the change: the notification comes at commit.
        var batch = await store.Changes.ReadSinceAsync("1:1:", 100, Ct); // a snapshot before any write
        Assert.Contains(batch.Changes, c => c is SmiChange.ProductsChanged);
    }

}
