using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using OpenDuis.Core.Notices;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Registers;

/// <summary>
/// The registers (incidents, notices, the service-desk log) keep each entry as one JSON document beside
/// the columns they are looked up by: the same serialisation for all three.
/// </summary>
internal static class RegisterDocuments
{
    private static readonly JsonSerializerOptions RegisterJson = new()
    {
        Converters = { new JsonStringEnumConverter(), new EuiJsonConverter(), new NoticeTypeJsonConverter() },
    };

    public static string Write<T>(T entry) => JsonSerializer.Serialize(entry, RegisterJson);

    public static T Read<T>(string document, string table) =>
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

/// <summary>
/// One register's table: its entries by id, each kept whole as a <see cref="RegisterDocuments"/> JSON
/// document beside the columns it is looked up and ordered by (<paramref name="columns"/>, each with its
/// parameter name; the first orders a listing).
/// </summary>
internal sealed class RegisterTable<T>(SqlConnectionSource connections, string table, params (string Column, string Parameter)[] columns) where T : class
{
    private readonly string _insert =
        $"INSERT INTO {table} (id, {string.Join(", ", columns.Select(c => c.Column))}, document) " +
        $"VALUES (@Id, {string.Join(", ", columns.Select(c => "@" + c.Parameter))}, @Document) ON CONFLICT (id) DO NOTHING";
    private readonly string _update =
        $"UPDATE {table} SET {string.Join(", ", columns.Select(c => $"{c.Column} = @{c.Parameter}"))}, document = @Document WHERE id = @Id";
    private readonly string _order = $" ORDER BY {columns[0].Column}, id";

    /// <summary>Adds an entry; <paramref name="args"/> holds Id, Document and the columns' parameters.</summary>
    public async Task AddAsync(object args, string alreadyThere, CancellationToken cancellationToken)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(_insert, args, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
            throw new InvalidOperationException(alreadyThere);
    }

    public async Task UpdateAsync(object args, string notThere, CancellationToken cancellationToken)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(_update, args, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
            throw new KeyNotFoundException(notThere);
    }

    public async Task<T?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        var document = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            $"SELECT document FROM {table} WHERE id = @Id", new { Id = id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return document is null ? null : RegisterDocuments.Read<T>(document, table);
    }

    /// <summary>The entries (those <paramref name="where"/> selects, when given), in the order of the first column.</summary>
    public async Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken, string? where = null, object? args = null)
    {
        await using var c = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        var documents = await c.QueryAsync<string>(new CommandDefinition(
            $"SELECT document FROM {table}" + (where is null ? "" : " WHERE " + where) + _order, args, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. documents.Select(d => RegisterDocuments.Read<T>(d, table))];
    }
}
