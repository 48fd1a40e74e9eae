using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E60: a SMETS1 Device receives only SMETS1 Service Requests.</summary>
internal sealed class Smets1ServiceRequest : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E60];
    public override string Clause => "DUIS 3.5.10 Table 1 (E60); SEC Section A \"SMETS1 Service Request\"";
    public override string Rule => "If the target is a SMETS1 Device, the Service Request is a SMETS1 Service Request.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { Generation: DeviceGeneration.Smets1 } device) return CheckResult.Pass;
        return Smets1ServiceRequests.IsSmets1ServiceRequest(context.Definition)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E60, $"Device {device.Id} is a SMETS1 Device and {context.Definition} is not a SMETS1 Service Request.");
    }
}

/// <summary>E61: a SMETS1 Service Request uses a Command Variant valid for SMETS1 (no local delivery).</summary>
internal sealed class Smets1CommandVariant : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E61];
    public override string Clause => "DUIS 3.5.10 Table 1 (E61)";
    public override string Rule => "For a SMETS1 Device, the Command Variant is not a local-delivery variant (2, 3, 6, 7).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { Generation: DeviceGeneration.Smets1 } device) return CheckResult.Pass;
        var cv = context.Request.CommandVariant;
        return Smets1ServiceRequests.Allows(cv)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E61, $"Command Variant {cv.ToXsd()} ({cv.Description()}) is not valid for a SMETS1 Service Request (Device {device.Id}).");
    }
}

/// <summary>E63: the DCC's SMETS1 anti-replay protection: Request ID counters rise per originator and SMETS1 Device.</summary>
internal sealed class Smets1AntiReplay : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E63];
    public override string Clause => "DUIS 3.5.10 Table 1 (E63)";
    public override string Rule => "For a SMETS1 Device, the Request ID counter is greater than every counter already admitted from that originator to that Device.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { Generation: DeviceGeneration.Smets1 } device) return CheckResult.Pass;
        var id = context.Request.RequestId;
        return context.Log.TryGetLastSmets1Counter(id.Originator, id.Target, out var last) && id.Counter <= last
            ? CheckResult.Fail(ResponseCode.E63, $"Replay rejected: counter {id.Counter} from {id.Originator} to SMETS1 Device {device.Id} is not above the last admitted counter {last}.")
            : CheckResult.Pass;
    }
}

/// <summary>E64: a SMETS1 Critical or Top Up request comes from the Notified Critical Supplier / Network Operator.</summary>
internal sealed class Smets1NotifiedCriticalParty : AccessCheck
{
    private static readonly ServiceReferenceVariant TopUpDevice = new(2, 2);

    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E64];
    public override string Clause => "DUIS 3.5.10 Table 1 (E64)";
    public override string Rule => "For a SMETS1 Device, a Critical Service Request or 2.2 Top Up Device comes from the Party notified as Critical Supplier / Network Operator (by default the registered one).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { Generation: DeviceGeneration.Smets1 } device) return CheckResult.Pass;
        if (!context.Definition.Critical && context.Definition.Variant != TopUpDevice) return CheckResult.Pass;
        var user = context.User!;
        if (context.ActingRole is not { } role || RegisteredRoles.Of(role) is not { } registered)
            return CheckResult.Fail(ResponseCode.E64, $"{context.Definition} to SMETS1 Device {device.Id} may come only from the Notified Critical Supplier or Network Operator, not a {context.ActingRole?.Code() ?? "role-less"} User.");
        var notified = context.Snapshot.NotifiedCriticalParty(device.Id, registered)
            ?? (device.Mpxn is { } mpxn ? context.Snapshot.RegisteredParty(mpxn, registered, context.Now) : null);
        return notified == user.Party
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E64, $"{context.Definition} to SMETS1 Device {device.Id}: Party {user.Party} is not the Notified Critical {registered} ({notified?.ToString() ?? "none notified"}).");
    }
}
