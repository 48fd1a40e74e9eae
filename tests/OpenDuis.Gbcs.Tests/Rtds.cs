using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests;

/// <summary>The RTDS 4.5.0 GBCS messages (../shared/reference/rtds-gbcs/RTDS-4.5.0), by kind.</summary>
internal static class Rtds
{
    public static string Folder => RepoPaths.ReferencePath("rtds-gbcs", "RTDS-4.5.0");

    /// <summary>Every response (*_RESPONSE_GBCS.HEX) and alert (*ALERT*), the set Parse must read.</summary>
    public static IReadOnlyList<string> ResponsesAndAlerts() =>
        Directory.EnumerateFiles(Folder, "*.HEX", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).EndsWith("_RESPONSE_GBCS.HEX", StringComparison.Ordinal) || Path.GetFileName(f).Contains("ALERT", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<(string PreCommand, string Command)> PreCommandPairs() =>
        Directory.EnumerateFiles(Folder, "*_PRECOMMAND_GBCS.HEX", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => (p, p.Replace("_PRECOMMAND_GBCS.HEX", "_COMMAND_GBCS.HEX", StringComparison.Ordinal))).ToList();

    public static byte[] Read(string path) => Convert.FromHexString(File.ReadAllText(path).Trim());

    public static string Name(string path) => Path.GetFileName(path);
}
