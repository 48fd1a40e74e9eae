using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E55: a Request ID may not repeat one the DCC Systems are still processing.</summary>
internal sealed class DuplicateRequestId : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E55];
    public override string Clause => "DUIS 3.5.10 Table 1 (E55)";
    public override string Rule => "No request with the same Request ID is in progress in the request log.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var id = context.Request.RequestId;
        return context.Log.TryGet(id, out var existing) && existing.State == RequestState.InProgress
            ? CheckResult.Fail(ResponseCode.E55, $"Request ID {id} duplicates a request still being processed (received {existing.Received:O}).")
            : CheckResult.Pass;
    }
}

/// <summary>E40: FirstInSequence=true with a Preceding Request ID.</summary>
internal sealed class FirstInSequenceWithoutPreceding : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E40];
    public override string Clause => "DUIS 3.4.3 sequenced requests; 3.5.10 Table 1 (E40)";
    public override string Rule => "A request flagged First In Sequence carries no Preceding Request ID.";

    public override CheckResult Evaluate(ref AccessContext context) =>
        context.Request is { FirstInSequence: true, PrecedingRequestId: { } preceding }
            ? CheckResult.Fail(ResponseCode.E40, $"The request is First In Sequence yet names {preceding} as its Preceding Request ID.")
            : CheckResult.Pass;
}

/// <summary>E41: a Preceding Request ID may be preceding to one request only.</summary>
internal sealed class PrecedingRequestNotReused : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E41];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E41)";
    public override string Rule => "No other request in the log already names the same Preceding Request ID.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Request.PrecedingRequestId is not { } preceding) return CheckResult.Pass;
        return context.Log.TryGetSuccessor(preceding, out var other) && other != context.Request.RequestId
            ? CheckResult.Fail(ResponseCode.E41, $"{preceding} is already the Preceding Request ID of {other}.")
            : CheckResult.Pass;
    }
}

/// <summary>E42: following Preceding Request IDs back from the request never reaches the request itself.</summary>
internal sealed class NoCircularSequence : AccessCheck
{
    /// <summary>A sequence longer than this is not followed further (the log is bounded, so is the walk).</summary>
    public const int MaximumDepth = 256;

    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E42];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E42)";
    public override string Rule => "The Request ID is neither its own Preceding Request ID nor the Preceding Request ID of any of its preceding requests.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var id = context.Request.RequestId;
        var next = context.Request.PrecedingRequestId;
        for (var depth = 0; next is { } current && depth < MaximumDepth; depth++)
        {
            if (current == id)
                return CheckResult.Fail(ResponseCode.E42, $"Circular sequence: Request ID {id} is {(depth == 0 ? "its own Preceding Request ID" : $"the Preceding Request ID of a request {depth} step(s) back in its sequence")}.");
            next = context.Log.TryGetPreceding(current, out var entry) ? entry.Preceding : null;
        }
        return CheckResult.Pass;
    }
}

/// <summary>E45: only Command Variants sent over the SM WAN may be sequenced.</summary>
internal sealed class SequencedCommandVariant : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E45];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E45)";
    public override string Rule => "A sequenced request uses CV 1, 3, 5 or 7 (sent to the Device over the SM WAN).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var cv = context.Request.CommandVariant;
        return context.IsSequenced && !cv.SendsOverSmWan()
            ? CheckResult.Fail(ResponseCode.E45, $"Command Variant {cv.ToXsd()} ({cv.Description()}) is not applicable to a sequenced request.")
            : CheckResult.Pass;
    }
}

/// <summary>E46: nothing may follow the Last In Sequence.</summary>
internal sealed class AfterLastInSequence : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E46];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E46)";
    public override string Rule => "The preceding request has not been recorded as the Last In Sequence.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Request.PrecedingRequestId is not { } preceding) return CheckResult.Pass;
        return context.Log.TryGetPreceding(preceding, out var entry) && entry.EndsSequence
            ? CheckResult.Fail(ResponseCode.E46, $"{preceding} was the Last In Sequence; no request may follow it.")
            : CheckResult.Pass;
    }
}

/// <summary>E53: a Future Dated (DSP) request may only start a sequence.</summary>
internal sealed class FutureDatedDspFirstInSequence : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E53];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E53)";
    public override string Rule => "A sequenced request that is Future Dated (DSP) has no Preceding Request ID.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Request.PrecedingRequestId is not { } preceding || context.ExecutionDateTime is null) return CheckResult.Pass;
        return context.Definition.FutureDated is FutureDatedPattern.Dsp or FutureDatedPattern.DspAndDevice
            ? CheckResult.Fail(ResponseCode.E53, $"{context.Definition} is Future Dated (DSP) and follows {preceding}: a Future Dated (DSP) request must be first in its sequence.")
            : CheckResult.Pass;
    }
}

/// <summary>E54: a sequenced Gas request must not return encrypted data.</summary>
internal sealed class SequencedGasUnencrypted : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E54];
    public override string Clause => "DUIS 3.4.3; 3.5.10 Table 1 (E54)";
    public override string Rule => "A sequenced request to a GSME is not one whose GBCS Use Case returns encrypted data.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (!context.IsSequenced || context.Device is not { Type: DeviceType.GSME } device) return CheckResult.Pass;
        var gbcs = context.Definition.Gbcs;
        for (var i = 0; i < gbcs.Count; i++)
        {
            if (EncryptedGasResponses.Contains(gbcs[i].UseCase))
                return CheckResult.Fail(ResponseCode.E54, $"{context.Definition} to GSME {device.Id} returns encrypted data ({gbcs[i].UseCase}) and cannot be sequenced.");
        }
        return CheckResult.Pass;
    }
}
