using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Outbox;

namespace OpenDuis.Storage.Tests.Outbox;

/// <summary>
/// A node delivers the messages it wrote from memory (<see cref="RecentOutboxBodies"/>) and the rest from the
/// database: either way the bytes leased are the bytes stored (R-WS-2: the same signature on every attempt).
/// </summary>
public sealed class SqliteOutboxBodiesInMemoryTests
{
    private static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewDatabase() => Path.Combine(Directory.CreateTempSubdirectory("openduis-outbox-").FullName, "o.db");

    private static OutboxEntry Entry(string id, string body) =>
        new(id, User, id, OutboxKind.ServiceResponse, System.Text.Encoding.UTF8.GetBytes(body)) { SkipIfStored = true };

    [Fact]
    public async Task A_message_written_here_is_leased_with_its_body_and_again_from_the_database_once_its_lease_expires()
    {
        var store = await SqliteOutboxStore.OpenAsync(NewDatabase(), TimeProvider.System, Ct);
        var written = Entry("r1", "<signed n=\"1\"/>");
        await store.EnqueueAsync([written], Ct);
        var now = DateTimeOffset.UtcNow;

        var first = Assert.Single(await store.LeaseDueAsync(now, TimeSpan.FromSeconds(10), 10, Ct));
        var again = Assert.Single(await store.LeaseDueAsync(now.AddSeconds(10), TimeSpan.FromSeconds(10), 10, Ct));

        Assert.Equal(written.Body, first.Body);
        Assert.Equal(written.Body, again.Body);
        Assert.NotSame(first.Body, again.Body);
    }

    [Fact]
    public async Task A_message_another_node_wrote_is_leased_with_the_body_stored()
    {
        var database = NewDatabase();
        var writer = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System, Ct);
        var deliverer = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System, Ct);
        await writer.EnqueueAsync([Entry("r1", "<a/>"), Entry("r2", "<b/>")], Ct);
        await deliverer.EnqueueAsync([Entry("r3", "<c/>")], Ct);

        var leased = await deliverer.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct);

        Assert.Equal(["<a/>", "<b/>", "<c/>"], leased.Select(d => System.Text.Encoding.UTF8.GetString(d.Body)));
    }

    [Fact]
    public async Task A_device_response_written_again_with_other_bytes_is_delivered_as_first_stored()
    {
        // A command executed again after a crash signs its response again (another ECDSA signature): the stored one is owed.
        var database = NewDatabase();
        var before = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System, Ct);
        await before.EnqueueAsync([Entry("r1", "<signed first/>")], Ct);
        var restarted = await SqliteOutboxStore.OpenAsync(database, TimeProvider.System, Ct);
        await restarted.EnqueueAsync([Entry("r1", "<signed again/>")], Ct);

        var leased = Assert.Single(await restarted.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct));

        Assert.Equal("<signed first/>", System.Text.Encoding.UTF8.GetString(leased.Body));
    }
}
