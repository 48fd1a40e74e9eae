using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// An accepted DCC Schedule (5.1 CreateSchedule): who owns it, when it runs, and the Service Request
/// it runs against which device. The scheduled body is kept as XML so it can be replayed as written.
/// </summary>
public sealed record ScheduleDefinition(
    Eui Owner,
    UserRole OwnerRole,
    ScheduleTiming Timing,
    ServiceReferenceVariant ScheduledVariant,
    Eui DeviceId,
    string ScheduledBodyXml,
    byte[]? KaPublicSecurityCredential);

/// <summary>What 5.1 needs to know about the device a schedule targets (from the Smart Metering Inventory).</summary>
internal sealed record ScheduledDevice(Eui Id, DeviceType Type, DeviceGeneration Generation);

/// <summary>A schedule's owner and device, as 5.2 ReadSchedule and 5.3 DeleteSchedule need them.</summary>
public sealed record ScheduleOwnership(DspScheduleId Id, Eui Owner, Eui DeviceId);

/// <summary>The schedules a 5.2/5.3 request may name.</summary>
internal interface IScheduleDirectory
{
    ScheduleOwnership? Find(DspScheduleId id);

    /// <summary>The schedules on the device, whoever owns them.</summary>
    IReadOnlyList<ScheduleOwnership> OnDevice(Eui deviceId);
}

/// <summary>
/// The outcome of a schedule rule: accepted with a value (possibly with a warning code), or refused
/// with the Response Code, the clause it implements and a reason naming the values involved.
/// </summary>
internal readonly record struct ScheduleRuling<T>
{
    private ScheduleRuling(ResponseCode code, T? value, string? clause, string? reason)
    {
        Code = code;
        Value = value;
        Clause = clause;
        Reason = reason;
    }

    /// <summary>I0 when accepted, a W code when accepted with a warning, otherwise the refusing E code.</summary>
    public ResponseCode Code { get; }
    public T? Value { get; }
    public string? Clause { get; }
    public string? Reason { get; }
    public bool IsAccepted => Code.Type != ResponseCodeType.Error;

    public static ScheduleRuling<T> Accept(T value) => new(ResponseCode.I0, value, null, null);

    public static ScheduleRuling<T> Warn(ResponseCode warning, T value, string clause, string reason) => new(warning, value, clause, reason);

    public static ScheduleRuling<T> Refuse(ResponseCode code, string clause, string reason) => new(code, default, clause, reason);

    public override string ToString() => Reason is null ? Code.Code : $"{Code.Code}: {Reason} ({Clause})";
}
