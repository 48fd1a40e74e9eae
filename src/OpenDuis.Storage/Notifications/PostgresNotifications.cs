using Dapper;
using Npgsql;
using OpenDuis.Core.Inventory;

namespace OpenDuis.Storage.Notifications;

/// <summary>
/// LISTENs on one PostgreSQL channel on a connection of its own (held open, outside the request path)
/// and turns each notification for this node's schema into a wake-up (<see cref="IChangeSignal"/>).
/// The writers NOTIFY in their own transaction (by trigger), so the notification comes at commit, never
/// before the change is visible. A lost connection is opened again after a second; meanwhile followers
/// fall back to their poll.
/// </summary>
public sealed class PostgresNotifications : IChangeSignal, IAsyncDisposable
{
    /// <summary>The channel the inventory's triggers notify (migration 0025), with the schema as payload.</summary>
    public const string SmiChannel = "openduis_smi_changes";

    /// <summary>The channel a node notifies when it hands a command to the node that owns its Device (migration 0026), with the schema as payload.</summary>
    public const string CommandChannel = "openduis_device_commands";

    /// <summary>
    /// The channel a node notifies when it leaves commands to the others before their lease runs out (it stops
    /// gracefully, or was fenced off them), with the schema as payload: the others take them over at once.
    /// </summary>
    public const string ReleaseChannel = "openduis_device_commands_released";

    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _listening;
    private volatile bool _isListening;

    public PostgresNotifications(NpgsqlDataSource dataSource, string channel)
    {
        _dataSource = dataSource;
        _channel = channel;
        _listening = Task.Run(ListenAsync);
    }

    public bool IsListening => _isListening;

    /// <summary>Notifications taken since start (for tests and metrics).</summary>
    public long Received => Interlocked.Read(ref _received);
    private long _received;

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => _changed.WaitAsync(timeout, cancellationToken);

    private void Signal()
    {
        Interlocked.Increment(ref _received);
        try
        {
            if (_changed.CurrentCount == 0) _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up reads everything committed.
        }
    }

    private async Task ListenAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(_stopping.Token).ConfigureAwait(false);
                // Nodes on other schemas of the same database notify the same channel: only this schema's changes wake.
                var schema = await connection.ExecuteScalarAsync<string>("SELECT current_schema()").ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == schema) Signal();
                };
                await connection.ExecuteAsync($"LISTEN {_channel}").ConfigureAwait(false);
                _isListening = true;
                // Anything committed while no one listened is read by the follower's next read: wake it once.
                Signal();
                while (true) await connection.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or InvalidOperationException or TimeoutException)
            {
                _isListening = false;
                try { await Task.Delay(Reconnect, _stopping.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
        _isListening = false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listening.ConfigureAwait(false);
        _stopping.Dispose();
        _changed.Dispose();
    }
}
