using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The Service Request a DCC Schedule's occurrence runs: the scheduled variant to the schedule's
/// device, on behalf of its owner, with the sr:DSPSchedule body element (DUIS 3.8.43.2) turned into
/// the variant's own body for that execution date. Pure.
/// </summary>
/// <remarks>
/// The DSP body elements carry the read period as day offsets from the execution date
/// (sr:ReadLogPeriodOffset); the on-demand element takes absolute instants (sr:ReadLogPeriod), so
/// the offsets are applied to the occurrence's UTC date. sr:DSPReadData and sr:RecordNetworkDataGAS
/// carry nothing. The schedule's KAPublicSecurityCredential travels as KAPublicSecurityCredentials
/// where the on-demand element accepts it (XSD sr:ReadLogFutureDatableAndURPCredentials).
/// </remarks>
internal static class ScheduledRequest
{
    private const string Sr = DuisNamespaces.ServiceUserGateway;

    /// <summary>Bit 63 marks a DCC-generated counter, so it never meets a counter a User sends (which grow from 0).</summary>
    private const ulong DspCounterMark = 1UL << 63;

    /// <summary>Seconds since the Unix epoch take 32 bits until 2106; the schedule ID the 31 bits below them.</summary>
    private const int ScheduleBits = 31;

    // The on-demand elements of sr:ReadLogFutureDatableAndURPCredentials, which end with optional KA credentials.
    private static readonly HashSet<string> TakesKaCredentials = new(StringComparer.Ordinal)
    {
        "RetrieveImportDailyReadLog", "ReadActiveImportProfileData", "ReadNetworkData",
    };

    /// <summary>
    /// The Request ID of one occurrence: the owner as originator, the device as target, and a counter
    /// that is the same each time the same occurrence is built (a retaken lease re-sends the same ID,
    /// so the network can tell a repeat) and grows with the due instant (SMETS1 anti-replay, E63).
    /// </summary>
    public static RequestId RequestIdFor(DspScheduleId id, Eui owner, Eui device, DateTimeOffset dueAt)
    {
        var seconds = (ulong)(dueAt.ToUnixTimeSeconds() & 0xFFFF_FFFF);
        var counter = DspCounterMark | (seconds << ScheduleBits) | (id.Value & ((1UL << ScheduleBits) - 1));
        return new RequestId(owner, device, counter);
    }

    /// <summary>Builds the request of the occurrence due at <paramref name="dueAt"/>, Command Variant 1 (sent over the SM WAN).</summary>
    public static DuisRequest Build(DspScheduleId id, ScheduleDefinition schedule, DateTimeOffset dueAt, DuisSchemaVersion schemaVersion)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return Build(id, schedule, dueAt, schemaVersion, ParseBody(schedule.ScheduledBodyXml));
    }

    /// <summary>
    /// <see cref="Build(DspScheduleId, ScheduleDefinition, DateTimeOffset, DuisSchemaVersion)"/> from the
    /// schedule's body already parsed (<see cref="ParseBody"/>), which is only read: an executor parses
    /// each distinct body of a batch once (a million daily reads share a handful of bodies).
    /// </summary>
    public static DuisRequest Build(DspScheduleId id, ScheduleDefinition schedule, DateTimeOffset dueAt, DuisSchemaVersion schemaVersion, XmlElement dspBody)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!ServiceCatalogue.TryGet(schedule.ScheduledVariant, out var definition))
            throw new InvalidDataException($"DCC Schedule {id} holds {schedule.ScheduledVariant}, which is not in the service catalogue.");
        var body = OnDemandBody(dspBody, definition, DateOnly.FromDateTime(dueAt.UtcDateTime), schedule.KaPublicSecurityCredential);
        return DuisRequest.Create(schemaVersion, RequestIdFor(id, schedule.Owner, schedule.DeviceId, dueAt),
            CommandVariant.SendNonCritical, definition.Variant, body);
    }

    /// <summary>A schedule's stored sr:DSPSchedule body element, parsed (no external entities resolved).</summary>
    public static XmlElement ParseBody(string scheduledBodyXml)
    {
        var source = new XmlDocument { XmlResolver = null };
        source.LoadXml(scheduledBodyXml);
        return source.DocumentElement!;
    }

    /// <summary>The variant's own body element for an execution on <paramref name="executionDate"/>.</summary>
    public static XmlElement OnDemandBody(XmlElement dspBody, ServiceRequestDefinition definition, DateOnly executionDate, byte[]? kaCredential)
    {
        ArgumentNullException.ThrowIfNull(dspBody);
        ArgumentNullException.ThrowIfNull(definition);
        var expected = ScheduledServices.BodyElementFor(definition);
        if (dspBody.LocalName != expected || dspBody.NamespaceURI != Sr)
            throw new InvalidDataException($"The scheduled body of {definition.Variant} is {dspBody.Name}, not sr:{expected}.");

        var doc = new XmlDocument();
        var body = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, definition.BodyElement, Sr);
        if (Child(dspBody, "StartDateOffset") is { } startOffset)
        {
            var period = Append(body, "ReadLogPeriod");
            Append(period, "StartDateTime", Instant(executionDate, startOffset, Child(dspBody, "StartTime")));
            Append(period, "EndDateTime", Instant(executionDate, Child(dspBody, "EndDateOffset"), Child(dspBody, "EndTime")));
            if (kaCredential is not null && TakesKaCredentials.Contains(definition.BodyElement))
                Append(body, "KAPublicSecurityCredentials", Convert.ToBase64String(kaCredential));
        }
        return body;
    }

    private static string Instant(DateOnly executionDate, XmlElement? offset, XmlElement? time)
    {
        if (offset is null || time is null) throw new InvalidDataException("sr:ReadLogPeriodOffset needs a date offset and a time for both ends.");
        var days = int.Parse(offset.InnerText.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var t = time.InnerText.Trim();
        if (t.EndsWith('Z')) t = t[..^1];
        var at = TimeOnly.ParseExact(t, ["HH:mm:ss", "HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture);
        return executionDate.AddDays(days).ToDateTime(at, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static XmlElement? Child(XmlElement parent, string name) =>
        parent.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.LocalName == name && e.NamespaceURI == Sr);

    private static XmlElement Append(XmlElement parent, string name, string? text = null)
    {
        var e = parent.OwnerDocument.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, Sr);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}
