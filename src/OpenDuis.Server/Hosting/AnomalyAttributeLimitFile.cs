using System.Globalization;
using System.Text.Json;
using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// The data folder's Anomaly Detection attribute limits (SEC Section A, "Threshold Anomaly Detection"
/// (b)(ii)), kept in <c>anomaly-attribute-limits.json</c>: <c>openduis anomaly-threshold limit</c>
/// writes them, <c>openduis serve</c> reads them at start; a request beyond one is quarantined (N48).
/// </summary>
public static class AnomalyAttributeLimitFile
{
    public const string FileName = "anomaly-attribute-limits.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record Row(string Variant, string Element, decimal Maximum);

    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>The limits in <paramref name="folder"/> (none when the file is absent); a malformed file is refused with the reason.</summary>
    public static IReadOnlyList<AttributeLimit> Load(string folder)
    {
        var path = PathIn(folder);
        if (!File.Exists(path)) return [];
        try
        {
            var rows = JsonSerializer.Deserialize<Row[]>(File.ReadAllText(path), Json) ?? [];
            return rows.Select(r => new AttributeLimit(ServiceReferenceVariant.Parse(r.Variant, CultureInfo.InvariantCulture), r.Element, r.Maximum)).ToArray();
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{path}: not a list of Anomaly Detection attribute limits ({e.Message}).", e);
        }
    }

    /// <summary>Writes the limits, replacing the file atomically.</summary>
    public static void Save(string folder, IEnumerable<AttributeLimit> limits)
    {
        var rows = limits.OrderBy(l => l.Variant).ThenBy(l => l.Element, StringComparer.Ordinal)
            .Select(l => new Row(l.Variant.ToString(), l.Element, l.Maximum)).ToArray();
        var path = PathIn(folder);
        var temporary = path + ".tmp";
        // In the owner-only data folder: 0600 like the rest of it, so the next start has nothing to narrow.
        Protocol.Keys.OwnerOnly.WriteAllText(temporary, JsonSerializer.Serialize(rows, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Replaces the limit of the same variant and element, or removes it when <paramref name="maximum"/> is null.</summary>
    public static IReadOnlyList<AttributeLimit> With(IReadOnlyList<AttributeLimit> current, ServiceReferenceVariant variant, string element, decimal? maximum)
    {
        var kept = current.Where(l => !(l.Variant == variant && l.Element == element)).ToList();
        if (maximum is { } max) kept.Add(new AttributeLimit(variant, element, max));
        return kept;
    }

    public static string Describe(AttributeLimit limit) =>
        $"DCC {limit.Variant}: {limit.Element} at most {limit.Maximum.ToString(CultureInfo.InvariantCulture)}";
}
