using System.Globalization;
using System.Xml;
using OpenDuis.Core.AccessControl;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Core.Requests;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The DCC Schedule services (R-SR-5.1): 5.1 CreateSchedule, 5.2 ReadSchedule and 5.3
/// DeleteSchedule, answered by the DCC itself once access control has admitted the request. The
/// rules are <see cref="ScheduleRequestRules"/>; the schedules live in the shared <see cref="IScheduleStore"/>.
/// </summary>
public sealed class ScheduleServices(IScheduleStore store, IAccessSnapshot snapshot, TimeProvider clock) : INonDeviceService
{
    private static readonly ServiceReferenceVariant Create = new(5, 1), Read = new(5, 2), Delete = new(5, 3);

    private const string Sr = DuisNamespaces.ServiceUserGateway;

    /// <summary>sr:DSPSchedulesRead holds at most 99 sr:DSPSchedules (XSD).</summary>
    public const int MaxSchedulesRead = 99;

    public IScheduleStore Store => store;

    public IReadOnlyCollection<ServiceReferenceVariant> Variants { get; } = [Create, Read, Delete];

    /// <summary>Answers a 5.1, 5.2 or 5.3 request.</summary>
    public ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var variant = request.ServiceReferenceVariant;
        if (variant == Create) return CreateAsync(request, cancellationToken);
        if (variant == Read) return ReadAsync(request, cancellationToken);
        if (variant == Delete) return DeleteAsync(request, cancellationToken);
        throw new ArgumentException($"{variant} is not a DCC Schedule service (5.1, 5.2, 5.3).", nameof(request));
    }

    /// <summary>
    /// 5.1: the first of the User's roles under which the rules accept the schedule is its owner
    /// role; when none does, the refusal under the first role the User holds. Accepted: stored, and
    /// answered I0 with sr:DSPScheduleID (XSD sr:ResponseMessage).
    /// </summary>
    private async ValueTask<NonDeviceResult> CreateAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        ScheduleRuling<ScheduleDefinition>? first = null;
        if (snapshot.TryGetUser(request.RequestId.Originator, out var user))
        {
            foreach (var role in UserRoles.All)
            {
                if (!user.Holds(role)) continue;
                var ruling = ScheduleRequestRules.CheckCreate(request, role, Device, today);
                if (ruling.IsAccepted)
                {
                    var id = await store.CreateAsync(ruling.Value!, clock.GetUtcNow(), cancellationToken);
                    return new NonDeviceResult(ResponseCode.I0, Element("DSPScheduleID", id.ToString()));
                }
                first ??= ruling;
            }
        }
        if (first is not { } refused) return new NonDeviceResult(ResponseCode.E1, null);
        return new NonDeviceResult(InSchemaOf(request.SchemaVersion, refused.Code), null);
    }

    /// <summary>5.2: I0 with sr:DSPSchedulesRead (each schedule as it was created), or the E/W code of the rules.</summary>
    private async ValueTask<NonDeviceResult> ReadAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        var directory = await DirectoryForAsync(request, "ReadSchedule", cancellationToken);
        var ruling = ScheduleRequestRules.CheckRead(request, directory);
        if (ruling.Code != ResponseCode.I0) return new NonDeviceResult(ruling.Code, null);
        var read = Element("DSPSchedulesRead");
        foreach (var owned in ruling.Value!.Take(MaxSchedulesRead))
        {
            if (await store.GetAsync(owned.Id, cancellationToken) is not { } schedule) continue;
            var entry = Append(read, "DSPSchedules");
            Append(entry, "DSPScheduleID", schedule.Id.ToString());
            entry.AppendChild(Details(read.OwnerDocument, schedule.Definition));
        }
        return read.HasChildNodes ? new NonDeviceResult(ResponseCode.I0, read) : new NonDeviceResult(ScheduleResponseCodes.ReadUnknownSchedule, null);
    }

    /// <summary>5.3: deletes the User's schedules named (one, or all on the device) and answers I99, or the E/W code of the rules.</summary>
    private async ValueTask<NonDeviceResult> DeleteAsync(DuisRequest request, CancellationToken cancellationToken)
    {
        var directory = await DirectoryForAsync(request, "DeleteSchedule", cancellationToken);
        var ruling = ScheduleRequestRules.CheckDelete(request, directory);
        if (ruling.Code != ResponseCode.I0) return new NonDeviceResult(ruling.Code, null);
        foreach (var owned in ruling.Value!)
            await store.DeleteAsync(owned.Id, cancellationToken);
        return NonDeviceResult.Acknowledged;
    }

    /// <summary>The schedules the request's selector can name: the one with its DSPScheduleID, or those on its DeviceID.</summary>
    private async ValueTask<IScheduleDirectory> DirectoryForAsync(DuisRequest request, string element, CancellationToken cancellationToken)
    {
        if (!ScheduleRequestRules.TryReadSelector(request.Body, element, out var selector, out _))
            return new ScheduleDirectorySnapshot([]);
        if (selector.Id is { } id)
            return new ScheduleDirectorySnapshot(await store.GetAsync(id, cancellationToken) is { } s ? [s.Ownership] : []);
        return new ScheduleDirectorySnapshot((await store.OnDeviceAsync(selector.DeviceId!.Value, cancellationToken)).Select(s => s.Ownership));
    }

    private ScheduledDevice? Device(Eui id) =>
        snapshot.TryGetDevice(id, out var d) ? new ScheduledDevice(d.Id, d.Type, d.Generation) : null;

    /// <summary>
    /// E050111 and E050112 are not in the 5.1 XSD's enumeration: a 5.1 request is answered with the
    /// nearest code it has (E050105 "not DCC Schedulable" for 4.2 to a SMETS2+ device; E11 "device
    /// type not applicable" for a device the scheduled request cannot target).
    /// </summary>
    private static ResponseCode InSchemaOf(DuisSchemaVersion version, ResponseCode code)
    {
        if (code.IsDefinedIn(version)) return code;
        if (code == ScheduleResponseCodes.SchedulableOnlyForSmets1) return ScheduleResponseCodes.NotDccSchedulable;
        if (code == ScheduleResponseCodes.DeviceTypeNotTargeted) return ResponseCode.E11;
        return code;
    }

    /// <summary>sr:DSPScheduleDetails: the stored schedule in the sr:DSPSchedule element order of the XSD.</summary>
    private static XmlElement Details(XmlDocument doc, ScheduleDefinition d)
    {
        var details = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "DSPScheduleDetails", Sr);
        var t = d.Timing;
        Append(details, "ScheduleFrequency", t.Frequency.ToXsd());
        Append(details, "ScheduleStartDate", t.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (t.EndDate is { } end) Append(details, "ScheduleEndDate", end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Append(details, "ScheduleExecutionStartTime", t.ExecutionStartTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        if (d.KaPublicSecurityCredential is { } ka) Append(details, "KAPublicSecurityCredential", Convert.ToBase64String(ka));
        Append(details, "DSPScheduledServiceReference", d.ScheduledVariant.Reference.ToString());
        Append(details, "DSPScheduledServiceReferenceVariant", d.ScheduledVariant.ToString());
        Append(details, "DeviceID", d.DeviceId.ToString());
        var body = new XmlDocument { XmlResolver = null };
        body.LoadXml(d.ScheduledBodyXml);
        details.AppendChild(doc.ImportNode(body.DocumentElement!, deep: true));
        return details;
    }

    private static XmlElement Element(string name, string? text = null)
    {
        var e = new XmlDocument().CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, Sr);
        if (text is not null) e.InnerText = text;
        return e;
    }

    private static XmlElement Append(XmlElement parent, string name, string? text = null)
    {
        var e = parent.OwnerDocument.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, Sr);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}
