using System.Globalization;
using System.Text.Json;
using OpenDuis.Core.Alerts;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Hosting;

/// <summary>
/// One Anomaly Detection Threshold on volume: a User's own (SEC G6.3: each User sets its thresholds)
/// or, with no User, the DCC's over all Users (SEC G6.4).
/// </summary>
public sealed record AnomalyThreshold(Eui? User, VolumeThreshold Threshold)
{
    public override string ToString() =>
        $"{(User is { } u ? u.ToString() : "DCC")} {Threshold.Variant}: at most {Threshold.MaxRequests} in {Threshold.Period.ToString("c", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The data folder's Anomaly Detection Thresholds, kept in <c>anomaly-thresholds.json</c> beside the
/// settings: <c>openduis anomaly-threshold</c> writes them, <c>openduis serve</c> reads them at start.
/// </summary>
public static class AnomalyThresholdFile
{
    public const string FileName = "anomaly-thresholds.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record Row(string? User, string Variant, int MaxRequests, string Period);

    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>The thresholds in <paramref name="folder"/> (none when the file is absent); a malformed file is refused with the reason.</summary>
    public static IReadOnlyList<AnomalyThreshold> Load(string folder)
    {
        var path = PathIn(folder);
        if (!File.Exists(path)) return [];
        try
        {
            var rows = JsonSerializer.Deserialize<Row[]>(File.ReadAllText(path), Json) ?? [];
            return rows.Select(r => new AnomalyThreshold(r.User is null ? null : Eui.Parse(r.User),
                new VolumeThreshold(ServiceReferenceVariant.Parse(r.Variant, CultureInfo.InvariantCulture), r.MaxRequests,
                    TimeSpan.ParseExact(r.Period, "c", CultureInfo.InvariantCulture)))).ToArray();
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{path}: not a list of Anomaly Detection Thresholds ({e.Message}).", e);
        }
    }

    /// <summary>Writes the thresholds, replacing the file atomically.</summary>
    public static void Save(string folder, IEnumerable<AnomalyThreshold> thresholds)
    {
        var rows = thresholds.OrderBy(t => t.User?.Value ?? 0).ThenBy(t => t.Threshold.Variant)
            .Select(t => new Row(t.User?.ToString(), t.Threshold.Variant.ToString(), t.Threshold.MaxRequests,
                t.Threshold.Period.ToString("c", CultureInfo.InvariantCulture)))
            .ToArray();
        var path = PathIn(folder);
        var temporary = path + ".tmp";
        // In the owner-only data folder: 0600 like the rest of it, so the next start has nothing to narrow.
        Protocol.Keys.OwnerOnly.WriteAllText(temporary, JsonSerializer.Serialize(rows, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Replaces the threshold for the same User (or the DCC) and variant, or removes it when <paramref name="threshold"/> is null.</summary>
    public static IReadOnlyList<AnomalyThreshold> With(IReadOnlyList<AnomalyThreshold> current, Eui? user, ServiceReferenceVariant variant, VolumeThreshold? threshold)
    {
        var kept = current.Where(t => !(t.User == user && t.Threshold.Variant == variant)).ToList();
        if (threshold is not null) kept.Add(new AnomalyThreshold(user, threshold));
        return kept;
    }

    /// <summary>A detector counting against <paramref name="thresholds"/>.</summary>
    public static AnomalyDetector Detector(IEnumerable<AnomalyThreshold> thresholds, TimeProvider clock)
    {
        var detector = new AnomalyDetector(clock);
        foreach (var t in thresholds)
        {
            if (t.User is { } user) detector.SetUserThreshold(user, t.Threshold.Variant, t.Threshold);
            else detector.SetDccThreshold(t.Threshold.Variant, t.Threshold);
        }
        return detector;
    }
}
