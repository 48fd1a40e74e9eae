using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Schedules;

namespace OpenDuis.Storage.Tests;

/// <summary>The DCC Schedule store on both databases: what is created reads back, occurrences are claimed once per lease and advance on completion.</summary>
public abstract class ScheduleStoreContract : StoreContract<IScheduleStore>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Created = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Eui User = Eui.Parse("90-B3-D5-1F-30-01-00-00");
    private static readonly Eui OtherUser = Eui.Parse("90-B3-D5-1F-30-01-00-09");
    private static readonly Eui Meter = Eui.Parse("00-DB-12-34-56-78-90-A0");
    private static readonly Eui OtherMeter = Eui.Parse("00-DB-12-34-56-78-90-B0");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private const string Body = "<sr:DSPRetrieveImportDailyReadLog xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\"><sr:StartDateOffset>-1</sr:StartDateOffset></sr:DSPRetrieveImportDailyReadLog>";

    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 1) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    private static ScheduleDefinition Definition(ScheduleTiming timing, Eui? owner = null, Eui? device = null, byte[]? ka = null) =>
        new(owner ?? User, UserRole.ImportSupplier, timing, ServiceReferenceVariant.Parse("4.6.1"), device ?? Meter, Body, ka);

    private static ScheduleTiming Daily(DateOnly start, DateOnly? end = null) => new(ScheduleFrequency.Daily, start, end);

    [Fact]
    public async Task A_created_schedule_reads_back_whole_with_its_first_occurrence_due()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.HalfYearly, new DateOnly(2027, 8, 31), new DateOnly(2030, 1, 1), new TimeOnly(13, 45, 30, 250));
        var id = await Store.CreateAsync(Definition(timing, ka: [1, 2, 3]), Created, Ct);

        var stored = await Store.GetAsync(id, Ct);
        Assert.NotNull(stored);
        var d = stored.Definition;
        Assert.Equal(id, stored.Id);
        Assert.Equal((User, UserRole.ImportSupplier, Meter, ServiceReferenceVariant.Parse("4.6.1"), Body), (d.Owner, d.OwnerRole, d.DeviceId, d.ScheduledVariant, d.ScheduledBodyXml));
        Assert.Equal(timing, d.Timing);
        Assert.Equal([1, 2, 3], d.KaPublicSecurityCredential);
        Assert.Equal(new DateTimeOffset(2027, 8, 31, 13, 45, 30, 250, TimeSpan.Zero), stored.NextDueAt);
    }

    [Fact]
    public async Task Schedules_created_in_bulk_get_new_identifiers_in_order_and_read_back_whole_with_their_first_occurrence()
    {
        var before = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var definitions = Enumerable.Range(0, 50).Select(i => Definition(
            new ScheduleTiming(ScheduleFrequency.Monthly, new DateOnly(2027, 1, 1).AddDays(i), i % 2 == 0 ? new DateOnly(2030, 1, 1) : null),
            ka: i % 3 == 0 ? [(byte)i] : null)).ToList();

        var ids = await Store.CreateManyAsync(definitions, Created, Ct);
        var after = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);

        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id.Value, before.Value + 1, after.Value - 1));
        Assert.Equal(ids.OrderBy(i => i.Value), ids);
        for (var i = 0; i < 50; i += 7)
        {
            var stored = await Store.GetAsync(ids[i], Ct);
            Assert.Equal(definitions[i].Timing, stored!.Definition.Timing);
            Assert.Equal(definitions[i].KaPublicSecurityCredential, stored.Definition.KaPublicSecurityCredential);
            Assert.Equal(ScheduleOccurrences.At(definitions[i].Timing, 0), stored.NextDueAt);
        }
    }

    [Fact]
    public async Task Identifiers_are_new_for_each_schedule_even_after_a_delete()
    {
        var a = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        Assert.True(await Store.DeleteAsync(a, Ct));
        var b = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        Assert.NotEqual(a, b);
        Assert.Null(await Store.GetAsync(a, Ct));
        Assert.False(await Store.DeleteAsync(a, Ct));
    }

    [Fact]
    public async Task Schedules_on_a_device_are_listed_by_id_whoever_owns_them()
    {
        var mine = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var theirs = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1)), owner: OtherUser), Created, Ct);
        await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1)), device: OtherMeter), Created, Ct);

        var onMeter = await Store.OnDeviceAsync(Meter, Ct);
        Assert.Equal([mine, theirs], onMeter.Select(s => s.Id));
        var directory = new ScheduleDirectorySnapshot(onMeter.Select(s => s.Ownership));
        Assert.Equal(OtherUser, directory.Find(theirs)!.Owner);
    }

    [Fact]
    public async Task The_next_firings_are_listed_earliest_first_of_every_owner_without_ended_schedules()
    {
        var later = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 3, 1))), Created, Ct);
        var sooner = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1)), owner: OtherUser), Created, Ct);
        var between = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 2, 1)), owner: Eui.Parse("90-B3-D5-1F-30-01-00-7F")), Created, Ct);
        // A schedule whose one day has passed has no next firing.
        var ended = await Store.CreateAsync(Definition(Daily(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 1))), Created, Ct);
        var claimed = await Store.ClaimDueAsync(Utc(2026, 12, 2), Lease, 10, Ct);
        await Store.CompleteAsync(claimed, Ct);

        Assert.Equal([sooner, between, later], (await Store.NextDueAsync(10, Ct)).Select(s => s.Id));
        Assert.DoesNotContain(ended, (await Store.NextDueAsync(10, Ct)).Select(s => s.Id));
        Assert.Equal([sooner], (await Store.NextDueAsync(1, Ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task Schedules_a_User_owns_are_listed_by_id_on_whatever_device()
    {
        var first = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1)), owner: OtherUser), Created, Ct);
        var second = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1)), device: OtherMeter), Created, Ct);

        Assert.Equal([first, second], (await Store.OwnedByAsync(User, Ct)).Select(s => s.Id));
        Assert.Empty(await Store.OwnedByAsync(Eui.Parse("90-B3-D5-1F-30-01-00-7F"), Ct));
    }

    [Fact]
    public async Task Nothing_is_claimed_before_it_is_due()
    {
        await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        Assert.Empty(await Store.ClaimDueAsync(Utc(2027, 1, 1, 0, 0), Lease, 10, Ct));
        Assert.Single(await Store.ClaimDueAsync(Utc(2027, 1, 1, 0, 1), Lease, 10, Ct));
    }

    [Fact]
    public async Task A_claimed_occurrence_is_not_claimed_again_while_leased_and_is_after_the_lease_ends()
    {
        var id = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var at = Utc(2027, 1, 1, 0, 2);
        var first = Assert.Single(await Store.ClaimDueAsync(at, Lease, 10, Ct));
        Assert.Equal((id, Utc(2027, 1, 1)), (first.Id, first.DueAt));

        Assert.Empty(await Store.ClaimDueAsync(at.AddMinutes(4), Lease, 10, Ct));
        // The claiming node never completed it: once the lease ends the same occurrence is claimed again.
        var again = Assert.Single(await Store.ClaimDueAsync(at + Lease, Lease, 10, Ct));
        Assert.Equal((id, Utc(2027, 1, 1)), (again.Id, again.DueAt));
    }

    [Fact]
    public async Task Completing_moves_to_the_next_occurrence_once_and_a_late_completion_changes_nothing()
    {
        var id = await Store.CreateAsync(Definition(new ScheduleTiming(ScheduleFrequency.Monthly, new DateOnly(2028, 1, 31))), Created, Ct);
        var claimed = Assert.Single(await Store.ClaimDueAsync(Utc(2028, 1, 31, 1), Lease, 10, Ct));
        Assert.True(await Store.CompleteAsync(id, claimed.DueAt, Ct));
        Assert.False(await Store.CompleteAsync(id, claimed.DueAt, Ct));
        Assert.Equal(Utc(2028, 2, 29), (await Store.GetAsync(id, Ct))!.NextDueAt);

        // Released by completion: the next occurrence is claimable as soon as it is due.
        var next = Assert.Single(await Store.ClaimDueAsync(Utc(2028, 2, 29, 0, 1), Lease, 10, Ct));
        Assert.True(await Store.CompleteAsync(id, next.DueAt, Ct));
        Assert.Equal(Utc(2028, 3, 31), (await Store.GetAsync(id, Ct))!.NextDueAt);
    }

    [Fact]
    public async Task When_a_lease_ends_before_completion_only_one_of_the_two_claimers_completes()
    {
        var id = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var slow = Assert.Single(await Store.ClaimDueAsync(Utc(2027, 1, 1, 0, 2), Lease, 10, Ct));
        var retaken = Assert.Single(await Store.ClaimDueAsync(Utc(2027, 1, 1, 0, 2) + Lease, Lease, 10, Ct));
        Assert.Equal(slow.DueAt, retaken.DueAt);

        Assert.True(await Store.CompleteAsync(id, retaken.DueAt, Ct));
        Assert.False(await Store.CompleteAsync(id, slow.DueAt, Ct));
        Assert.Equal(Utc(2027, 1, 2), (await Store.GetAsync(id, Ct))!.NextDueAt);
    }

    [Fact]
    public async Task A_schedule_ends_after_its_end_date_s_occurrence()
    {
        var id = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1), new DateOnly(2027, 1, 2))), Created, Ct);
        foreach (var day in new[] { 1, 2 })
        {
            var o = Assert.Single(await Store.ClaimDueAsync(Utc(2027, 1, day, 12), Lease, 10, Ct));
            Assert.Equal(Utc(2027, 1, day), o.DueAt);
            Assert.True(await Store.CompleteAsync(id, o.DueAt, Ct));
        }
        Assert.Null((await Store.GetAsync(id, Ct))!.NextDueAt);
        Assert.Empty(await Store.ClaimDueAsync(Utc(2030, 1, 1), Lease, 10, Ct));
    }

    [Fact]
    public async Task Claims_take_the_earliest_due_first_up_to_the_limit()
    {
        var late = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 3))), Created, Ct);
        var early = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var middle = await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 2))), Created, Ct);
        var now = Utc(2027, 1, 5);
        Assert.Equal([early, middle], (await Store.ClaimDueAsync(now, Lease, 2, Ct)).Select(o => o.Id));
        Assert.Equal([late], (await Store.ClaimDueAsync(now, Lease, 2, Ct)).Select(o => o.Id));
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_occurrence()
    {
        const int schedules = 200;
        for (var i = 0; i < schedules; i++)
            await Store.CreateAsync(Definition(Daily(new DateOnly(2027, 1, 1))), Created, Ct);
        var now = Utc(2027, 1, 1, 1);
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var mine = new List<DspScheduleId>();
            while (await Store.ClaimDueAsync(now, Lease, 7, Ct) is { Count: > 0 } batch)
                mine.AddRange(batch.Select(o => o.Id));
            return mine;
        }, Ct)));
        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(schedules, all.Count);
        Assert.Equal(schedules, all.Distinct().Count());
    }

    [Fact]
    public async Task Bad_claim_arguments_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ClaimDueAsync(Created, Lease, 0, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ClaimDueAsync(Created, TimeSpan.Zero, 1, Ct));
    }
}

public sealed class SqliteScheduleStoreTests : ScheduleStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-schedules-").FullName;

    protected override async Task<IScheduleStore> OpenStoreAsync() =>
        await SqliteScheduleStore.OpenAsync(Path.Combine(_dir, "openduis.db"), TestContext.Current.CancellationToken);

    protected override ValueTask DropAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresScheduleStoreTests : ScheduleStoreContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private string? _scoped;

    protected override async Task<IScheduleStore> OpenStoreAsync()
    {
        (_admin, _scoped) = await PostgresSmiStoreTests.CreateSchemaAsync(_schema);
        return await PostgresScheduleStore.OpenAsync(_scoped, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Two_nodes_sharing_the_database_claim_every_occurrence_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var secondNode = await PostgresScheduleStore.OpenAsync(_scoped!, ct);
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 1, 1), new DateOnly(2027, 1, 3));
        var ids = new List<DspScheduleId>();
        for (var i = 0; i < 100; i++)
            ids.Add(await Store.CreateAsync(new ScheduleDefinition(Eui.Parse("90-B3-D5-1F-30-01-00-00"), UserRole.ImportSupplier, timing,
                ServiceReferenceVariant.Parse("4.6.1"), Eui.Parse("00-DB-12-34-56-78-90-A0"), "<x/>", null), DateTimeOffset.UnixEpoch, ct));

        // Day by day (the nodes' clocks agree), both nodes claim and complete until nothing is due; every (schedule, day) must run once.
        async Task<List<(DspScheduleId, DateTimeOffset)>> Node(IScheduleStore store, DateTimeOffset now)
        {
            var ran = new List<(DspScheduleId, DateTimeOffset)>();
            while (await store.ClaimDueAsync(now, TimeSpan.FromMinutes(5), 9, ct) is { Count: > 0 } batch)
                foreach (var o in batch)
                {
                    Assert.True(await store.CompleteAsync(o.Id, o.DueAt, ct));
                    ran.Add((o.Id, o.DueAt));
                }
            return ran;
        }
        var runs = new List<(DspScheduleId Id, DateTimeOffset DueAt)>();
        foreach (var now in new[] { 1, 2, 3 }.Select(d => new DateTimeOffset(2027, 1, d, 12, 0, 0, TimeSpan.Zero)))
        {
            var perNode = await Task.WhenAll(Task.Run(() => Node(Store, now), ct), Task.Run(() => Node(secondNode, now), ct));
            runs.AddRange(perNode.SelectMany(r => r));
        }

        Assert.Equal(300, runs.Count);
        Assert.Equal(300, runs.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(3, runs.Count(r => r.Id == id)));
    }

    protected override async ValueTask DropAsync()
    {
        if (_admin is not null) await PostgresSmiStoreTests.DropSchemaAsync(_admin, _schema);
    }
}
