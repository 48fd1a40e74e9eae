namespace OpenDuis.Storage.Tests;

/// <summary>
/// The life of a store under a contract test: each test opens a fresh store (a new SQLite file or
/// PostgreSQL schema, chosen by the subclass), and disposes and drops it afterwards.
/// </summary>
public abstract class StoreContract<TStore> : IAsyncLifetime where TStore : class, IAsyncDisposable
{
    private TStore? _store;
    protected TStore Store => _store ?? throw new InvalidOperationException("store not opened");

    protected abstract Task<TStore> OpenStoreAsync();
    protected virtual ValueTask DropAsync() => ValueTask.CompletedTask;

    public async ValueTask InitializeAsync() => _store = await OpenStoreAsync();

    public async ValueTask DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        await DropAsync();
        GC.SuppressFinalize(this);
    }
}
