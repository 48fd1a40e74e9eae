using System.Text.Json;
using System.Text.Json.Serialization;
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
