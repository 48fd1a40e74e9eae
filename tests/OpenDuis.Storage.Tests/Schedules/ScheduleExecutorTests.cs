using System.Collections.Concurrent;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Registration;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Storage.Schedules;

namespace OpenDuis.Storage.Tests.Schedules;

/// <summary>
/// A small Smart Metering WAN of the tests' own: it takes every command (I99), remembers each by
/// Request ID (a repeat of an ID it already holds is recognised, not run again), and can be told a
/// device is out of reach or that it should hang.
/// </summary>
public sealed class RecordingNetwork : IDeviceNetwork
{
    private readonly ConcurrentDictionary<RequestId, DeviceCommand> _taken = new();
    private int _repeats;

    public ConcurrentDictionary<Eui, bool> Unreachable { get; } = new();
    public ConcurrentDictionary<Eui, bool> Hanging { get; } = new();

    public IReadOnlyCollection<DeviceCommand> Taken => [.. _taken.Values];
    public int Repeats => Volatile.Read(ref _repeats);

    public async ValueTask<DeviceAcceptance> AcceptAsync(DeviceCommand command, CancellationToken cancellationToken = default)
    {
        var device = command.Request.RequestId.Target;
        if (Hanging.ContainsKey(device)) await Task.Delay(Timeout.Infinite, cancellationToken);
        if (Unreachable.ContainsKey(device)) throw new DeviceUnreachableException($"no route to Communications Hub of {device}");
        if (!_taken.TryAdd(command.Request.RequestId, command)) Interlocked.Increment(ref _repeats);
        return DeviceAcceptance.Acknowledged;
    }
}

/// <summary>What the executor told owners, as it told it.</summary>
public sealed class RecordingNotices : IScheduleNotices
{
    public ConcurrentQueue<(StoredScheduleRef Schedule, ScheduleRemoval Removal)> Removals { get; } = new();
    public ConcurrentQueue<(StoredScheduleRef Schedule, RequestId Command, string Reason)> Unreachable { get; } = new();

    public Task ScheduleRemovedAsync(StoredScheduleRef schedule, ScheduleRemoval removal, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        Removals.Enqueue((schedule, removal));
        return Task.CompletedTask;
    }

    public Task DeviceUnreachableAsync(StoredScheduleRef schedule, RequestId command, DateTimeOffset at, string reason, CancellationToken cancellationToken = default)
    {
        Unreachable.Enqueue((schedule, command, reason));
        return Task.CompletedTask;
    }
}

/// <summary>
/// The DCC Schedule executor end to end on a real store: occurrences claimed by lease, access control
/// re-checked at execution time through the real pipeline over the demo inventory, commands handed to
/// a network with the DSPScheduleID, removals and E31 told to the owner.
/// </summary>
public abstract class ScheduleExecutorContract : StoreContract<IScheduleStore>
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    protected static readonly DateTimeOffset Created = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    protected static readonly Eui Supplier = DemoEnvironment.Supplier;
    protected static readonly Eui Esme = DemoEnvironment.Esme;

    protected const string DailyReadLog =
        "<sr:DSPRetrieveImportDailyReadLog xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">" +
        "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime>" +
        "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>";

    protected FakeTimeProvider Clock { get; } = new(Created);
    private protected InMemoryAccessSnapshot Snapshot { get; } = InMemoryAccessSnapshot.Demo();
    protected RecordingNetwork Network { get; } = new();
    protected RecordingNotices Notices { get; } = new();

    protected ScheduleExecutor Executor(IScheduleStore? store = null, ScheduleExecutorOptions? options = null) =>
        new(store ?? Store, new AccessPipeline(Snapshot, new InMemoryRequestLog(Clock), Clock), Network, Notices, Clock,
            options ?? ScheduleExecutorOptions.Default with { DeviceTimeout = TimeSpan.FromMilliseconds(200) });

    protected static ScheduleDefinition ReadLog(ScheduleTiming timing, Eui? device = null) =>
        new(Supplier, UserRole.ImportSupplier, timing, ServiceReferenceVariant.Parse("4.6.1"), device ?? Esme, DailyReadLog, null);

    protected static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 1) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_occurrence_runs_the_scheduled_request_for_the_owner_with_its_DSPScheduleID_and_the_read_period_of_its_date()
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);

        Clock.SetUtcNow(Utc(2027, 3, 1, 0, 0));
        Assert.Empty(await Executor().RunAllDueAsync(Ct)); // 00:00: not yet (default execution start time 00:01 UTC)
        Clock.SetUtcNow(Utc(2027, 3, 1, 0, 1));
        var results = await Executor().RunAllDueAsync(Ct);

        var result = Assert.Single(results);
        Assert.Equal(OccurrenceOutcome.Fired, result.Outcome);
        var command = Assert.Single(Network.Taken);
        Assert.Equal(id, command.Schedule);
        Assert.Equal(Supplier, command.Sender);
        var request = command.Request;
        Assert.Equal((Supplier, Esme), (request.RequestId.Originator, request.RequestId.Target));
        Assert.Equal((CommandVariant.SendNonCritical, "4.6.1", "RetrieveImportDailyReadLog"),
            (request.CommandVariant, request.ServiceReferenceVariant.ToString(), request.Body.LocalName));
        Assert.Equal("2027-02-28T00:00:00Z", request.Body["ReadLogPeriod", DuisNamespaces.ServiceUserGateway]!["StartDateTime", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.Equal("2027-03-01T00:00:00Z", request.Body["ReadLogPeriod", DuisNamespaces.ServiceUserGateway]!["EndDateTime", DuisNamespaces.ServiceUserGateway]!.InnerText);
        Assert.Equal(Utc(2027, 3, 2), (await Store.GetAsync(id, Ct))!.NextDueAt);
    }

    public static TheoryData<ScheduleFrequency, string, string> Frequencies() => new()
    {
        { ScheduleFrequency.Daily, "2027-12-30", "2028-03-02" },
        { ScheduleFrequency.Weekly, "2028-02-29", "2029-03-31" },
        { ScheduleFrequency.Monthly, "2027-01-31", "2032-12-31" },
        { ScheduleFrequency.Quarterly, "2027-11-30", "2032-12-31" },
        { ScheduleFrequency.HalfYearly, "2027-08-31", "2032-12-31" },
        { ScheduleFrequency.Yearly, "2028-02-29", "2032-12-31" },
    };

    /// <summary>
    /// Each frequency started on a month end or leap day runs through the executor exactly at the
    /// instants the calculus gives (31 Jan, 28/29 Feb, 31 Mar, ...; 29 Feb 2028, 28 Feb 2029, ...,
    /// 29 Feb 2032), once each, and stops after its end date. The clock visits a minute before each
    /// occurrence (nothing may run), the instant itself (exactly that occurrence runs), and then a
    /// day past the end date (nothing more).
    /// </summary>
    [Theory]
    [MemberData(nameof(Frequencies))]
    public async Task Every_frequency_fires_at_each_occurrence_over_leap_years_and_month_ends(ScheduleFrequency frequency, string start, string end)
    {
        var timing = new ScheduleTiming(frequency, DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), new TimeOnly(3, 30));
        var id = await Store.CreateAsync(ReadLog(timing), Created, Ct);
        var executor = Executor();
        var expected = ScheduleOccurrences.Between(timing, Utc(2020, 1, 1), Utc(2040, 1, 1)).ToList();

        var fired = new List<DateTimeOffset>();
        foreach (var due in expected)
        {
            Clock.SetUtcNow(due.AddMinutes(-1));
            Assert.Empty(await executor.RunAllDueAsync(Ct));
            Clock.SetUtcNow(due);
            var r = Assert.Single(await executor.RunAllDueAsync(Ct));
            Assert.Equal(OccurrenceOutcome.Fired, r.Outcome);
            fired.Add(r.Occurrence.DueAt);
        }
        Clock.SetUtcNow(timing.EndDate!.Value.AddDays(1).ToDateTime(TimeOnly.MaxValue, DateTimeKind.Utc));
        Assert.Empty(await executor.RunAllDueAsync(Ct));

        Assert.Equal(expected, fired);
        Assert.Equal(expected.Count, Network.Taken.Count(c => c.Schedule == id));
        Assert.Null((await Store.GetAsync(id, Ct))!.NextDueAt);
        if (frequency == ScheduleFrequency.Daily) Assert.Contains(Utc(2028, 2, 29, 3, 30), fired);
        if (frequency == ScheduleFrequency.Monthly)
            Assert.Equal([Utc(2028, 1, 31, 3, 30), Utc(2028, 2, 29, 3, 30), Utc(2028, 3, 31, 3, 30), Utc(2028, 4, 30, 3, 30)], fired.Skip(12).Take(4));
        if (frequency == ScheduleFrequency.Yearly)
            Assert.Equal([Utc(2028, 2, 29, 3, 30), Utc(2029, 2, 28, 3, 30), Utc(2030, 2, 28, 3, 30), Utc(2031, 2, 28, 3, 30), Utc(2032, 2, 29, 3, 30)], fired);
    }

    [Fact]
    public async Task After_a_change_of_supplier_access_control_at_execution_refuses_E4_and_the_schedule_is_removed_with_N17()
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        Clock.SetUtcNow(Utc(2027, 3, 1, 12, 0));
        Assert.Equal(OccurrenceOutcome.Fired, Assert.Single(await Executor().RunAllDueAsync(Ct)).Outcome);

        // The rival becomes Registered Supplier of the meter's MPAN from 2 March, 00:00.
        Snapshot.Register(new RegistrationPeriod(DemoEnvironment.ElectricityMpan, RegisteredRole.Supplier, Core.Parties.PartyId.Parse("RIVAL"), Utc(2027, 3, 2, 0, 0)));
        Clock.SetUtcNow(Utc(2027, 3, 2, 12, 0));
        var result = Assert.Single(await Executor().RunAllDueAsync(Ct));

        Assert.Equal((OccurrenceOutcome.Removed, ResponseCode.E4), (result.Outcome, result.Code));
        Assert.Null(await Store.GetAsync(id, Ct));
        var (schedule, removal) = Assert.Single(Notices.Removals);
        Assert.Equal((id, Supplier, Esme), (schedule.Id, schedule.Owner, schedule.DeviceId));
        Assert.Equal(("N17", ScheduleRemovalTrigger.OwnerNotAuthorisedForDevice), (removal.AlertCode.Code, removal.Trigger));
        Assert.Contains("E4", removal.Reason);
        Assert.Single(Network.Taken); // the refused occurrence never reached the network
    }

    [Theory]
    [InlineData(SmiStatus.Decommissioned, "N4")]
    [InlineData(SmiStatus.Withdrawn, "N5")]
    [InlineData(SmiStatus.Suspended, "N6")]
    public async Task A_device_that_left_service_is_refused_E5_at_execution_and_its_schedule_removed_with_its_alert(SmiStatus status, string alert)
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        Snapshot.TryGetDevice(Esme, out var esme);
        Snapshot.Put(esme! with { Status = status });
        Clock.SetUtcNow(Utc(2027, 3, 1, 12, 0));

        var result = Assert.Single(await Executor().RunAllDueAsync(Ct));

        Assert.Equal((OccurrenceOutcome.Removed, ResponseCode.E5), (result.Outcome, result.Code));
        Assert.Null(await Store.GetAsync(id, Ct));
        Assert.Equal(alert, Assert.Single(Notices.Removals).Removal.AlertCode.Code);
        Assert.Empty(Network.Taken);
    }

    [Fact]
    public async Task A_device_in_recovery_misses_the_occurrence_but_keeps_its_schedule()
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        Snapshot.TryGetDevice(Esme, out var esme);
        Snapshot.Put(esme! with { Status = SmiStatus.Recovery });
        Clock.SetUtcNow(Utc(2027, 3, 1, 12, 0));

        var result = Assert.Single(await Executor().RunAllDueAsync(Ct));

        Assert.Equal((OccurrenceOutcome.Missed, ResponseCode.E5), (result.Outcome, result.Code));
        Assert.Equal(Utc(2027, 3, 2), (await Store.GetAsync(id, Ct))!.NextDueAt);
        Assert.Empty(Notices.Removals);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_device_out_of_reach_or_not_answering_in_time_is_told_to_the_owner_as_E31_and_the_schedule_carries_on(bool hangs)
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        (hangs ? Network.Hanging : Network.Unreachable)[Esme] = true;
        Clock.SetUtcNow(Utc(2027, 3, 1, 12, 0));

        var result = Assert.Single(await Executor().RunAllDueAsync(Ct));

        Assert.Equal((OccurrenceOutcome.DeviceUnreachable, ResponseCode.E31), (result.Outcome, result.Code));
        var (schedule, command, reason) = Assert.Single(Notices.Unreachable);
        Assert.Equal((id, result.Command), (schedule.Id, command));
        Assert.Contains(hangs ? "did not take the command within 0.2 s" : "no route", reason);

        (hangs ? Network.Hanging : Network.Unreachable).Clear();
        Clock.SetUtcNow(Utc(2027, 3, 2, 12, 0));
        Assert.Equal(OccurrenceOutcome.Fired, Assert.Single(await Executor().RunAllDueAsync(Ct)).Outcome);
    }

    /// <summary>
    /// A node claims a batch and dies before completing it (the process stops after the network took
    /// some commands). After the lease, another node runs the batch again with the same Request IDs:
    /// the network recognises the ones it already holds, and no occurrence is skipped or run twice.
    /// </summary>
    [Fact]
    public async Task A_restart_mid_window_neither_skips_nor_repeats_an_occurrence()
    {
        for (var i = 0; i < 40; i++)
            await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 3))), Created, Ct);
        var lease = TimeSpan.FromMinutes(5);
        Clock.SetUtcNow(Utc(2027, 3, 1, 0, 1));

        // The first node: claims 25, hands 10 to the network, dies.
        var claimed = await Store.ClaimDueAsync(Clock.GetUtcNow(), lease, 25, Ct);
        foreach (var o in claimed.Take(10))
            await Network.AcceptAsync(new DeviceCommand(ScheduledRequest.Build(o.Id, o.Definition, o.DueAt, DuisSchemaVersion.V5_4), Supplier, Clock.GetUtcNow(), o.Id), Ct);

        // The restarted node: the 15 others of the window now, the dead node's 25 once their lease is over.
        var restarted = Executor(options: ScheduleExecutorOptions.Default with { Lease = lease, BatchSize = 7 });
        Assert.Equal(15, (await restarted.RunAllDueAsync(Ct)).Count);
        Clock.Advance(lease);
        Assert.Equal(25, (await restarted.RunAllDueAsync(Ct)).Count);
        for (var day = 2; day <= 4; day++)
        {
            Clock.SetUtcNow(Utc(2027, 3, day, 0, 1));
            await restarted.RunAllDueAsync(Ct);
        }

        Assert.Equal(120, Network.Taken.Count);  // 40 schedules × 3 days, each once
        Assert.Equal(10, Network.Repeats);       // the dead node's ten, recognised by their Request IDs
        Assert.All(Network.Taken.GroupBy(c => c.Schedule), g => Assert.Equal(3, g.Count()));
    }

    private ScheduleRemovalOnRightsChange RightsChange() =>
        new(Store, Notices, new AccessPipeline(Snapshot, new InMemoryRequestLog(Clock), Clock), Clock);

    /// <summary>
    /// A change of supplier ends the old supplier's schedules on the meter at once with N17, not at
    /// their next occurrence; a schedule on a meter whose supplier did not change stays.
    /// </summary>
    [Fact]
    public async Task A_change_of_supplier_removes_the_old_supplier_s_schedules_on_the_meter_at_once_with_N17()
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1));
        var onMeter = await Store.CreateAsync(ReadLog(timing), Created, Ct);
        var onOther = await Store.CreateAsync(ReadLog(timing, DemoEnvironment.EsmeWithApc), Created, Ct);
        Clock.SetUtcNow(Utc(2027, 3, 5, 10, 0));
        Snapshot.Register(new RegistrationPeriod(DemoEnvironment.ElectricityMpan, RegisteredRole.Supplier, Core.Parties.PartyId.Parse("RIVAL"), Utc(2027, 3, 5, 9, 0)));

        var removed = await RightsChange().RegistrationChangedAsync([Esme, DemoEnvironment.EsmeWithApc], "a change of supplier", Ct);

        var r = Assert.Single(removed);
        Assert.Equal((onMeter, Supplier, Esme, ResponseCode.E4), (r.Schedule.Id, r.Schedule.Owner, r.Schedule.DeviceId, r.RefusedWith));
        Assert.Equal(("N17", ScheduleRemovalTrigger.OwnerNotAuthorisedForDevice), (r.Removal.AlertCode.Code, r.Removal.Trigger));
        Assert.Contains("a change of supplier", r.Removal.Reason);
        Assert.Null(await Store.GetAsync(onMeter, Ct));
        Assert.NotNull(await Store.GetAsync(onOther, Ct));
        var (schedule, removal) = Assert.Single(Notices.Removals);
        Assert.Equal((onMeter, "N17"), (schedule.Id, removal.AlertCode.Code));
        Assert.Empty(Network.Taken);
    }

    /// <summary>A change registered from a later date is no refusal yet: the schedule runs until then, and its first occurrence after the change removes it (N17).</summary>
    [Fact]
    public async Task A_change_of_supplier_from_a_later_date_ends_the_schedule_at_its_first_occurrence_after_the_change()
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        Clock.SetUtcNow(Utc(2027, 3, 5, 10, 0));
        Snapshot.Register(new RegistrationPeriod(DemoEnvironment.ElectricityMpan, RegisteredRole.Supplier, Core.Parties.PartyId.Parse("RIVAL"), Utc(2027, 3, 10, 0, 0)));

        Assert.Empty(await RightsChange().RegistrationChangedAsync([Esme], "a change of supplier", Ct));
        Assert.NotNull(await Store.GetAsync(id, Ct));

        Clock.SetUtcNow(Utc(2027, 3, 10, 0, 1));
        var results = await Executor().RunAllDueAsync(Ct);
        Assert.Equal(OccurrenceOutcome.Removed, results[^1].Outcome);
        Assert.Equal("N17", Assert.Single(Notices.Removals).Removal.AlertCode.Code);
        Assert.All(results.SkipLast(1), o => Assert.Equal(OccurrenceOutcome.Fired, o.Outcome)); // 5-9 March ran
    }

    public static TheoryData<string, string, ResponseCode> UserChanges() => new()
    {
        { "withdrawn", "N37", ResponseCode.E3 },
        { "suspended", "N37", ResponseCode.E3 },
        { "an Export Supplier only", "N40", ResponseCode.E2 },   // no role of 4.6.1's (IS, GS) left
        { "a Gas Supplier only", "N17", ResponseCode.E4 },       // GS may send 4.6.1, but is not this ESME's supplier: E4 takes precedence
    };

    /// <summary>
    /// The owner withdrawn or suspended ends its schedules at once with N37; the owner left with no
    /// role that may send the scheduled request with N40 (E2); left with a role that may send it but
    /// not to this device with N17 (E4, which access control puts before the role's other checks).
    /// The other Supplier User's schedule on the same meter stays.
    /// </summary>
    [Theory]
    [MemberData(nameof(UserChanges))]
    public async Task A_change_to_the_owner_removes_its_schedules_at_once(string change, string alert, ResponseCode refused)
    {
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1));
        var owned = await Store.CreateAsync(ReadLog(timing), Created, Ct);
        var others = await Store.CreateAsync(ReadLog(timing) with { Owner = DemoEnvironment.SupplierSecondUser }, Created, Ct);
        Snapshot.TryGetUser(Supplier, out var owner);
        var user = change switch
        {
            "withdrawn" => owner! with { Status = Core.Parties.UserStatus.Withdrawn },
            "suspended" => owner! with { Status = Core.Parties.UserStatus.Suspended },
            "an Export Supplier only" => owner! with { Roles = new HashSet<UserRole> { UserRole.ExportSupplier } },
            _ => owner! with { Roles = new HashSet<UserRole> { UserRole.GasSupplier } },
        };
        Snapshot.Put(user);
        Clock.SetUtcNow(Utc(2027, 3, 5, 10, 0));

        var removed = await RightsChange().UsersChangedAsync([Supplier, DemoEnvironment.SupplierSecondUser], $"the owner {change}", Ct);

        var r = Assert.Single(removed);
        Assert.Equal((owned, refused, alert), (r.Schedule.Id, r.RefusedWith, r.Removal.AlertCode.Code));
        Assert.Null(await Store.GetAsync(owned, Ct));
        Assert.NotNull(await Store.GetAsync(others, Ct));
        Assert.Equal(alert, Assert.Single(Notices.Removals).Removal.AlertCode.Code);
    }

    [Fact]
    public async Task A_late_completion_of_an_occurrence_already_run_elsewhere_counts_for_nothing()
    {
        var id = await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1))), Created, Ct);
        Clock.SetUtcNow(Utc(2027, 3, 1, 12, 0));
        var slow = await Store.ClaimDueAsync(Clock.GetUtcNow(), TimeSpan.FromMinutes(1), 10, Ct);
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Single(await Executor().RunAllDueAsync(Ct));

        var moved = await Store.CompleteAsync(slow, Ct);

        Assert.Empty(moved);
        Assert.Equal(Utc(2027, 3, 2), (await Store.GetAsync(id, Ct))!.NextDueAt);
    }
}

public sealed class SqliteScheduleExecutorTests : ScheduleExecutorContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"openduis-exec-{Guid.NewGuid():N}.db");

    protected override async Task<IScheduleStore> OpenStoreAsync() => await SqliteScheduleStore.OpenAsync(_path, Ct);

    protected override ValueTask DropAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" }) File.Delete(f);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresScheduleExecutorTests : ScheduleExecutorContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin;
    private string? _scoped;

    protected override async Task<IScheduleStore> OpenStoreAsync()
    {
        (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);
        return await PostgresScheduleStore.OpenAsync(_scoped, Ct);
    }

    /// <summary>
    /// Two executors, each with its own connection pool to one PostgreSQL (two nodes), run 300
    /// schedules over a week with their clocks in step: each occurrence reaches the network once.
    /// </summary>
    [Fact]
    public async Task Two_executors_sharing_one_database_fire_every_occurrence_exactly_once()
    {
        await using var secondNode = await PostgresScheduleStore.OpenAsync(_scoped!, Ct);
        for (var i = 0; i < 300; i++)
            await Store.CreateAsync(ReadLog(new ScheduleTiming(ScheduleFrequency.Daily, new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 7))), Created, Ct);
        var options = ScheduleExecutorOptions.Default with { BatchSize = 13 };
        var (a, b) = (Executor(Store, options), Executor(secondNode, options));

        var perNode = new List<int>[] { [], [] };
        for (var day = 1; day <= 8; day++)
        {
            Clock.SetUtcNow(Utc(2027, 3, day, 0, 1));
            var runs = await Task.WhenAll(Task.Run(() => a.RunAllDueAsync(Ct), Ct), Task.Run(() => b.RunAllDueAsync(Ct), Ct));
            perNode[0].Add(runs[0].Count);
            perNode[1].Add(runs[1].Count);
            Assert.All(runs.SelectMany(r => r), r => Assert.Equal(OccurrenceOutcome.Fired, r.Outcome));
        }

        Assert.Equal(2100, Network.Taken.Count);
        Assert.Equal(0, Network.Repeats);
        Assert.Equal(2100, perNode.Sum(n => n.Sum()));
        Assert.All(Network.Taken.GroupBy(c => c.Schedule), g => Assert.Equal(7, g.Count()));
        Assert.True(perNode[0].Sum() > 0 && perNode[1].Sum() > 0, "both nodes took part");
    }

    protected override async ValueTask DropAsync()
    {
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
    }
}
