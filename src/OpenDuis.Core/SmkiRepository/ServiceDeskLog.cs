namespace OpenDuis.Core.SmkiRepository;

/// <summary>Where the service-desk log is kept (an in-memory one below; database ones live in OpenDuis.Storage).</summary>
public interface IServiceDeskLogStore
{
    Task AddAsync(ServiceDeskRequest request, CancellationToken cancellationToken = default);
    Task UpdateAsync(ServiceDeskRequest request, CancellationToken cancellationToken = default);
    Task<ServiceDeskRequest?> FindAsync(ServiceDeskRequestId id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<ServiceDeskRequest>> AllAsync(CancellationToken cancellationToken = default);
}

internal sealed class InMemoryServiceDeskLogStore : IServiceDeskLogStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ServiceDeskRequestId, ServiceDeskRequest> _requests = [];

    public Task AddAsync(ServiceDeskRequest request, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_requests.TryAdd(request.Id, request))
                throw new InvalidOperationException($"Service desk request {request.Id} is already logged.");
        }
        return Task.CompletedTask;
    }

    public Task UpdateAsync(ServiceDeskRequest request, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_requests.ContainsKey(request.Id))
                throw new KeyNotFoundException($"Service desk request {request.Id} is not logged.");
            _requests[request.Id] = request;
        }
        return Task.CompletedTask;
    }

    public Task<ServiceDeskRequest?> FindAsync(ServiceDeskRequestId id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_requests.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<ServiceDeskRequest>> AllAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<ServiceDeskRequest>>([.. _requests.Values.OrderBy(r => r.ReceivedAt)]);
    }
}

/// <summary>
/// The Service Desk's log of SMKI Repository requests made other than via a DCC Gateway Connection
/// (Appendix P 2.2): who asked, by which channel, for what, and what was provided and how.
/// </summary>
public sealed class ServiceDeskLog(IServiceDeskLogStore store, TimeProvider clock)
{
    public async Task<Ruling<ServiceDeskRequest>> LogRequestAsync(
        ServiceDeskRequester requester, ServiceDeskChannel channel, RepositoryAccessPurpose purpose, IReadOnlyList<string> requested,
        CancellationToken cancellationToken = default)
    {
        if (requested.Count == 0 || requested.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("Name each Certificate or document requested.", nameof(requested));
        if (ServiceDeskRules.CheckRequest(requester, channel) is { } refusal) return refusal;
        var request = new ServiceDeskRequest(ServiceDeskRequestId.New(), requester, channel, purpose,
            [.. requested.Select(r => r.Trim())], clock.GetUtcNow(), []);
        await store.AddAsync(request, cancellationToken);
        return Ruling<ServiceDeskRequest>.Allow(request);
    }

    public async Task<Ruling<ServiceDeskRequest>> RecordProvisionAsync(
        ServiceDeskRequestId id, IReadOnlyList<string> items, ProvisionMedium medium, CancellationToken cancellationToken = default)
    {
        var request = await store.FindAsync(id, cancellationToken)
            ?? throw new KeyNotFoundException($"Service desk request {id} is not logged.");
        if (items.Count == 0 || items.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("Name each Certificate or document provided.", nameof(items));
        var now = clock.GetUtcNow();
        if (ServiceDeskRules.CheckProvision(request, medium, now) is { } refusal) return refusal;
        var sentTo = medium == ProvisionMedium.Email ? request.Requester.EmailAddress : null;
        var updated = request with { Provided = [.. request.Provided, new Provision([.. items.Select(i => i.Trim())], medium, sentTo, now)] };
        await store.UpdateAsync(updated, cancellationToken);
        return Ruling<ServiceDeskRequest>.Allow(updated);
    }
}
