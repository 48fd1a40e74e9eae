using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using static OpenDuis.Core.Schedules.ScheduleResponseCodes;

namespace OpenDuis.Core.Schedules;

/// <summary>Which schedules a 5.2 or 5.3 request names: one by its DSPScheduleID, or all of the User's on a device.</summary>
internal readonly record struct ScheduleSelector(DspScheduleId? Id, Eui? DeviceId);

/// <summary>
/// The request-time rules of the DCC Schedule services (R-SR-5.1): 5.1 CreateSchedule, 5.2
/// ReadSchedule and 5.3 DeleteSchedule. Pure: the inventory, the schedules and today's date are given.
/// They run after access control has admitted the request (header, signature, User Role for 5.x).
/// </summary>
internal static class ScheduleRequestRules
{
    private const string Duis5_1 = "DUIS 3.8.43.2 (5.1 CreateSchedule) as amended by MP260";
    private const string Duis5_2 = "DUIS service definition 5.2 ReadSchedule; XSD sr:ReadSchedule";
    private const string Duis5_3 = "DUIS service definition 5.3 DeleteSchedule; XSD sr:DeleteSchedule";
    private const string FormatClause = "DUIS 3.5.10 Table 1 (E49); XSD sr:DSPSchedule";

    private static readonly ServiceReferenceVariant CreateVariant = ServiceReferenceVariant.Parse("5.1");
    private static readonly ServiceReferenceVariant ReadVariant = ServiceReferenceVariant.Parse("5.2");
    private static readonly ServiceReferenceVariant DeleteVariant = ServiceReferenceVariant.Parse("5.3");

    /// <summary>
    /// Judges a 5.1 CreateSchedule from <paramref name="role"/>, on <paramref name="todayUtc"/>, with
    /// <paramref name="devices"/> the inventory (null for a device it does not hold).
    /// </summary>
    public static ScheduleRuling<ScheduleDefinition> CheckCreate(DuisRequest request, UserRole role, Func<Eui, ScheduledDevice?> devices, DateOnly todayUtc)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(devices);
        if (request.ServiceReferenceVariant != CreateVariant) throw new ArgumentException($"{request.ServiceReferenceVariant} is not 5.1 CreateSchedule.", nameof(request));

        if (!CreateScheduleRequest.TryRead(request.Body, out var c, out var problem))
            return ScheduleRuling<ScheduleDefinition>.Refuse(ResponseCode.E49, FormatClause, problem!);

        if (c!.StartDate <= todayUtc)
            return Refuse(StartDateNotInFuture, $"ScheduleStartDate {c.StartDate:yyyy-MM-dd} is not after today ({todayUtc:yyyy-MM-dd} UTC)");
        if (c.EndDate is { } end && end < c.StartDate)
            return Refuse(EndDateBeforeStartDate, $"ScheduleEndDate {end:yyyy-MM-dd} is before ScheduleStartDate {c.StartDate:yyyy-MM-dd}");
        if (c.EndDate is null && role == UserRole.OtherUser)
            return Refuse(EndDateRequired, "ScheduleEndDate is mandatory for User Role OU");

        if (!ServiceCatalogue.TryGet(c.ScheduledVariant, out var scheduled) || !ScheduledServices.IsSchedulable(scheduled))
            return Refuse(NotDccSchedulable, $"{c.ScheduledVariant} is not DCC Scheduled (DUIS 3.1)");
        if (scheduled.Reference != c.ScheduledReference)
            return Refuse(NotDccSchedulable, $"DSPScheduledServiceReferenceVariant {c.ScheduledVariant} is not a variant of DSPScheduledServiceReference {c.ScheduledReference}");

        var element = ScheduledServices.BodyElementFor(scheduled);
        if (c.ScheduledBody.LocalName != element || c.ScheduledBody.NamespaceURI != DuisNamespaces.ServiceUserGateway)
            return Refuse(BodyDoesNotMatchVariant, $"{c.ScheduledVariant} is scheduled with sr:{element}, not {c.ScheduledBody.Name}");
        if (!scheduled.IsEligible(role))
            return Refuse(RoleNotEligibleForScheduledService, $"User Role {role.Code()} may not send {scheduled}");

        if (devices(c.DeviceId) is not { } device)
            return ScheduleRuling<ScheduleDefinition>.Refuse(ResponseCode.E19, "DUIS 3.5.10 Table 1 (E19)", $"DeviceID {c.DeviceId} is not in the Smart Metering Inventory");
        if (!scheduled.Targets(device.Type))
            return Refuse(DeviceTypeNotTargeted, $"{scheduled} cannot target DeviceID {c.DeviceId}, a {device.Type}");
        if (!scheduled.IsDccSchedulable(device.Generation))
            return Refuse(SchedulableOnlyForSmets1, $"{scheduled} is DCC Schedulable only for SMETS1 devices and DeviceID {c.DeviceId} is {device.Generation}");
        if (!scheduled.IsEligible(role, device.Generation))
            return Refuse(RoleNotEligibleForScheduledService, $"User Role {role.Code()} may not send {scheduled} to a {device.Generation} device");

        var sensitive = ScheduledServices.SensitiveResponses.Contains(scheduled.Variant);
        if (c.KaPublicSecurityCredential is not null && role is UserRole.ImportSupplier or UserRole.ExportSupplier or UserRole.ElectricityDistributor)
            return Refuse(KaCredentialNotApplicable, $"KAPublicSecurityCredential is N/A for User Role {role.Code()}");
        if (c.KaPublicSecurityCredential is null && sensitive
            && (role == UserRole.OtherUser || (role == UserRole.GasTransporter && device.Type == DeviceType.GSME)))
            return Refuse(KaCredentialRequired, $"KAPublicSecurityCredential is required for User Role {role.Code()}: the response to {scheduled} holds sensitive data");

        var timing = new ScheduleTiming(c.Frequency, c.StartDate, c.EndDate, c.ExecutionStartTime);
        return ScheduleRuling<ScheduleDefinition>.Accept(new ScheduleDefinition(
            request.RequestId.Originator, role, timing, scheduled.Variant, c.DeviceId, c.ScheduledBody.OuterXml, c.KaPublicSecurityCredential));

        static ScheduleRuling<ScheduleDefinition> Refuse(ResponseCode code, string reason) => ScheduleRuling<ScheduleDefinition>.Refuse(code, Duis5_1, reason);
    }

    /// <summary>Judges a 5.2 ReadSchedule: the User's schedules it names.</summary>
    public static ScheduleRuling<IReadOnlyList<ScheduleOwnership>> CheckRead(DuisRequest request, IScheduleDirectory schedules) =>
        CheckSelection(request, ReadVariant, "ReadSchedule", schedules, Duis5_2, ReadUnknownSchedule, ReadOtherUsersSchedule, ReadNoSchedulesOnDevice);

    /// <summary>Judges a 5.3 DeleteSchedule: the User's schedules it would delete.</summary>
    public static ScheduleRuling<IReadOnlyList<ScheduleOwnership>> CheckDelete(DuisRequest request, IScheduleDirectory schedules) =>
        CheckSelection(request, DeleteVariant, "DeleteSchedule", schedules, Duis5_3, DeleteUnknownSchedule, DeleteOtherUsersSchedule, DeleteNoSchedulesOnDevice);

    /// <summary>Reads the sr:ReadSchedule / sr:DeleteSchedule choice: exactly one DSPScheduleID or DeviceID.</summary>
    public static bool TryReadSelector(XmlElement body, string elementName, out ScheduleSelector selector, out string? problem)
    {
        selector = default;
        if (body.LocalName != elementName || body.NamespaceURI != DuisNamespaces.ServiceUserGateway)
        {
            problem = $"the body is {body.Name}, not sr:{elementName}";
            return false;
        }
        var children = body.ChildNodes.OfType<XmlElement>().ToList();
        if (children.Count != 1)
        {
            problem = $"sr:{elementName} must hold exactly one sr:DSPScheduleID or sr:DeviceID, not {children.Count} elements";
            return false;
        }
        var e = children[0];
        var text = e.InnerText.Trim();
        if (e.NamespaceURI == DuisNamespaces.ServiceUserGateway && e.LocalName == "DSPScheduleID" && DspScheduleId.TryParse(text, out var id))
            selector = new ScheduleSelector(id, null);
        else if (e.NamespaceURI == DuisNamespaces.ServiceUserGateway && e.LocalName == "DeviceID" && Eui.TryParse(text, null, out var device))
            selector = new ScheduleSelector(null, device);
        else
        {
            problem = $"{e.Name} '{text}' is not a DSPScheduleID (0 to {DspScheduleId.MaxValue}) nor a DeviceID (EUI-64)";
            return false;
        }
        problem = null;
        return true;
    }

    private static ScheduleRuling<IReadOnlyList<ScheduleOwnership>> CheckSelection(
        DuisRequest request, ServiceReferenceVariant variant, string element, IScheduleDirectory schedules, string clause,
        ResponseCode unknown, ResponseCode othersSchedule, ResponseCode noneOnDevice)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(schedules);
        if (request.ServiceReferenceVariant != variant) throw new ArgumentException($"{request.ServiceReferenceVariant} is not {variant} {element}.", nameof(request));
        if (!TryReadSelector(request.Body, element, out var selector, out var problem))
            return ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Refuse(ResponseCode.E49, $"DUIS 3.5.10 Table 1 (E49); XSD sr:{element}", problem!);

        var user = request.RequestId.Originator;
        if (selector.Id is { } id)
        {
            if (schedules.Find(id) is not { } found)
                return ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Refuse(unknown, clause, $"no DCC Schedule has DSPScheduleID {id}");
            if (found.Owner != user)
                return ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Refuse(othersSchedule, clause, $"DSPScheduleID {id} is not a schedule of User {user}");
            return ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Accept([found]);
        }
        var device = selector.DeviceId!.Value;
        var mine = schedules.OnDevice(device).Where(s => s.Owner == user).OrderBy(s => s.Id.Value).ToList();
        return mine.Count == 0
            ? ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Warn(noneOnDevice, mine, clause, $"User {user} has no DCC Schedule on DeviceID {device}")
            : ScheduleRuling<IReadOnlyList<ScheduleOwnership>>.Accept(mine);
    }
}
