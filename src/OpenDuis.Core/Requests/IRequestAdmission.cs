using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Requests;

/// <summary>
/// A request that passed the checks at the door — signature (E100), signer role (E65), structure,
/// web service (E13), duplicate in-process Request ID (E55) — as the access-control and validation
/// pipeline receives it.
/// </summary>
/// <param name="Signer">The User ID the verified signing certificate names (the RequestID's originator).</param>
public readonly record struct AuthenticatedRequest(DuisRequest Request, WebService ArrivedOn, Eui Signer, DateTimeOffset ReceivedAt);

/// <summary>The pipeline's verdict: accepted, or the Response Code of the first failing check and why.</summary>
public readonly record struct Admission(ResponseCode? RefusedWith, string? Reason)
{
    public static Admission Accepted => default;
    public bool IsAccepted => RefusedWith is null;
    public static Admission Refused(ResponseCode code, string reason) => new(code, reason);
}

/// <summary>
/// Where the access-control and validation pipeline (SEC/DUIS Response Codes E1–E64, R-RC-PRECEDENCE)
/// plugs into the request path, after the door checks and before the request is answered.
/// Implementations are thread-safe and do no blocking I/O on the hot path.
/// </summary>
public interface IRequestAdmission
{
    Admission Evaluate(in AuthenticatedRequest request);
}

/// <summary>Admits everything the door let through (until the full pipeline is configured).</summary>
public sealed class AdmitAll : IRequestAdmission
{
    public static readonly AdmitAll Instance = new();
    public Admission Evaluate(in AuthenticatedRequest request) => Admission.Accepted;
}
