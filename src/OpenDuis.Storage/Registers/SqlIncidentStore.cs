using OpenDuis.Core.Incidents;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Registers;

/// <summary>The security incident register (SEC G) in the data folder's database.</summary>
internal sealed class SqlIncidentStore(SqlConnectionSource connections) : IIncidentStore
{
    private readonly RegisterTable<SecurityIncident> _table = new(connections, "security_incidents", ("detected_us", "At"));

    Task IIncidentStore.AddAsync(SecurityIncident incident, CancellationToken cancellationToken) =>
        _table.AddAsync(Args(incident), $"Incident {incident.Id} is already recorded.", cancellationToken);

    Task IIncidentStore.UpdateAsync(SecurityIncident incident, CancellationToken cancellationToken) =>
        _table.UpdateAsync(Args(incident), $"Incident {incident.Id} is not recorded.", cancellationToken);

    Task<SecurityIncident?> IIncidentStore.FindAsync(IncidentId id, CancellationToken cancellationToken) => _table.FindAsync(id.ToString(), cancellationToken);

    Task<IReadOnlyList<SecurityIncident>> IIncidentStore.AllAsync(CancellationToken cancellationToken) => _table.ListAsync(cancellationToken);

    private static object Args(SecurityIncident incident) => new
    {
        Id = incident.Id.ToString(),
        At = Db.Micros(incident.DetectedAt),
        Document = RegisterDocuments.Write(incident),
    };
}
