using System.Data.Common;
using Dapper;
using OpenDuis.Core.Incidents;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The security incident register (SEC G) in the data folder's database.</summary>
public sealed class SqlIncidentStore(SqlConnectionSource connections) : IIncidentStore
{
    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    async Task IIncidentStore.AddAsync(SecurityIncident incident, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var added = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO security_incidents (id, detected_us, document) VALUES (@Id, @At, @Document) ON CONFLICT (id) DO NOTHING",
            new { Id = incident.Id.ToString(), At = Db.Micros(incident.DetectedAt), Document = RegisterDocuments.Write(incident) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (added == 0) throw new InvalidOperationException($"Incident {incident.Id} is already recorded.");
    }

    async Task IIncidentStore.UpdateAsync(SecurityIncident incident, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE security_incidents SET detected_us = @At, document = @Document WHERE id = @Id",
            new { Id = incident.Id.ToString(), At = Db.Micros(incident.DetectedAt), Document = RegisterDocuments.Write(incident) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"Incident {incident.Id} is not recorded.");
    }

    async Task<SecurityIncident?> IIncidentStore.FindAsync(IncidentId id, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT document FROM security_incidents WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : RegisterDocuments.Read<SecurityIncident>(document, "security_incidents");
    }

    async Task<IReadOnlyList<SecurityIncident>> IIncidentStore.AllAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM security_incidents ORDER BY detected_us, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => RegisterDocuments.Read<SecurityIncident>(d, "security_incidents"))];
    }
}
