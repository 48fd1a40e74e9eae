using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E1: the originator is a User (a SEC Party's User ID holding a User Role), and the one that signed.</summary>
internal sealed class KnownUser : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E1];
    public override string Clause => "DUIS 3.5.10 Table 1 (E1); SEC H1 User Entry Process";
    public override string Rule => "The Request ID's originator is a known User ID with at least one User Role, and is the User whose certificate signed the request.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var originator = context.Request.RequestId.Originator;
        if (!context.Snapshot.TryGetUser(originator, out var user))
            return CheckResult.Fail(ResponseCode.E1, $"{originator} is not the User ID of a SEC Party's User.");
        if (user.Roles.Count == 0)
            return CheckResult.Fail(ResponseCode.E1, $"User {originator} holds no User Role.");
        if (context.Input.Signer is { } signer && signer != originator)
            return CheckResult.Fail(ResponseCode.E1, $"The request names User {originator} as originator but is signed by User {signer}.");
        context.User = user;
        return CheckResult.Pass;
    }
}

/// <summary>E3: only an Active User may send Service Requests.</summary>
internal sealed class ActiveUser : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E3];
    public override string Clause => "DUIS 3.5.10 Table 1 (E3); SEC M8 (suspension)";
    public override string Rule => "The User's status is Active (not Suspended or Withdrawn).";

    public override CheckResult Evaluate(ref AccessContext context) => context.User!.Status == UserStatus.Active
        ? CheckResult.Pass
        : CheckResult.Fail(ResponseCode.E3, $"User {context.User.Id} is {context.User.Status}: only an Active User may send Service Requests.");
}
