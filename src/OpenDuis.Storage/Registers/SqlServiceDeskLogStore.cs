using System.Data.Common;
using Dapper;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The SMKI Repository service-desk log in the data folder's database.</summary>
public sealed class SqlServiceDeskLogStore(SqlConnectionSource connections) : IServiceDeskLogStore
{
    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    async Task IServiceDeskLogStore.AddAsync(ServiceDeskRequest request, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var added = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO service_desk_requests (id, received_us, document) VALUES (@Id, @At, @Document) ON CONFLICT (id) DO NOTHING",
            ServiceDeskArgs(request), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (added == 0) throw new InvalidOperationException($"Service desk request {request.Id} is already logged.");
    }

    async Task IServiceDeskLogStore.UpdateAsync(ServiceDeskRequest request, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE service_desk_requests SET received_us = @At, document = @Document WHERE id = @Id",
            ServiceDeskArgs(request), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"Service desk request {request.Id} is not logged.");
    }

    async Task<ServiceDeskRequest?> IServiceDeskLogStore.FindAsync(ServiceDeskRequestId id, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT document FROM service_desk_requests WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : RegisterDocuments.Read<ServiceDeskRequest>(document, "service_desk_requests");
    }

    async Task<IReadOnlyList<ServiceDeskRequest>> IServiceDeskLogStore.AllAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM service_desk_requests ORDER BY received_us, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => RegisterDocuments.Read<ServiceDeskRequest>(d, "service_desk_requests"))];
    }

    private static object ServiceDeskArgs(ServiceDeskRequest request) => new
    {
        Id = request.Id.ToString(),
        At = Db.Micros(request.ReceivedAt),
        Document = RegisterDocuments.Write(request),
    };
}
