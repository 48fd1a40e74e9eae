using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using OpenDuis.Core.Incidents;
using OpenDuis.Core.Notices;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>The security incident register, the notices register and the service-desk log in the data folder's database.</summary>
public abstract partial class SqlSmiStore : IIncidentStore, INoticeStore, IServiceDeskLogStore
{
    private static readonly JsonSerializerOptions RegisterJson = new()
    {
        Converters = { new JsonStringEnumConverter(), new EuiJsonConverter(), new NoticeTypeJsonConverter() },
    };

    // ---- Security incidents ----------------------------------------------------------------------

    async Task IIncidentStore.AddAsync(SecurityIncident incident, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var added = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO security_incidents (id, detected_us, document) VALUES (@Id, @At, @Document) ON CONFLICT (id) DO NOTHING",
            new { Id = incident.Id.ToString(), At = Db.Micros(incident.DetectedAt), Document = JsonSerializer.Serialize(incident, RegisterJson) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (added == 0) throw new InvalidOperationException($"Incident {incident.Id} is already recorded.");
    }

    async Task IIncidentStore.UpdateAsync(SecurityIncident incident, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE security_incidents SET detected_us = @At, document = @Document WHERE id = @Id",
            new { Id = incident.Id.ToString(), At = Db.Micros(incident.DetectedAt), Document = JsonSerializer.Serialize(incident, RegisterJson) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"Incident {incident.Id} is not recorded.");
    }

    async Task<SecurityIncident?> IIncidentStore.FindAsync(IncidentId id, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT document FROM security_incidents WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : Read<SecurityIncident>(document, "security_incidents");
    }

    async Task<IReadOnlyList<SecurityIncident>> IIncidentStore.AllAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM security_incidents ORDER BY detected_us, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => Read<SecurityIncident>(d, "security_incidents"))];
    }

    // ---- Notices ---------------------------------------------------------------------------------

    async Task INoticeStore.AddAsync(NoticeRecord notice, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var added = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO notices (id, recipient, sent_us, document) VALUES (@Id, @To, @At, @Document) ON CONFLICT (id) DO NOTHING",
            NoticeArgs(notice), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (added == 0) throw new InvalidOperationException($"Notice {notice.Id} is already recorded.");
    }

    async Task INoticeStore.UpdateAsync(NoticeRecord notice, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE notices SET recipient = @To, sent_us = @At, document = @Document WHERE id = @Id",
            NoticeArgs(notice), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"Notice {notice.Id} is not recorded.");
    }

    async Task<NoticeRecord?> INoticeStore.FindAsync(NoticeId id, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT document FROM notices WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : Read<NoticeRecord>(document, "notices");
    }

    async Task<IReadOnlyList<NoticeRecord>> INoticeStore.ToPartyAsync(Eui recipient, CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM notices WHERE recipient = @To ORDER BY sent_us, id", new { To = Db.Key(recipient) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => Read<NoticeRecord>(d, "notices"))];
    }

    // ---- SMKI Repository service-desk log ----------------------------------------------------------

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
        return document is null ? null : Read<ServiceDeskRequest>(document, "service_desk_requests");
    }

    async Task<IReadOnlyList<ServiceDeskRequest>> IServiceDeskLogStore.AllAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT document FROM service_desk_requests ORDER BY received_us, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => Read<ServiceDeskRequest>(d, "service_desk_requests"))];
    }

    private static object ServiceDeskArgs(ServiceDeskRequest request) => new
    {
        Id = request.Id.ToString(),
        At = Db.Micros(request.ReceivedAt),
        Document = JsonSerializer.Serialize(request, RegisterJson),
    };

    private static object NoticeArgs(NoticeRecord notice) => new
    {
        Id = notice.Id.ToString(),
        To = Db.Key(notice.To),
        At = Db.Micros(notice.SentAt),
        Document = JsonSerializer.Serialize(notice, RegisterJson),
    };

    private static T Read<T>(string document, string table) =>
        JsonSerializer.Deserialize<T>(document, RegisterJson) ?? throw new InvalidDataException($"An empty document in {table}.");

    private sealed class EuiJsonConverter : JsonConverter<Eui>
    {
        public override Eui Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Eui.TryParse(reader.GetString(), out var eui) ? eui : throw new JsonException($"'{reader.GetString()}' is not an EUI-64.");

        public override void Write(Utf8JsonWriter writer, Eui value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    /// <summary>A notice type is its (lower-case) name; a struct would otherwise be read back empty.</summary>
    private sealed class NoticeTypeJsonConverter : JsonConverter<NoticeType>
    {
        public override NoticeType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.GetString() ?? throw new JsonException("A notice type has no name."));

        public override void Write(Utf8JsonWriter writer, NoticeType value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
    }
}
