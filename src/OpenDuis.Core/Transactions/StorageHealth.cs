namespace OpenDuis.Core.Transactions;

/// <summary>
/// Whether the database takes writes, as the components that write to it find: each reports a failed
/// write and the next one that succeeds. While any is failing, requests that would have to be recorded
/// are refused (HTTP 503 with the reason: the DUIS has no Response Code for a failure of the DCC's
/// own) instead of acknowledged I99, and /health says so. <see cref="Changed"/> fires once per
/// component and change of state, so the log says it once, not at every retry. Thread-safe.
/// </summary>
public sealed class StorageHealth(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _failing = new(StringComparer.Ordinal);
    private volatile Failure? _failure;

    /// <summary>A component began failing (with the reason) or recovered (reason null).</summary>
    public event Action<StorageHealthChange>? Changed;

    /// <summary>The first failure still in force, or null while every component writes.</summary>
    public Failure? Current => _failure;

    public void Failed(string component, Exception exception)
    {
        var reason = exception.GetBaseException().Message;
        lock (_gate)
        {
            if (_failing.ContainsKey(component)) return;
            _failing[component] = reason;
            _failure ??= new Failure(component, reason, _clock.GetUtcNow());
        }
        Changed?.Invoke(new StorageHealthChange(component, reason, exception));
    }

    public void Succeeded(string component)
    {
        if (_failure is null) return;
        lock (_gate)
        {
            if (!_failing.Remove(component)) return;
            _failure = _failing.Count == 0 ? null
                : _failure!.Component != component ? _failure
                : _failing.Select(f => new Failure(f.Key, f.Value, _clock.GetUtcNow())).First();
        }
        Changed?.Invoke(new StorageHealthChange(component, null, null));
    }

    /// <param name="Component">What could not write (the request log, the outbox …).</param>
    /// <param name="Reason">The database's own words (e.g. "database or disk is full").</param>
    public sealed record Failure(string Component, string Reason, DateTimeOffset Since)
    {
        public override string ToString() => $"the {Component} cannot be written to the database since {Since:u}: {Reason}";
    }
}

/// <param name="Failure">Why the component began failing; null when it recovered.</param>
public readonly record struct StorageHealthChange(string Component, string? Failure, Exception? Exception);

/// <summary>
/// A cheap real write to the database (a heartbeat row), made every few seconds by the server's storage
/// probe so that a database that stops taking writes is reported to <see cref="StorageHealth"/> while no
/// request comes, not first by the next request.
/// </summary>
public interface IStorageHeartbeat
{
    /// <summary>Records that <paramref name="node"/> wrote at <paramref name="at"/>; throws what the database says when it cannot.</summary>
    Task BeatAsync(string node, DateTimeOffset at, CancellationToken cancellationToken = default);
}
