using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The pipeline's answer: acceptance (I99, DUIS 3.5.10 Table 1: "accepted and has passed access
/// control") or the first failing check's Response Code with a reason a User can act on.
/// </summary>
public readonly record struct AccessDecision
{
    private AccessDecision(ResponseCode code, AccessCheck? failedCheck, string? reason, UserRole? actingRole)
    {
        Code = code;
        FailedCheck = failedCheck;
        Reason = reason;
        ActingRole = actingRole;
    }

    /// <summary>I99 when accepted, otherwise the Response Code of <see cref="FailedCheck"/>.</summary>
    public ResponseCode Code { get; }

    /// <summary>The check that refused the request (null when accepted).</summary>
    public AccessCheck? FailedCheck { get; }

    /// <summary>Why the request was refused, naming the values involved (null when accepted).</summary>
    public string? Reason { get; }

    /// <summary>The User Role the request was authorised under (E4), once known.</summary>
    public UserRole? ActingRole { get; }

    public bool IsAccepted => FailedCheck is null;

    internal static AccessDecision Accept(UserRole? actingRole) => new(ResponseCode.I99, null, null, actingRole);

    internal static AccessDecision Refuse(AccessCheck check, ResponseCode code, string reason, UserRole? actingRole) =>
        new(code, check, reason, actingRole);

    public override string ToString() => IsAccepted
        ? $"{Code} accepted{(ActingRole is { } r ? $" as {r.Code()}" : "")}"
        : $"{Code} by {FailedCheck!.Name} ({FailedCheck.Clause}): {Reason}";
}

/// <summary>What one check concluded: pass, or a code with its reason.</summary>
public readonly struct CheckResult
{
    private CheckResult(ResponseCode code, string reason)
    {
        Code = code;
        Reason = reason;
    }

    public static CheckResult Pass => default;

    public ResponseCode? Code { get; }
    public string? Reason { get; }

    public bool Passed => Reason is null;

    public static CheckResult Fail(ResponseCode code, string reason) => new(code, reason);
}
