using OpenDuis.Core.SmkiRepository;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The SMKI Repository service-desk log in the data folder's database.</summary>
internal sealed class SqlServiceDeskLogStore(SqlConnectionSource connections) : IServiceDeskLogStore
{
    private readonly RegisterTable<ServiceDeskRequest> _table = new(connections, "service_desk_requests", ("received_us", "At"));

    Task IServiceDeskLogStore.AddAsync(ServiceDeskRequest request, CancellationToken cancellationToken) =>
        _table.AddAsync(Args(request), $"Service desk request {request.Id} is already logged.", cancellationToken);

    Task IServiceDeskLogStore.UpdateAsync(ServiceDeskRequest request, CancellationToken cancellationToken) =>
        _table.UpdateAsync(Args(request), $"Service desk request {request.Id} is not logged.", cancellationToken);

    Task<ServiceDeskRequest?> IServiceDeskLogStore.FindAsync(ServiceDeskRequestId id, CancellationToken cancellationToken) =>
        _table.FindAsync(id.ToString(), cancellationToken);

    Task<IReadOnlyList<ServiceDeskRequest>> IServiceDeskLogStore.AllAsync(CancellationToken cancellationToken) => _table.ListAsync(cancellationToken);

    private static object Args(ServiceDeskRequest request) => new
    {
        Id = request.Id.ToString(),
        At = Db.Micros(request.ReceivedAt),
        Document = RegisterDocuments.Write(request),
    };
}
