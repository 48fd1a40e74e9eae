using OpenDuis.Core.AccessControl.Checks;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The DCC Systems' access control and validation of a Service Request: the checks of
/// <see cref="Order"/>, run in that fixed order, the first failure deciding the Response Code
/// (R-RC-PRECEDENCE). An accepted request is admitted to the request log atomically. Thread-safe:
/// one instance serves every request.
/// </summary>
public sealed class AccessPipeline(IAccessSnapshot snapshot, IRequestLog log, TimeProvider clock)
{
    /// <summary>
    /// The order of checks. Authentication first (E100, E65: decided by signature verification);
    /// then who is asking (E1, E3); whether the request is well-formed for where it was sent (E13,
    /// E12, E48, E49); whether the role may send it at all (E2); then the Device: existence (E19),
    /// generation-restricted eligibility (E2), authorisation at date and time (E4, which takes
    /// precedence over every validation of the Device: Appendix R 8.1.26), SMI Status (E5), device
    /// type (E11), SMETS1 rules (E60, E61), GBCS version (E57), local delivery (E17); then the request
    /// log: duplicate ID (E55), sequencing (E40, E41, E42, E45, E46, E53, E54), SMETS1 anti-replay and
    /// critical notification (E63, E64); finally the payload: Signed Pre-Command (E51) and
    /// service-specific rules (6.28: E062801, E062802; 8.13: E081301).
    /// </summary>
    public static readonly IReadOnlyList<AccessCheck> Order =
    [
        new MessageAuthentication(),
        new SigningCertificateRole(),
        new KnownUser(),
        new ActiveUser(),
        new WebServiceForRequest(),
        new CommandVariantForRequest(),
        new ServiceReferenceMatchesVariant(),
        new BodyMatchesVariant(),
        new RoleForServiceReference(),
        new DeviceExists(),
        new RoleForDeviceGeneration(),
        new UserRoleForDevice(),
        new DeviceStatusForService(),
        new DeviceTypeForService(),
        new Smets1ServiceRequest(),
        new Smets1CommandVariant(),
        new GbcsVersionForDevice(),
        new LocalCommandAvailability(),
        new DuplicateRequestId(),
        new FirstInSequenceWithoutPreceding(),
        new PrecedingRequestNotReused(),
        new NoCircularSequence(),
        new SequencedCommandVariant(),
        new AfterLastInSequence(),
        new FutureDatedDspFirstInSequence(),
        new SequencedGasUnencrypted(),
        new Smets1AntiReplay(),
        new Smets1NotifiedCriticalParty(),
        new SignedPreCommandMessageCode(),
        new SubGhzLowerBandMaskSet(),
        new SubGhzTwoChannelsPerPage(),
        new LocalCommandResponseListed(),
    ];

    private static readonly AccessCheck[] Checks = [.. Order];
    private static readonly DuplicateRequestId Duplicate = Checks.OfType<DuplicateRequestId>().Single();

    public IAccessSnapshot Snapshot => snapshot;
    public IRequestLog Log => log;

    /// <summary>Runs the checks without admitting the request (for tools and tests that only ask).</summary>
    public AccessDecision Evaluate(in AccessRequest request) => Run(request, out _);

    /// <summary>Runs the checks and, when they pass, admits the request to the request log.</summary>
    public AccessDecision Decide(in AccessRequest request)
    {
        var decision = Run(request, out var context);
        if (!decision.IsAccepted) return decision;
        var r = context.Request;
        var entry = new LoggedRequest(r.RequestId, r.ServiceReferenceVariant, r.CommandVariant, r.PrecedingRequestId,
            r.FirstInSequence ?? false, context.Now);
        if (log.TryAdmit(entry, context.Device?.Generation == DeviceGeneration.Smets1)) return decision;
        return AccessDecision.Refuse(Duplicate, ResponseCode.E55,
            $"Request ID {r.RequestId} duplicates a request still being processed.", context.ActingRole);
    }

    private AccessDecision Run(in AccessRequest request, out AccessContext context)
    {
        var r = request.Request;
        context = new AccessContext
        {
            Request = r,
            // DuisRequest.Read admits only catalogued variants; one built in code might not be.
            Definition = r.Definition ?? throw new ArgumentException($"Service Reference Variant {r.ServiceReferenceVariant} is not in the catalogue.", nameof(request)),
            Input = request,
            Now = clock.GetUtcNow(),
            Snapshot = snapshot,
            Log = log,
        };
        for (var i = 0; i < Checks.Length; i++)
        {
            var result = Checks[i].Evaluate(ref context);
            if (!result.Passed) return AccessDecision.Refuse(Checks[i], result.Code!.Value, result.Reason!, context.ActingRole);
        }
        return AccessDecision.Accept(context.ActingRole);
    }
}
