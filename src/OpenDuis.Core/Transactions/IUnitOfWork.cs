namespace OpenDuis.Core.Transactions;

/// <summary>
/// One database transaction across the stores that share a data folder's database (the SMI, the
/// DCC Schedules and the outbox): every call those stores make inside <see cref="RunAsync"/>, in the
/// same async flow, is part of it. R-WS-2 asks that the DCC Alerts a state change produces are written
/// "in the same transaction as the state change": an inventory request's SMI change, the schedules it
/// ends and the alerts both raise commit together or not at all.
/// </summary>
/// <remarks>
/// Chosen over an event table and relay (the change writes an event row; a relay turns it into
/// alerts later): a relay would need stable, derived ResponseIDs for every producer, a second worker,
/// and would answer the User I0 before knowing the alerts could be written. Here a failure is known
/// before the answer: the request is answered with an error and nothing is left half-written.
/// Outside a unit of work every store behaves as before (one transaction per call).
/// </remarks>
public interface IUnitOfWork
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction: committed when it returns, rolled back when it
    /// throws (the exception propagates). A unit of work started inside another on the same database
    /// joins it. Actions registered with <see cref="UnitOfWorkContext.AfterCommit"/> run once it commits.
    /// </summary>
    Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);
}

/// <summary>
/// For stores without a shared transaction (in memory): the work runs as it is, and its after-commit
/// actions run when it returns without throwing.
/// </summary>
internal sealed class NoUnitOfWork : IUnitOfWork
{
    public static NoUnitOfWork Instance { get; } = new();

    private NoUnitOfWork()
    {
    }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (UnitOfWorkContext.IsActive) return await work(cancellationToken).ConfigureAwait(false);
        using var frame = UnitOfWorkContext.Open();
        var result = await work(cancellationToken).ConfigureAwait(false);
        frame.Committed();
        return result;
    }
}

/// <summary>
/// The unit of work running in this async flow, as code outside the stores sees it: in-memory views
/// (the <see cref="Inventory.SmiCache"/>) must change only once the database has, so they defer their
/// updates with <see cref="AfterCommit"/>.
/// </summary>
public static class UnitOfWorkContext
{
    private static readonly AsyncLocal<Frame?> Current = new();

    /// <summary>Whether a unit of work is open in this async flow.</summary>
    public static bool IsActive => Current.Value is { IsOpen: true };

    /// <summary>Runs <paramref name="action"/> once the open unit of work commits (never, if it rolls back); at once when none is open.</summary>
    public static void AfterCommit(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Current.Value is { IsOpen: true } frame) frame.Add(action);
        else action();
    }

    /// <summary>
    /// For <see cref="IUnitOfWork"/> implementations: opens the frame after-commit actions collect in,
    /// for the rest of the calling async method. Call <see cref="Frame.Committed"/> after the commit;
    /// disposing closes it (dropping the actions if it was not committed).
    /// </summary>
    public static Frame Open()
    {
        var frame = new Frame();
        Current.Value = frame;
        return frame;
    }

    public sealed class Frame : IDisposable
    {
        private readonly List<Action> _actions = [];
        private readonly Lock _gate = new();

        internal Frame()
        {
        }

        /// <summary>False once committed or disposed: a task started inside the work that outlives it no longer joins it.</summary>
        public bool IsOpen { get; private set; } = true;

        internal void Add(Action action)
        {
            lock (_gate) _actions.Add(action);
        }

        /// <summary>The transaction committed: runs the deferred actions in the order they were registered.</summary>
        public void Committed()
        {
            Action[] actions;
            lock (_gate)
            {
                IsOpen = false;
                actions = [.. _actions];
                _actions.Clear();
            }
            foreach (var action in actions) action();
        }

        public void Dispose()
        {
            lock (_gate)
            {
                IsOpen = false;
                _actions.Clear();
            }
        }
    }
}
