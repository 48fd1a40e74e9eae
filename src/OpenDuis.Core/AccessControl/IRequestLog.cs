using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>Where an admitted request stands.</summary>
public enum RequestState
{
    /// <summary>Accepted and still being processed by the DCC Systems (a duplicate ID is E55).</summary>
    InProgress,
    Succeeded,
    Failed,

    /// <summary>
    /// Failed because the Device did not answer an On Demand command (E21): a sequenced request that follows it
    /// fails E47, not E43 (DUIS 3.4.3, 3.5.10 Table 1), whichever node sharing the log reads it.
    /// </summary>
    NoDeviceResponse,
}

/// <summary>What the request log keeps of an admitted request (for E55, sequencing and SMETS1 anti-replay).</summary>
public readonly record struct LoggedRequest(
    RequestId Id,
    ServiceReferenceVariant Variant,
    CommandVariant CommandVariant,
    RequestId? Preceding,
    bool FirstInSequence,
    DateTimeOffset Received,
    RequestState State = RequestState.InProgress,
    bool EndsSequence = false);

/// <summary>
/// The DCC's record of requests it admitted: which are in progress, how sequences chain, and the
/// last SMETS1 counter per originator and target. Implementations must be thread-safe.
/// </summary>
public interface IRequestLog
{
    bool TryGet(RequestId id, out LoggedRequest entry);

    /// <summary>The request that already names <paramref name="preceding"/> as its Preceding Request ID (E41).</summary>
    bool TryGetSuccessor(RequestId preceding, out RequestId successor);

    /// <summary>
    /// A request named as a Preceding Request ID, as every node sharing the log knows it (DUIS 3.4.3: E42,
    /// E46, and E43/E44/E47 at execution): another node may have admitted or ended it. Only sequenced
    /// requests ask, so a log shared through a database may read it there.
    /// </summary>
    bool TryGetPreceding(RequestId preceding, out LoggedRequest entry) => TryGet(preceding, out entry);

    /// <summary>The highest Request ID counter admitted from <paramref name="originator"/> to a SMETS1 <paramref name="target"/> (E63).</summary>
    bool TryGetLastSmets1Counter(Eui originator, Eui target, out ulong counter);

    /// <summary>
    /// Records an accepted request atomically; false when a request with the same ID is still in
    /// progress (the race the E55 check cannot see alone).
    /// </summary>
    bool TryAdmit(in LoggedRequest entry, bool smets1Target);

    /// <summary>Marks a request finished (its response, or its failure, has been produced).</summary>
    void Complete(RequestId id, RequestState outcome);

    /// <summary>
    /// Marks a request finished and, when its command was recorded (accepted at <paramref name="recordedAt"/>),
    /// drops that command from the durable queue with it.
    /// </summary>
    void Complete(RequestId id, RequestState outcome, DateTimeOffset? recordedAt) => Complete(id, outcome);

    /// <summary>
    /// Makes an admitted request durable before it is acknowledged (<see cref="Requests.RequestLease.RecordAsync"/>):
    /// its entry, its SMETS1 counter and its command. A log that does not outlive the process has nothing to do.
    /// Returns where the command is executed: by the node that owns its Device when another node sharing the
    /// database does, else here under the Device's lease (no fence for a log of one node).
    /// </summary>
    ValueTask<Requests.DeviceHolding> RecordAsync(RequestId id, Requests.AcceptedCommand? command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(default(Requests.DeviceHolding));

    /// <summary>
    /// The command recorded at <paramref name="recordedAt"/> goes to <paramref name="owner"/>, the node that owns its
    /// Device, which executes it and ends its request: this node forgets the request. A log of one node has no other.
    /// </summary>
    void HandOver(RequestId id, DateTimeOffset recordedAt, string owner)
    {
    }

    /// <summary>
    /// This node was fenced off the command recorded at <paramref name="recordedAt"/> (another node took its Device):
    /// it forgets the request and lets the command go to the Device's owner. A log of one node is never fenced.
    /// </summary>
    void StepDown(RequestId id, DateTimeOffset recordedAt)
    {
    }

    /// <summary>Marks a request as the Last In Sequence: a later request naming it as preceding is E46.</summary>
    void EndSequence(RequestId last);
}

/// <summary>
/// An <see cref="IRequestLog"/> in memory (one process; lost on restart). With a hold, a request
/// still in progress that long after it was received is reported <see cref="RequestState.Failed"/>
/// (no response came), so its ID is free again. With a retention, finished requests older than it
/// are forgotten (swept at most once a minute), so a long-running server's log stays bounded; the
/// SMETS1 anti-replay counters are kept.
/// <para>
/// With a shorter <c>unlinkedRetention</c>, a finished request that nothing later can refer to goes
/// sooner: one neither in a sequence (First In Sequence, a Preceding Request ID, Last In Sequence, or
/// named as another's preceding) nor one that returned a Command for Local Delivery (CV 2, 3, 6, 7), whose Request ID an 8.13
/// Local Command Response names. Only those are read back after they finish (E41, E42, E46, E081301);
/// E55 reads requests in progress. So a day of GB traffic (about 100 million requests at 1,200/s)
/// is not held in memory to answer questions about a few.
/// </para>
/// </summary>
public sealed class InMemoryRequestLog(TimeProvider? clock = null, TimeSpan? inProgressHold = null, TimeSpan? retention = null,
    TimeSpan? unlinkedRetention = null) : IRequestLog
{
    private long _nextSweep;

    private readonly ConcurrentDictionary<RequestId, LoggedRequest> _requests = new();
    private readonly ConcurrentDictionary<RequestId, RequestId> _successors = new();
    private readonly ConcurrentDictionary<(Eui, Eui), ulong> _smets1Counters = new();

    public int Count => _requests.Count;

    public bool TryGet(RequestId id, out LoggedRequest entry)
    {
        if (!_requests.TryGetValue(id, out entry)) return false;
        if (entry.State == RequestState.InProgress && IsPastHold(entry)) entry = entry with { State = RequestState.Failed };
        return true;
    }

    private bool IsPastHold(in LoggedRequest entry) =>
        inProgressHold is { } hold && clock is not null && entry.Received + hold <= clock.GetUtcNow();

    public bool TryGetSuccessor(RequestId preceding, out RequestId successor) => _successors.TryGetValue(preceding, out successor);

    public bool TryGetLastSmets1Counter(Eui originator, Eui target, out ulong counter) =>
        _smets1Counters.TryGetValue((originator, target), out counter);

    public bool TryAdmit(in LoggedRequest entry, bool smets1Target)
    {
        SweepIfDue();
        var admitted = entry;
        while (true)
        {
            if (_requests.TryAdd(entry.Id, admitted)) break;
            if (!_requests.TryGetValue(entry.Id, out var existing)) continue;
            if (existing.State == RequestState.InProgress && !IsPastHold(existing)) return false;
            if (_requests.TryUpdate(entry.Id, admitted, existing)) break;
        }
        if (entry.Preceding is { } preceding) _successors.TryAdd(preceding, entry.Id);
        if (smets1Target)
        {
            var counter = entry.Id.Counter;
            _smets1Counters.AddOrUpdate((entry.Id.Originator, entry.Id.Target), counter, (_, last) => Math.Max(last, counter));
        }
        return true;
    }

    private void SweepIfDue()
    {
        if (retention is null || clock is null) return;
        var now = clock.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, now.UtcTicks + TimeSpan.TicksPerMinute, due) != due) return;
        foreach (var (id, entry) in _requests)
        {
            if (IsKept(entry, now)) continue;
            if (_requests.TryRemove(KeyValuePair.Create(id, entry)) && entry.Preceding is { } preceding)
                _successors.TryRemove(KeyValuePair.Create(preceding, id));
        }
    }

    /// <summary>Whether the sweep keeps <paramref name="entry"/> at <paramref name="now"/>: in progress, or within its retention.</summary>
    private bool IsKept(in LoggedRequest entry, DateTimeOffset now)
    {
        if (retention is not { } keep) return true;
        if (entry.State == RequestState.InProgress && !IsPastHold(entry)) return true;
        var window = unlinkedRetention is { } shorter && !IsLinked(entry) ? shorter : keep;
        return entry.Received + window > now;
    }

    private bool IsLinked(in LoggedRequest entry) =>
        entry.FirstInSequence || entry.Preceding is not null || entry.EndsSequence || _successors.ContainsKey(entry.Id)
        || entry.CommandVariant.ReturnsLocalCommand();

    /// <summary>The entry as recorded (no hold applied), for a log that persists it.</summary>
    public bool TryGetStored(RequestId id, out LoggedRequest entry) => _requests.TryGetValue(id, out entry);

    /// <summary>Puts back an entry read from storage, with its state and sequence link.</summary>
    public void Restore(in LoggedRequest entry)
    {
        if (clock is not null && !IsKept(entry, clock.GetUtcNow())) return;
        _requests[entry.Id] = entry;
        if (entry.Preceding is { } preceding) _successors.TryAdd(preceding, entry.Id);
    }

    /// <summary>Drops an entry admitted here that the shared store refused (another node holds its Request ID), if it is still that entry.</summary>
    public void Forget(in LoggedRequest entry)
    {
        if (_requests.TryRemove(KeyValuePair.Create(entry.Id, entry)) && entry.Preceding is { } preceding)
            _successors.TryRemove(KeyValuePair.Create(preceding, entry.Id));
    }

    /// <summary>
    /// Takes back the SMETS1 counter <paramref name="raised"/> admitted for a request that was then not
    /// accepted (it could not be recorded), if it is still the high-water mark: back to
    /// <paramref name="restoreTo"/>, or to none. A higher counter admitted meanwhile stays.
    /// </summary>
    public void RollBackSmets1Counter(Eui originator, Eui target, ulong raised, ulong? restoreTo)
    {
        var key = (originator, target);
        if (restoreTo is { } previous && previous < raised) _smets1Counters.TryUpdate(key, previous, raised);
        else if (restoreTo is null) _smets1Counters.TryRemove(KeyValuePair.Create(key, raised));
    }

    /// <summary>Puts back a SMETS1 anti-replay high-water mark read from storage.</summary>
    public void RestoreSmets1Counter(Smets1Counter counter) =>
        _smets1Counters.AddOrUpdate((counter.Originator, counter.Target), counter.Counter, (_, last) => Math.Max(last, counter.Counter));

    public void Complete(RequestId id, RequestState outcome)
    {
        while (_requests.TryGetValue(id, out var e) && !_requests.TryUpdate(id, e with { State = outcome }, e)) { }
    }

    public void EndSequence(RequestId last)
    {
        while (_requests.TryGetValue(last, out var e) && !_requests.TryUpdate(last, e with { EndsSequence = true }, e)) { }
    }

    [ExcludeFromCodeCoverage]
    public override string ToString() => $"{_requests.Count} requests";
}
