using Microsoft.AspNetCore.Http;

namespace OpenDuis.Server.SmWan;

/// <summary>
/// What the operator's admin APIs (faults, device events, CPL changes) answer alike: they change how
/// the DCC behaves for every User, so they answer only the operator on the machine
/// (<see cref="Hosting.LocalOperatorOnly"/>, 403 otherwise), and refuse bad input with 400 and the reason as plain text.
/// </summary>
internal static class AdminAnswers
{
    public static IResult BadRequest(string reason) => Results.Text(reason, "text/plain", statusCode: StatusCodes.Status400BadRequest);
}
