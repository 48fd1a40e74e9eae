using Npgsql;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Outbox;
using OpenDuis.TestSupport;

namespace OpenDuis.Storage.Tests.Outbox;

/// <summary>The outbox stores' contract, the same for SQLite and PostgreSQL (R-WS-2 ordering, leasing, retry).</summary>
public sealed class OutboxStoreContractTests
{
    private static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Engines => ["sqlite", "postgres"];

    private static async Task<IOutboxStore> OpenAsync(string engine)
    {
        if (engine == "sqlite")
            return await SqliteOutboxStore.OpenAsync(Path.Combine(Directory.CreateTempSubdirectory("openduis-outbox-").FullName, "o.db"), TimeProvider.System, Ct);
        var connection = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG") ?? throw Prerequisite.Missing("a PostgreSQL server (OPENDUIS_TEST_PG)");
        var schema = "outbox_test_" + Guid.NewGuid().ToString("N");
        var admin = NpgsqlDataSource.Create(connection);
        await using (var c = await admin.OpenConnectionAsync(Ct))
        await using (var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", c))
            await cmd.ExecuteNonQueryAsync(Ct);
        var data = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection) { SearchPath = schema }.ToString());
        return await PostgresOutboxStore.OpenAsync(data, TimeProvider.System, Ct);
    }

    private static OutboxEntry Entry(string id, string key) => new(id, User, key, OutboxKind.ServiceResponse, [1, 2, 3]);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Only_the_oldest_undelivered_message_of_a_request_is_leased(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("a1", "A"), Entry("a2", "A"), Entry("b1", "B")], Ct);

        var first = await store.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(["a1", "b1"], first.Select(d => d.ResponseId).Order());

        var leasedAgain = await store.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Empty(leasedAgain); // a1 and b1 are leased, a2 waits for a1

        await store.MarkDeliveredAsync(first.Single(d => d.ResponseId == "a1").Sequence, DateTimeOffset.UtcNow, Ct);
        var next = await store.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(["a2"], next.Select(d => d.ResponseId));
        Assert.Equal(new byte[] { 1, 2, 3 }, next[0].Body);
        Assert.Equal(User, next[0].Recipient);
        Assert.Equal(2, await store.CountUndeliveredAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_retry_waits_until_its_time_and_counts_the_attempt(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("r1", "R")], Ct);
        var now = DateTimeOffset.UtcNow;
        var leased = await store.LeaseDueAsync(now, TimeSpan.FromSeconds(30), 10, Ct);

        await store.ScheduleRetryAsync(leased[0].Sequence, now.AddSeconds(5), "HTTP 503", Ct);

        Assert.Empty(await store.LeaseDueAsync(now.AddSeconds(4), TimeSpan.FromSeconds(30), 10, Ct));
        var again = await store.LeaseDueAsync(now.AddSeconds(5), TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(1, again.Single().Attempts);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task An_expired_lease_makes_the_message_due_again(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("l1", "L")], Ct);
        var now = DateTimeOffset.UtcNow;
        await store.LeaseDueAsync(now, TimeSpan.FromSeconds(10), 10, Ct);

        Assert.Empty(await store.LeaseDueAsync(now.AddSeconds(9), TimeSpan.FromSeconds(10), 10, Ct));
        Assert.Single(await store.LeaseDueAsync(now.AddSeconds(10), TimeSpan.FromSeconds(10), 10, Ct));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_ResponseID_is_stored_once(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("dup", "D")], Ct);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.EnqueueAsync([Entry("dup", "D")], Ct));
        Assert.Equal(1, await store.CountUndeliveredAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_round_of_outcomes_is_recorded_together_delivered_leave_and_retries_wait_their_time(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("d1", "A"), Entry("d2", "A"), Entry("f1", "B"), Entry("g1", "C")], Ct);
        var now = DateTimeOffset.UtcNow;
        var leased = await store.LeaseDueAsync(now, TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(["d1", "f1", "g1"], leased.Select(d => d.ResponseId).Order());
        long Seq(string id) => leased.Single(d => d.ResponseId == id).Sequence;

        await store.RecordAttemptsAsync([
            DeliveryOutcome.Accepted(Seq("d1"), now),
            DeliveryOutcome.Retry(Seq("f1"), now, now.AddSeconds(5), "HTTP 503"),
            DeliveryOutcome.Retry(Seq("g1"), now, now.AddSeconds(60), "User has no response endpoint"),
        ], Ct);

        Assert.Equal(3, await store.CountUndeliveredAsync(Ct));
        // d1 is gone, so d2 (same request) is next; f1 and g1 are released but not yet due.
        Assert.Equal(["d2"], (await store.LeaseDueAsync(now.AddSeconds(1), TimeSpan.FromSeconds(30), 10, Ct)).Select(d => d.ResponseId));
        var retried = await store.LeaseDueAsync(now.AddSeconds(5), TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(["f1"], retried.Select(d => d.ResponseId));
        Assert.Equal(1, retried[0].Attempts);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task An_empty_round_of_outcomes_changes_nothing(string engine)
    {
        var store = await OpenAsync(engine);
        await store.EnqueueAsync([Entry("e1", "E")], Ct);

        await store.RecordAttemptsAsync([], Ct);

        Assert.Single(await store.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 10, Ct));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_batch_of_entries_is_written_in_order_with_each_body_intact(string engine)
    {
        var store = await OpenAsync(engine);
        var entries = Enumerable.Range(0, 300).Select(i => new OutboxEntry($"b{i}", User, $"K{i}", i % 2 == 0 ? OutboxKind.ServiceResponse : OutboxKind.DccAlert,
            System.Text.Encoding.UTF8.GetBytes($"<body n=\"{i}\"/>"))).ToList();

        await store.EnqueueAsync(entries, Ct);

        var leased = await store.LeaseDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), 1000, Ct);
        Assert.Equal(entries.Select(e => e.ResponseId), leased.Select(d => d.ResponseId));
        Assert.Equal(entries.Select(e => e.Kind), leased.Select(d => d.Kind));
        Assert.Equal(entries.Select(e => e.Body), leased.Select(d => d.Body));
    }
}
