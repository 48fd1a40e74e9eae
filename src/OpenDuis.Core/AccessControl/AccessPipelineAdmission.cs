using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The pipeline in the server's request path (<see cref="IRequestAdmission"/>): the door has already
/// verified the signature (E100, E65), the web service (E13) and in-process duplicates (E55), which
/// the pipeline re-checks at no cost. An admitted request answered synchronously (Non-Device, or a
/// Command for Local Delivery only) is complete at once; a device request stays in the log until
/// <see cref="IRequestLog.Complete"/> or the log's hold.
/// </summary>
public sealed class AccessPipelineAdmission(AccessPipeline pipeline) : IRequestAdmission
{
    public AccessPipeline Pipeline => pipeline;

    public Admission Evaluate(in AuthenticatedRequest request)
    {
        var decision = pipeline.Decide(new AccessRequest(request.Request, request.ArrivedOn, Authentication.Verified, request.Signer));
        if (!decision.IsAccepted) return Admission.Refused(decision.Code, $"{decision.Reason} ({decision.FailedCheck!.Clause})");
        if (!request.Request.CommandVariant.SendsOverSmWan())
            pipeline.Log.Complete(request.Request.RequestId, RequestState.Succeeded);
        return Admission.Accepted;
    }
}
