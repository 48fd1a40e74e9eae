using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// The request log's write-behind when its store stops taking writes: who waits to acknowledge is told
/// at once, the health changes once (not at every retry), and the kept changes are written when the
/// store takes writes again.
/// </summary>
public sealed class DurableRequestLogFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store that refuses writes while <see cref="Full"/>, as a full disk does, and keeps what it was given.</summary>
    private sealed class FillableStore : IRequestLogStore
    {
        public volatile bool Full;
        public int Attempts;
        public readonly List<LoggedRequest> Written = [];
        public readonly List<Smets1Counter> WrittenCounters = [];

        public Task<RequestLogState> LoadAsync(DateTimeOffset since, DateTimeOffset? unlinkedSince = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RequestLogState([], []));

        public Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset? unlinkedBefore = null, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<IReadOnlyList<ClaimRefusal>> WriteAsync(RequestLogBatch batch, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Attempts);
            if (Full) throw new IOException("database or disk is full");
            lock (Written)
            {
                Written.AddRange(batch.Requests);
                WrittenCounters.AddRange(batch.Counters);
            }
            return Task.FromResult<IReadOnlyList<ClaimRefusal>>([]);
        }

        public Task<IReadOnlyList<AcceptedCommand>> ClaimCommandsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
            CancellationToken cancellationToken = default, bool ownToo = true) => Task.FromResult<IReadOnlyList<AcceptedCommand>>([]);

        public Task RenewCommandsAsync(string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    private static LoggedRequest Request(ulong counter) => new(
        RequestId.Parse($"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:{counter}"), ServiceReferenceVariant.Parse("4.1.1"),
        CommandVariant.SendNonCritical, null, false, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_write_that_fails_is_told_to_the_waiter_at_once_said_once_and_written_on_recovery()
    {
        var store = new FillableStore();
        var health = new StorageHealth();
        var changes = new List<StorageHealthChange>();
        health.Changed += c => { lock (changes) changes.Add(c); };
        await using var log = await DurableRequestLog.OpenAsync(store, TimeProvider.System, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1), cancellationToken: Ct, health: health);

        // A SMETS1 request's counter (E63) is waited for before the acknowledgement.
        Assert.True(log.TryAdmit(Request(1), smets1Target: true));
        await log.RecordAsync(Request(1).Id, null, Ct);
        Assert.Null(health.Current);

        store.Full = true;
        Assert.True(log.TryAdmit(Request(2), smets1Target: true));
        var failure = await Assert.ThrowsAsync<RequestNotRecordedException>(async () => await log.RecordAsync(Request(2).Id, null, Ct));
        Assert.Contains("database or disk is full", failure.Message);
        Assert.Equal(DurableRequestLog.Component, health.Current!.Component);

        // Retried meanwhile, but the failure is one change of state.
        var attempts = store.Attempts;
        while (store.Attempts < attempts + 3) await Task.Delay(50, Ct);
        lock (changes) Assert.Single(changes);

        store.Full = false;
        await log.FlushAsync(Ct);
        Assert.Null(health.Current);
        lock (changes) Assert.Equal([DurableRequestLog.Component, DurableRequestLog.Component], changes.Select(c => c.Component));
        lock (changes) Assert.Null(changes[1].Failure);
        lock (store.Written) Assert.Contains(store.Written, r => r.Id.Counter == 2);
    }

    [Fact]
    public async Task A_SMETS1_counter_whose_record_failed_is_taken_back_so_the_same_request_is_accepted_when_sent_again()
    {
        var store = new FillableStore();
        await using var log = await DurableRequestLog.OpenAsync(store, TimeProvider.System, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1), cancellationToken: Ct,
            health: new StorageHealth());
        // Disposal flushes: whatever the outcome, the store takes writes by then.
        try { await SendAgainAfterAFailureAsync(store, log); }
        finally { store.Full = false; }
    }

    private static async Task SendAgainAfterAFailureAsync(FillableStore store, DurableRequestLog log)
    {
        var target = (Request(1).Id.Originator, Request(1).Id.Target);
        Assert.True(log.TryAdmit(Request(1), smets1Target: true));
        await log.RecordAsync(Request(1).Id, null, Ct);

        store.Full = true;
        Assert.True(log.TryAdmit(Request(5), smets1Target: true));
        await Assert.ThrowsAsync<RequestNotRecordedException>(async () => await log.RecordAsync(Request(5).Id, null, Ct));
        log.Complete(Request(5).Id, RequestState.Failed);
        // Not acknowledged, so not counted: the store's counter (1) is the high-water mark again.
        Assert.True(log.TryGetLastSmets1Counter(target.Originator, target.Target, out var counter));
        Assert.Equal(1UL, counter);

        store.Full = false;
        await log.FlushAsync(Ct);
        // The batch retried after the failure did not carry the refused request's counter into the store either.
        lock (store.Written) Assert.DoesNotContain(store.WrittenCounters, c => c.Counter == 5);

        // Sent again, it is admitted and its counter recorded; a replay after it is barred (the pipeline's E63 reads this).
        Assert.True(log.TryAdmit(Request(5), smets1Target: true));
        await log.RecordAsync(Request(5).Id, null, Ct);
        Assert.True(log.TryGetLastSmets1Counter(target.Originator, target.Target, out counter));
        Assert.Equal(5UL, counter);
        lock (store.Written) Assert.Contains(store.WrittenCounters, c => c.Counter == 5);
    }
}
