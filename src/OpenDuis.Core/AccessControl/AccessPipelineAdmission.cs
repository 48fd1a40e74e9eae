using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The pipeline in the server's request path (<see cref="IRequestAdmission"/>): the door has already
/// verified the signature (E100, E65), the web service (E13) and in-process duplicates (E55), which
/// the pipeline re-checks at no cost. Admission only admits: the request stays in the log until its
/// <see cref="RequestLease"/> ends it (whoever produces its answer, Service Response or failure alert)
/// or the log's hold passes.
/// </summary>
public sealed class AccessPipelineAdmission(AccessPipeline pipeline) : IRequestAdmission
{
    public AccessPipeline Pipeline => pipeline;

    public Admission Evaluate(in AuthenticatedRequest request)
    {
        var decision = pipeline.Decide(new AccessRequest(request.Request, request.ArrivedOn, Authentication.Verified, request.Signer));
        return decision.IsAccepted
            ? Admission.Accepted
            : Admission.Refused(decision.Code, $"{decision.Reason} ({decision.FailedCheck!.Clause})");
    }
}
