using System.Buffers.Binary;
using OpenDuis.Gbcs.Parse;
using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>
/// The GSME's logs read with the Metering cluster's GetSampledData (GBCS GCS17 4.8.1, GCS18 4.10, GCS61 4.17), decrypted.
/// The GetSampledDataResponse (ZSE 1.4, Metering server command 0x07): Sample ID (2), Sample Start Time (4, UTC since
/// 2000), Sample Type (1), Sample Request Interval (2, seconds), Number of Samples (2), then the samples (uint24 each),
/// little-endian, oldest first. The response carries no Multiplier or Divisor, so values are rendered as carried.
/// </summary>
internal static partial class MmcFields
{
    /// <summary>GBCS's Sample IDs: 0 the half-hourly profile (GCS17), 1 the daily consumption log (GCS61), 2 the network data log (GCS18).</summary>
    private const ushort ProfileSamples = 0, DailyConsumptionSamples = 1, NetworkDataSamples = 2;

    private const int SecondsPerDay = 86_400;

    /// <summary>
    /// The samples of the GetSampledDataResponse for <paramref name="sampleId"/>, each with its time, at most
    /// <paramref name="max"/>. The daily consumption log is one sample per day: its interval field (uint16 seconds) cannot
    /// state a day, and RTDS's GCS61 carries 0xFFFF there.
    /// </summary>
    private static List<(long Time, uint Value)> SampledData(ParsedGbcsMessage m, ushort sampleId, int max)
    {
        var samples = new List<(long, uint)>();
        if (m.Payload is not GbzPayload g) return samples;
        foreach (var c in g.Components)
        {
            if (c.ClusterId != 0x0702 || c.Frame is not { ClusterSpecific: true, CommandId: 0x07 } f || f.Payload.Length < 11) continue;
            var p = f.Payload.Span;
            if (BinaryPrimitives.ReadUInt16LittleEndian(p) != sampleId) continue;
            long time = BinaryPrimitives.ReadUInt32LittleEndian(p[2..]);
            long interval = sampleId == DailyConsumptionSamples ? SecondsPerDay : BinaryPrimitives.ReadUInt16LittleEndian(p[7..]);
            var count = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(p[9..]), Math.Min(max, (p.Length - 11) / 3));
            for (var i = 0; i < count; i++, time += interval)
            {
                var at = 11 + 3 * i;
                samples.Add((time, (uint)(p[at] | p[at + 1] << 8 | p[at + 2] << 16)));
            }
            break;
        }
        return samples;
    }

    private static void SampleEntries(MmcWriter w, List<(long Time, uint Value)> samples, bool timeFirst, string? valueWrapper = null)
    {
        foreach (var (time, value) in samples)
        {
            w.WriteStartElement("LogEntry", Namespace);
            if (timeFirst) TimeElement(w, "Timestamp", time);
            if (valueWrapper is not null) w.WriteStartElement(valueWrapper, Namespace);
            Element(w, valueWrapper is null ? "Value" : "PrimaryValue", value);
            if (valueWrapper is not null) w.WriteEndElement();
            if (!timeFirst) TimeElement(w, "Timestamp", time);
            w.WriteEndElement();
        }
    }

    /// <summary>4.8.1 GCS17: the half-hourly consumption profile (MMC LogEntry: Timestamp, then Gas/PrimaryValue).</summary>
    private static void GasProfile(MmcWriter w, ParsedGbcsMessage m) =>
        SampleEntries(w, SampledData(m, ProfileSamples, 19056), timeFirst: true, valueWrapper: "Gas");

    /// <summary>4.10 GCS18: the network data log, 41 six-minute samples (MMC Gas/NetworkDataLog/LogEntry: Value, Timestamp).</summary>
    private static void GasNetworkData(MmcWriter w, ParsedGbcsMessage m)
    {
        w.WriteStartElement("Gas", Namespace);
        w.WriteStartElement("NetworkDataLog", Namespace);
        SampleEntries(w, SampledData(m, NetworkDataSamples, 41), timeFirst: false);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>4.17 GCS61: the daily consumption log (MMC Gas/LogEntry: Value, Timestamp).</summary>
    private static void GasDailyConsumption(MmcWriter w, ParsedGbcsMessage m)
    {
        w.WriteStartElement("Gas", Namespace);
        SampleEntries(w, SampledData(m, DailyConsumptionSamples, 731), timeFirst: false);
        w.WriteEndElement();
    }
}
