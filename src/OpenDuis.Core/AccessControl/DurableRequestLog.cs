using System.Threading.Channels;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>One SMETS1 anti-replay high-water mark (E63): the highest counter admitted from an originator to a SMETS1 Device.</summary>
public readonly record struct Smets1Counter(Eui Originator, Eui Target, ulong Counter);

/// <summary>What the request log keeps across restarts: the requests received since a time, and every SMETS1 counter.</summary>
public sealed record RequestLogState(IReadOnlyList<LoggedRequest> Requests, IReadOnlyList<Smets1Counter> Smets1Counters);

/// <summary>A command in the durable queue: its Request ID and when it was accepted (a reused Request ID is another command).</summary>
public readonly record struct CommandKey(RequestId RequestId, DateTimeOffset AcceptedAt);

/// <summary>
/// One transaction's worth of request-log changes: entries and counters to add or replace, accepted
/// commands to queue (owned by <see cref="Owner"/> until <see cref="LeaseUntil"/>), and the commands of
/// requests that ended, to drop.
/// </summary>
public sealed record RequestLogBatch(IReadOnlyList<LoggedRequest> Requests, IReadOnlyList<Smets1Counter> Counters,
    IReadOnlyList<AcceptedCommand> Commands, IReadOnlyList<CommandKey> FinishedCommands, string Owner = "", DateTimeOffset LeaseUntil = default)
{
    /// <summary>Admissions to claim in the store itself (a store several nodes share): each is kept only if no other node holds it.</summary>
    public IReadOnlyList<RequestClaim> Claims { get; init; } = [];

    /// <summary>A claimed Request ID still in progress in the store but received before this is free again (its hold passed: E55 no longer applies).</summary>
    public DateTimeOffset HeldSince { get; init; }

    /// <summary>When the batch is written: a Device lease that ran out before it may be taken (a store several nodes share).</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>
    /// Filled by a store several nodes share: the lease (owner and epoch) of each queued command's Device once the
    /// batch is written. A Device no live node owns becomes <see cref="Owner"/>'s, leased until <see cref="LeaseUntil"/>.
    /// </summary>
    public Dictionary<Eui, DeviceFence>? DeviceOwners { get; init; }

    /// <summary>Queued commands given to the node that owns their Device, which executes them and ends their requests.</summary>
    public IReadOnlyList<CommandHandOver> HandOvers { get; init; } = [];

    /// <summary>Requests this node ended whose entries it never held (their commands were handed to it or taken over): ended in the store by their command's key.</summary>
    public IReadOnlyList<CommandEnding> EndedElsewhere { get; init; } = [];

    /// <summary>Queued commands this node was fenced off (another node took their Devices): left, lease expired, to whoever owns the Device now.</summary>
    public IReadOnlyList<CommandKey> SteppedDown { get; init; } = [];

    /// <summary>
    /// Filled by a store several nodes share: the DCC Schedule occurrences among <see cref="RequestLogBatch.Commands"/>
    /// that an earlier run queued already (the schedule's lease ran out before that run marked them done), so their
    /// commands were not queued again.
    /// </summary>
    public HashSet<RequestId>? QueuedBefore { get; init; }
}

/// <summary>A queued command given to <see cref="To"/>, the node that owns its Device.</summary>
public readonly record struct CommandHandOver(CommandKey Command, string To);

/// <summary>A request ended (<see cref="State"/>) by the node that executed its command, known by the command's key.</summary>
public readonly record struct CommandEnding(CommandKey Command, RequestState State);

/// <summary>
/// An admitted request claimed in a shared store: its entry is written only if no request with its ID is in
/// progress there (E55), and for a SMETS1 Device only if its counter is above the stored one (E63).
/// </summary>
public readonly record struct RequestClaim(LoggedRequest Entry, bool Smets1Target);

/// <summary>A claim the shared store refused, with the Response Code the User is answered (E55 or E63) and why.</summary>
public readonly record struct ClaimRefusal(RequestId Id, ResponseCode Code, string Reason);

/// <summary>Where a <see cref="DurableRequestLog"/> writes its entries (the data folder's database).</summary>
public interface IRequestLogStore
{
    /// <summary>
    /// The requests received at or after <paramref name="since"/>, and all SMETS1 counters. With
    /// <paramref name="unlinkedSince"/>, a finished request received before it is left out unless it is
    /// linked (the test of <see cref="InMemoryRequestLog"/>: in a sequence, or it returned a Command for Local Delivery).
    /// </summary>
    Task<RequestLogState> LoadAsync(DateTimeOffset since, DateTimeOffset? unlinkedSince = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the requests received before <paramref name="before"/>, and the finished unlinked ones received
    /// before <paramref name="unlinkedBefore"/>: what <see cref="LoadAsync"/> would no longer return. Returns how many.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset? unlinkedBefore = null, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces these entries and counters (a counter only ever rises), in one transaction.</summary>
    Task WriteAsync(IReadOnlyList<LoggedRequest> requests, IReadOnlyList<Smets1Counter> counters, CancellationToken cancellationToken = default) =>
        WriteAsync(new RequestLogBatch(requests, counters, [], []), cancellationToken);

    /// <summary>
    /// Writes the batch in one transaction: the claims (each all or nothing), entries (an older entry never
    /// replaces a newer one of the same Request ID), counters, then the queued commands of the claims kept
    /// and of requests not claimed, then drops the finished ones. Returns the claims refused.
    /// </summary>
    Task<IReadOnlyList<ClaimRefusal>> WriteAsync(RequestLogBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether several nodes may share this store, so that an admission holds only once the store has
    /// taken its claim (PostgreSQL); otherwise this process's memory is the whole truth (SQLite, one node).
    /// </summary>
    bool IsShared => false;

    /// <summary>
    /// Takes the queued commands that are <paramref name="owner"/>'s (a restarted node's own) or whose
    /// owner's lease ran out before <paramref name="now"/>, oldest first, at most <paramref name="limit"/>,
    /// and leases them to <paramref name="owner"/> until <paramref name="leaseUntil"/>. Nodes sharing a
    /// database never take the same command (PostgreSQL: FOR UPDATE SKIP LOCKED). Without
    /// <paramref name="ownToo"/> only other nodes' are taken (a running node's own are in hand).
    /// </summary>
    Task<IReadOnlyList<AcceptedCommand>> ClaimCommandsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        CancellationToken cancellationToken = default, bool ownToo = true);

    /// <summary>The stored entry of a Request ID (a shared store: as the node that owns it last wrote it), or null.</summary>
    Task<LoggedRequest?> FindAsync(RequestId id, CancellationToken cancellationToken = default) => Task.FromResult<LoggedRequest?>(null);

    /// <summary>The stored request that names <paramref name="preceding"/> as its Preceding Request ID (E41), or null.</summary>
    Task<RequestId?> FindSuccessorAsync(RequestId preceding, CancellationToken cancellationToken = default) => Task.FromResult<RequestId?>(null);

    /// <summary>Extends the lease of every command and Device <paramref name="owner"/> holds to <paramref name="leaseUntil"/>.</summary>
    Task RenewCommandsAsync(string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the commands other nodes handed to <paramref name="owner"/> (it owns their Devices), oldest first,
    /// leased to it until <paramref name="leaseUntil"/>, with their Devices as of <paramref name="now"/> (default: the
    /// system clock). Only a store several nodes share has any.
    /// </summary>
    Task<IReadOnlyList<AcceptedCommand>> ClaimHandedCommandsAsync(string owner, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default,
        DateTimeOffset? now = null) =>
        Task.FromResult<IReadOnlyList<AcceptedCommand>>([]);

    /// <summary>
    /// A node stopping gracefully gives up at once what it owns (a store several nodes share): its queued commands
    /// are left with an expired lease, to be taken by the others, and its Device leases are dropped, so that no
    /// node waits for them to run out. The others are woken (PostgreSQL's NOTIFY). Returns the commands left.
    /// </summary>
    Task<int> ReleaseAsync(string owner, CancellationToken cancellationToken = default) => Task.FromResult(0);

    /// <summary>
    /// Moves up to <paramref name="limit"/> idle Devices (no command queued or in flight) to <paramref name="owner"/>
    /// from the live node that owns the most, while <paramref name="owner"/> owns fewer than its fair share (the
    /// Devices leased to live nodes divided by the live nodes, rounded up) and that node at least two more than it;
    /// at most half the difference, so Devices never move back and forth. Returns how many moved. Only a shared store has any.
    /// </summary>
    Task<int> RebalanceAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);
}

/// <summary>
/// The request log (E55, the sequencing codes, E63) kept across restarts: an <see cref="InMemoryRequestLog"/>
/// answers every question from memory, as on the hot path before, and each change is written behind to
/// an <see cref="IRequestLogStore"/> in batches by one background writer. Disposing flushes what is
/// pending; a crash loses at most the changes of the last batch interval. Opening reloads the requests
/// of the retention window and all SMETS1 counters.
/// <para>
/// What must survive a crash is not written behind but waited for (<see cref="RecordAsync"/>): an
/// accepted device command, with its entry and SMETS1 counter, is committed before it is acknowledged
/// I99. Concurrent records share one transaction (group commit), so the wait is one commit, not one per
/// request. The command stays queued, leased to this node (<see cref="Owner"/>, renewed as it runs),
/// until its request ends (<see cref="Complete(RequestId, RequestState, DateTimeOffset?)"/>): a crash in
/// between leaves it for <see cref="ClaimCommandsAsync"/> after the restart (at least once).
/// </para>
/// </summary>
public sealed class DurableRequestLog : IRequestLog, IAsyncDisposable
{
    /// <summary>How this log names itself to <see cref="Transactions.StorageHealth"/>.</summary>
    public const string Component = "request log";

    /// <summary>How often the writer deletes from the store what no longer needs keeping.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly InMemoryRequestLog _memory;
    private readonly IRequestLogStore _store;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _retention;
    private readonly TimeSpan? _unlinkedRetention;
    private readonly Channel<object> _changes = Channel.CreateUnbounded<object>();
    private readonly Task _writer;
    private readonly Transactions.StorageHealth? _health;
    private DateTimeOffset _nextPrune;
    private DateTimeOffset _nextRenewal;
    private int _disposed;

    /// <summary>
    /// How long a queued command stays this node's without a renewal (renewed every third of it): how long
    /// a dead node's commands wait before a live node takes them over.
    /// </summary>
    public static readonly TimeSpan CommandLease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// This node's lease on its queued commands and its Devices (<see cref="CommandLease"/> unless chosen): renewed every
    /// third of it; a node dead this long has its commands and Devices taken over by the others.
    /// </summary>
    public TimeSpan Lease { get; }

    /// <summary>The node that owns the commands it queues (another node sharing the database takes them only when its lease has run out).</summary>
    public string Owner { get; }

    /// <summary>A record waiting for its commit.</summary>
    private sealed record Recording(RequestId Id, LoggedRequest? Entry, Smets1Counter? Counter, AcceptedCommand? Command, RequestClaim? Claim = null)
    {
        /// <summary>Whether the request raised a SMETS1 anti-replay counter (E63) when it was admitted.</summary>
        public bool RaisedSmets1Counter => Counter is not null || Claim is { Smets1Target: true };

        /// <summary>Null when committed; the refusal when the shared store refused the claim.</summary>
        public TaskCompletionSource<ClaimRefusal?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Where the command is executed: the Device's owner when another node, or here under its lease (set before <see cref="Done"/> completes).</summary>
        public DeviceHolding Holding { get; set; }
    }

    /// <summary>A request ended: its entry, and its queued command to drop.</summary>
    private readonly record struct Ending(LoggedRequest Entry, CommandKey? Command);

    /// <summary>A request whose entry this node never held ended here: its row is ended by its command's key.</summary>
    private readonly record struct EndingElsewhere(CommandEnding Ending);

    /// <summary>This node was fenced off a queued command: it is left to the node that owns its Device now.</summary>
    private readonly record struct SteppingDown(CommandKey Command);

    private readonly bool _shared;
    private readonly TimeSpan _hold;

    private DurableRequestLog(InMemoryRequestLog memory, IRequestLogStore store, TimeProvider clock, TimeSpan hold, TimeSpan retention, TimeSpan? unlinkedRetention, string owner,
        Transactions.StorageHealth? health, TimeSpan lease)
    {
        Lease = lease;
        _shared = store.IsShared;
        _hold = hold;
        _health = health;
        Owner = owner;
        _memory = memory;
        _store = store;
        _clock = clock;
        _retention = retention;
        _unlinkedRetention = unlinkedRetention;
        _writer = Task.Run(WriteBehindAsync);
        // Wakes the writer when nothing else does, so the queued commands' lease is renewed while the node is idle.
        _renewal = clock.CreateTimer(_ => _changes.Writer.TryWrite(Renewal), null, lease / 3, lease / 3);
    }

    private static readonly object Renewal = new();
    private readonly ITimer _renewal;

    /// <summary>Loads what <paramref name="store"/> holds from the last <paramref name="retention"/> and starts writing behind.</summary>
    /// <param name="owner">This node's name in the command queue (default: the machine's name).</param>
    /// <param name="health">Told of each failed write and of the next that succeeds.</param>
    /// <param name="lease">How long this node's commands and Devices stay its own without a renewal (default <see cref="CommandLease"/>).</param>
    public static async Task<DurableRequestLog> OpenAsync(IRequestLogStore store, TimeProvider clock, TimeSpan inProgressHold, TimeSpan retention,
        TimeSpan? unlinkedRetention = null, CancellationToken cancellationToken = default, string? owner = null, Transactions.StorageHealth? health = null,
        TimeSpan? lease = null)
    {
        var memory = new InMemoryRequestLog(clock, inProgressHold, retention, unlinkedRetention);
        var now = clock.GetUtcNow();
        var state = await store.LoadAsync(now - retention, now - unlinkedRetention, cancellationToken).ConfigureAwait(false);
        // Successors first, so a request named as preceding counts as linked when its turn comes.
        // On a shared store a request in progress is left to the database: another node may own it and end it there, and
        // this node's memory would answer E55 for it until its hold ran out. The claim of a new admission reads the row
        // as it stands (E55 while it is in progress), and a command this node takes over ends its row by its key.
        foreach (var request in state.Requests.OrderByDescending(r => r.Received))
            if (!store.IsShared || request.State != RequestState.InProgress) memory.Restore(request);
        foreach (var counter in state.Smets1Counters) memory.RestoreSmets1Counter(counter);
        var log = new DurableRequestLog(memory, store, clock, inProgressHold, retention, unlinkedRetention, owner ?? Environment.MachineName, health, lease ?? CommandLease);
        foreach (var counter in state.Smets1Counters) log._durableCounters[(counter.Originator, counter.Target)] = counter.Counter;
        return log;
    }

    /// <summary>The SMETS1 counters the store holds (E63 after a restart), as far as this log wrote them: only the writer touches it.</summary>
    private readonly Dictionary<(Eui, Eui), ulong> _durableCounters = [];

    /// <summary>Changes not yet written (for tests and metrics).</summary>
    public int Pending => _changes.Reader.Count;

    public bool TryGet(RequestId id, out LoggedRequest entry) => _memory.TryGet(id, out entry);

    public bool TryGetSuccessor(RequestId preceding, out RequestId successor)
    {
        if (_memory.TryGetSuccessor(preceding, out successor)) return true;
        // Across nodes (E41): another node may have admitted the successor. Only a sequenced request asks.
        if (!_shared || ReadShared(_store.FindSuccessorAsync(preceding)) is not { } other) return false;
        successor = other;
        return true;
    }

    /// <summary>
    /// On a shared store the preceding request is read from the database, where the node that owns it
    /// writes its end (within a write-behind batch); this node's memory answers when the database cannot.
    /// A request in progress past its hold is Failed, as in memory.
    /// </summary>
    public bool TryGetPreceding(RequestId preceding, out LoggedRequest entry)
    {
        if (!_shared || ReadShared(_store.FindAsync(preceding)) is not { } stored) return _memory.TryGet(preceding, out entry);
        entry = stored.State == RequestState.InProgress && stored.Received + _hold <= _clock.GetUtcNow() ? stored with { State = RequestState.Failed } : stored;
        return true;
    }

    // The access checks are synchronous; only sequenced requests come here, so one blocking read is fine.
    private static T? ReadShared<T>(Task<T?> read) where T : struct
    {
        try
        {
            return read.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    public bool TryGetLastSmets1Counter(Eui originator, Eui target, out ulong counter) => _memory.TryGetLastSmets1Counter(originator, target, out counter);

    public bool TryAdmit(in LoggedRequest entry, bool smets1Target)
    {
        if (!_memory.TryAdmit(entry, smets1Target)) return false;
        // A shared store learns of the admission from its claim (RecordAsync), which it may refuse.
        if (_shared) return true;
        // The SMETS1 counter (E63) goes to the store only with the request's record (RecordAsync), never ahead of it:
        // a request that cannot be recorded is answered 503, and its counter must not count after a restart either.
        _changes.Writer.TryWrite(entry);
        return true;
    }

    public void Complete(RequestId id, RequestState outcome) => Complete(id, outcome, null);

    public void Complete(RequestId id, RequestState outcome, DateTimeOffset? recordedAt)
    {
        _memory.Complete(id, outcome);
        CommandKey? command = recordedAt is { } at ? new CommandKey(id, at) : null;
        if (_memory.TryGetStored(id, out var entry)) _changes.Writer.TryWrite(new Ending(entry, command));
        else if (command is { } key)
        {
            _changes.Writer.TryWrite(new Ending(default, command));
            // Handed over or taken over from another node: the row is this node's to end (issue 22), though its entry is not here.
            if (_shared) _changes.Writer.TryWrite(new EndingElsewhere(new CommandEnding(key, outcome)));
        }
    }

    /// <summary>
    /// The command recorded at <paramref name="recordedAt"/> goes to <paramref name="owner"/>, the node that owns its
    /// Device: written behind (the command is already durable, so a crash before it only delays the command until
    /// its lease runs out and another node routes it). This node forgets the request: the store answers E55 for it.
    /// </summary>
    public void HandOver(RequestId id, DateTimeOffset recordedAt, string owner)
    {
        if (_memory.TryGetStored(id, out var entry)) _memory.Forget(entry);
        _changes.Writer.TryWrite(new CommandHandOver(new CommandKey(id, recordedAt), owner));
    }

    /// <summary>
    /// This node's write as the Device's owner was refused (another node took the Device while this one stalled past
    /// its lease): it forgets the request, which the store answers for now, and leaves the command, its lease expired,
    /// to whichever node owns the Device (written behind; a command already taken over is not this node's to touch).
    /// </summary>
    public void StepDown(RequestId id, DateTimeOffset recordedAt)
    {
        if (_memory.TryGetStored(id, out var entry) && entry.State == RequestState.InProgress) _memory.Forget(entry);
        _changes.Writer.TryWrite(new SteppingDown(new CommandKey(id, recordedAt)));
    }

    /// <summary>
    /// Commits the admitted request's entry, its SMETS1 counter (E63) and its command (when it has one)
    /// before returning, so that what is acknowledged survives a crash, and so that no answer (I0, I99) is
    /// given for a request the database cannot record: a Non-Device request too waits for its entry.
    /// </summary>
    /// <exception cref="RequestNotRecordedException">The store could not take it: the request must not be acknowledged.</exception>
    /// <exception cref="RequestRefusedException">
    /// A shared store refused the claim: another node holds the Request ID in process (E55) or admitted a
    /// counter as high to the SMETS1 Device (E63). Nothing of the request is kept here.
    /// </exception>
    public async ValueTask<DeviceHolding> RecordAsync(RequestId id, AcceptedCommand? command, CancellationToken cancellationToken)
    {
        Smets1Counter? counter = _memory.TryGetLastSmets1Counter(id.Originator, id.Target, out var c) ? new Smets1Counter(id.Originator, id.Target, c) : null;
        LoggedRequest? entry = _memory.TryGetStored(id, out var e) ? e : null;
        // Across nodes, E55 and E63 hold only in the database: every admission there is a claim, waited for.
        RequestClaim? claim = _shared && entry is { } admitted ? new RequestClaim(admitted, counter is not null) : null;
        if (entry is null && command is null && counter is null && claim is null) return default;
        var recording = new Recording(id, claim is null ? entry : null, claim is null ? counter : null, command, claim);
        if (!_changes.Writer.TryWrite(recording))
            throw new RequestNotRecordedException($"Request {id} could not be recorded: the request log is closed.");
        if (await recording.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false) is not { } refusal) return recording.Holding;
        _memory.Forget(entry!.Value);
        throw new RequestRefusedException(refusal.Code, refusal.Reason);
    }

    /// <summary>
    /// Takes the queued commands left by a crash (this node's own, or a node's whose lease ran out), oldest
    /// first, leased to this node: each is to be executed again or failed, then completed.
    /// </summary>
    /// <param name="ownToo">Also this node's own (at start-up: a node restarted under its name); while running, only other nodes' whose lease ran out.</param>
    public Task<IReadOnlyList<AcceptedCommand>> ClaimCommandsAsync(int limit = int.MaxValue, CancellationToken cancellationToken = default, bool ownToo = true)
    {
        var now = _clock.GetUtcNow();
        return _store.ClaimCommandsAsync(Owner, now, now + Lease, limit, cancellationToken, ownToo);
    }

    /// <summary>Takes the commands other nodes handed to this one (it owns their Devices): each is to be executed, then completed.</summary>
    public Task<IReadOnlyList<AcceptedCommand>> ClaimHandedCommandsAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        return _store.ClaimHandedCommandsAsync(Owner, now + Lease, cancellationToken, now);
    }

    /// <summary>Whether the store is shared by several nodes, so that Devices have owners and commands are handed over.</summary>
    public bool IsShared => _shared;

    /// <summary>Wakes the follower of handed commands when another node hands one over (PostgreSQL's NOTIFY), or null: it polls.</summary>
    public Inventory.IChangeSignal? HandedCommands { get; set; }

    /// <summary>Wakes the takeover when another node stops gracefully and leaves its commands (PostgreSQL's NOTIFY), or null: it polls.</summary>
    public Inventory.IChangeSignal? ReleasedCommands { get; set; }

    /// <summary>How many idle Devices one rebalancing round moves to this node at most (one round every third of the lease).</summary>
    public const int RebalanceStep = 100;

    /// <summary>
    /// Takes idle Devices from the live node that owns the most while this node owns fewer than its fair share
    /// (<see cref="IRequestLogStore.RebalanceAsync"/>), at most <see cref="RebalanceStep"/> a round. Returns how many.
    /// </summary>
    public Task<int> RebalanceAsync(CancellationToken cancellationToken = default)
    {
        if (!_shared) return Task.FromResult(0);
        var now = _clock.GetUtcNow();
        return _store.RebalanceAsync(Owner, now, now + Lease, RebalanceStep, cancellationToken);
    }

    public void EndSequence(RequestId last)
    {
        _memory.EndSequence(last);
        if (_memory.TryGetStored(last, out var entry)) _changes.Writer.TryWrite(entry);
    }

    /// <summary>Waits until everything changed so far is written.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_changes.Writer.TryWrite(done)) return;
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteBehindAsync()
    {
        var requests = new Dictionary<RequestId, LoggedRequest>();
        // An entry replaced in this batch by a later request with the same ID (its ending, then the new admission): written
        // before it, so that the store sees the first request ended before the second is claimed (not E55 against it).
        var superseded = new List<LoggedRequest>();
        void Keep(LoggedRequest entry)
        {
            if (requests.TryGetValue(entry.Id, out var before) && before.Received < entry.Received) superseded.Add(before);
            requests[entry.Id] = entry;
        }
        var counters = new Dictionary<(Eui, Eui), Smets1Counter>();
        var commands = new List<AcceptedCommand>();
        var finished = new List<CommandKey>();
        var recordings = new List<Recording>();
        var claims = new List<RequestClaim>();
        var handOvers = new List<CommandHandOver>();
        var endedElsewhere = new List<CommandEnding>();
        var steppedDown = new List<CommandKey>();
        var flushed = new List<TaskCompletionSource>();
        void Drain()
        {
            while (requests.Count + counters.Count + finished.Count < 1000 && _changes.Reader.TryRead(out var change))
            {
                switch (change)
                {
                    case LoggedRequest r: Keep(r); break;
                    case Smets1Counter c: counters[(c.Originator, c.Target)] = c; break;
                    case Ending end:
                        if (end.Entry.Id != default) Keep(end.Entry);
                        if (end.Command is { } key) finished.Add(key);
                        break;
                    case Recording rec:
                        if (rec.Entry is { } entry) Keep(entry);
                        if (rec.Counter is { } counter) counters[(counter.Originator, counter.Target)] = counter;
                        if (rec.Command is { } command) commands.Add(command);
                        if (rec.Claim is { } claim) claims.Add(claim);
                        recordings.Add(rec);
                        break;
                    case CommandHandOver h: handOvers.Add(h); break;
                    case EndingElsewhere e: endedElsewhere.Add(e.Ending); break;
                    case SteppingDown d: steppedDown.Add(d.Command); break;
                    case TaskCompletionSource f: flushed.Add(f); break;
                }
            }
        }

        while (await _changes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain();
            if (requests.Count + counters.Count + commands.Count + finished.Count + claims.Count + handOvers.Count + endedElsewhere.Count + steppedDown.Count > 0)
            {
                var now = _clock.GetUtcNow();
                // A failed write (the database busy or away) is retried until it succeeds, or until disposal gives up;
                // but a request waiting to be acknowledged is told at once, and its command is not kept.
                while (true)
                {
                    try
                    {
                        var owners = _shared && commands.Count > 0 ? new Dictionary<Eui, DeviceFence>() : null;
                        var queuedBefore = _shared && commands.Exists(k => k.Schedule is not null) ? new HashSet<RequestId>() : null;
                        var refused = await _store.WriteAsync(new RequestLogBatch([.. superseded, .. requests.Values], [.. counters.Values], commands, finished, Owner, now + Lease)
                            {
                                Claims = claims, HeldSince = now - _hold, Now = now, DeviceOwners = owners, HandOvers = handOvers, EndedElsewhere = endedElsewhere,
                                SteppedDown = steppedDown, QueuedBefore = queuedBefore,
                            }).ConfigureAwait(false);
                        var refusals = refused.ToDictionary(x => x.Id);
                        foreach (var c in counters.Values) KeepDurable(c.Originator, c.Target, c.Counter);
                        foreach (var claim in claims)
                            if (claim.Smets1Target && !refusals.ContainsKey(claim.Entry.Id)) KeepDurable(claim.Entry.Id.Originator, claim.Entry.Id.Target, claim.Entry.Id.Counter);
                        foreach (var r in recordings)
                        {
                            if (r.Command is { } recorded && owners is not null && owners.TryGetValue(recorded.RequestId.Target, out var lease))
                                r.Holding = lease.Owner == Owner ? new DeviceHolding(null, lease) : new DeviceHolding(lease.Owner, null);
                            if (r.Command is { Schedule: not null } occurrence && queuedBefore?.Contains(occurrence.RequestId) == true)
                                r.Holding = new DeviceHolding(null, null, QueuedBefore: true);
                            r.Done.TrySetResult(r.Claim is { } claim && refusals.TryGetValue(claim.Entry.Id, out var refusal) ? refusal : null);
                        }
                        _health?.Succeeded(Component);
                        break;
                    }
                    catch (Exception e) when (Volatile.Read(ref _disposed) == 0)
                    {
                        // Said once per change of state (StorageHealth), not at every retry.
                        _health?.Failed(Component, e);
                        if (recordings.Count > 0)
                        {
                            // Before the 503 is answered, so that the same request sent again is not E63.
                            RollBackCounters(recordings, counters);
                            foreach (var r in recordings)
                                r.Done.TrySetException(new RequestNotRecordedException($"The request could not be recorded in the request log: {e.Message}", e));
                            recordings.Clear();
                            commands.Clear();
                            claims.Clear();
                        }
                        await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
                        // What arrived meanwhile joins the batch: a request waiting to be acknowledged is answered by
                        // the next attempt, not left waiting until the database comes back.
                        Drain();
                    }
                    catch (Exception e)
                    {
                        foreach (var r in recordings)
                            r.Done.TrySetException(new RequestNotRecordedException($"The request could not be recorded in the request log: {e.Message}", e));
                        throw;
                    }
                }
                requests.Clear();
                superseded.Clear();
                counters.Clear();
                commands.Clear();
                finished.Clear();
                recordings.Clear();
                claims.Clear();
                handOvers.Clear();
                endedElsewhere.Clear();
                steppedDown.Clear();
            }
            await RenewIfDueAsync().ConfigureAwait(false);
            await PruneIfDueAsync().ConfigureAwait(false);
            foreach (var f in flushed) f.TrySetResult();
            flushed.Clear();
        }
    }

    private void KeepDurable(Eui originator, Eui target, ulong counter)
    {
        var key = (originator, target);
        if (!_durableCounters.TryGetValue(key, out var kept) || kept < counter) _durableCounters[key] = counter;
    }

    /// <summary>
    /// E63: a SMETS1 request whose record failed is answered 503, not acknowledged, so the counter its
    /// admission raised in memory is taken back to what the store holds (unless a later admission raised
    /// it further), and the batch still to be retried does not carry it into the store.
    /// </summary>
    private void RollBackCounters(List<Recording> failed, Dictionary<(Eui, Eui), Smets1Counter> counters)
    {
        foreach (var r in failed)
        {
            if (!r.RaisedSmets1Counter) continue;
            var key = (r.Id.Originator, r.Id.Target);
            ulong? durable = _durableCounters.TryGetValue(key, out var d) ? d : null;
            _memory.RollBackSmets1Counter(r.Id.Originator, r.Id.Target, r.Id.Counter, durable);
            if (_memory.TryGetLastSmets1Counter(r.Id.Originator, r.Id.Target, out var now) && (durable is null || now > durable))
                counters[key] = new Smets1Counter(r.Id.Originator, r.Id.Target, now);
            else counters.Remove(key);
        }
    }

    /// <summary>Keeps this node's queued commands its own while it runs (another node takes them only once the lease runs out).</summary>
    private async Task RenewIfDueAsync()
    {
        var now = _clock.GetUtcNow();
        if (now < _nextRenewal) return;
        _nextRenewal = now + Lease / 3;
        try
        {
            await _store.RenewCommandsAsync(Owner, now + Lease).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Tried again at the next renewal; a lease that runs out only lets another node take the commands.
        }
    }

    /// <summary>
    /// Keeps the store to what a restart would load, as the sweep keeps memory: without it the table
    /// grew by every request for ever (about 40 GB a day at 3,000 requests/s). A failure is tried
    /// again at the next interval; nothing depends on a row being gone.
    /// </summary>
    private async Task PruneIfDueAsync()
    {
        var now = _clock.GetUtcNow();
        if (now < _nextPrune) return;
        _nextPrune = now + PruneInterval;
        try
        {
            await _store.PruneAsync(now - _retention, now - _unlinkedRetention).ConfigureAwait(false);
        }
        catch (Exception) when (Volatile.Read(ref _disposed) == 0)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _renewal.DisposeAsync().ConfigureAwait(false);
        _changes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (!_shared) return;
        // A graceful stop: every ending is written, so what is left queued is unfinished. The other nodes take it, and the
        // Devices, at once instead of when the lease runs out; one that fails here leaves them to the lease, as a crash does.
        try
        {
            await _store.ReleaseAsync(Owner).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _health?.Failed(Component, e);
        }
    }

    public override string ToString() => $"{_memory} (durable, {Pending} pending)";
}
