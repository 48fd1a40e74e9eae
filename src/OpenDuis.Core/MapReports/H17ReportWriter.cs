using System.Globalization;
using System.Text;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.MapReports;

/// <summary>A Registered Supplier Party of a Smart Meter and the date its registration is effective from (H17.5(f)).</summary>
public readonly record struct RegisteredSupplier(PartyId Supplier, DateOnly EffectiveFrom);

/// <summary>One Smart Meter's line of an H17 report, fields H17.5(a)–(g).</summary>
public sealed record MeterReportRow(
    Eui SmartMeterId,
    DeviceType SmartMeterType,
    string Model,
    string Manufacturer,
    string FirmwareVersion,
    SmiStatus SmiStatus,
    CspRegion? Region,
    IReadOnlyList<RegisteredSupplier> RegisteredSuppliers,
    string CommsHubMake,
    string CommsHubModel,
    string CommsHubFirmwareVersion);

/// <summary>
/// Writes an H17 report as CSV, one Smart Meter at a time, so memory stays flat however many meters
/// the recipient has. The file opens with the H17.6 confidentiality marking and the H17.7
/// undertakings as '#' comment lines, then a header row and the rows.
/// </summary>
internal static class H17ReportWriter
{
    public static readonly string[] Columns =
    [
        "smart_meter_id", "smart_meter_type", "smart_meter_model", "manufacturer", "firmware_version",
        "smi_status", "region", "registered_suppliers", "comms_hub_make", "comms_hub_model", "comms_hub_firmware_version",
    ];

    public static IReadOnlyList<string> ConfidentialityMarking(string recipient, DateTimeOffset generatedAt) =>
    [
        $"CONFIDENTIAL: SEC Section H17 report for {recipient}, generated {UkLocalTime.Format(generatedAt)}.",
        "H17.6: not to be shared with any third party apart from the Registered Supplier Party.",
        "H17.7: the recipient undertakes (a) to use the data only for its internal business purposes; (b) not to sell or commercially exploit it; (c) to keep it confidential in accordance with Section M4.",
    ];

    /// <returns>The number of Smart Meters written.</returns>
    public static async Task<long> WriteCsvAsync(
        IAsyncEnumerable<MeterReportRow> rows, TextWriter output, string recipient, DateTimeOffset generatedAt,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        foreach (var marking in ConfidentialityMarking(recipient, generatedAt))
            await output.WriteLineAsync($"# {marking}".AsMemory(), cancellationToken);
        await output.WriteLineAsync(string.Join(',', Columns).AsMemory(), cancellationToken);

        long count = 0;
        var line = new StringBuilder(256);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            line.Clear();
            Append(line, row);
            await output.WriteLineAsync(line, cancellationToken);
            if (++count % 10_000 == 0) progress?.Report(count);
        }
        progress?.Report(count);
        await output.FlushAsync(cancellationToken);
        return count;
    }

    private static void Append(StringBuilder line, MeterReportRow row)
    {
        line.Append(row.SmartMeterId.ToString()).Append(',');
        Field(line, row.SmartMeterType.ToString()).Append(',');
        Field(line, row.Model).Append(',');
        Field(line, row.Manufacturer).Append(',');
        Field(line, row.FirmwareVersion).Append(',');
        Field(line, row.SmiStatus.ToString()).Append(',');
        Field(line, row.Region?.ToXsd() ?? "").Append(',');
        var suppliers = new StringBuilder();
        foreach (var s in row.RegisteredSuppliers)
        {
            if (suppliers.Length > 0) suppliers.Append(';');
            suppliers.Append(s.Supplier.ToString()).Append(" from ").Append(s.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }
        Field(line, suppliers.ToString()).Append(',');
        Field(line, row.CommsHubMake).Append(',');
        Field(line, row.CommsHubModel).Append(',');
        Field(line, row.CommsHubFirmwareVersion);
    }

    /// <summary>RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not run it.</summary>
    private static StringBuilder Field(StringBuilder line, string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0) return line.Append(value);
        return line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
