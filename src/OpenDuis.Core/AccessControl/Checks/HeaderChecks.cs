using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E13: the Command Variant belongs on the web service the request was posted to.</summary>
internal sealed class WebServiceForRequest : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E13];
    public override string Clause => "DUIS 2.2 and 3.5.10 Table 1 (E13); R-WS-1";
    public override string Rule => "Send Command takes CV 1, 3, 5, 7; Transform CV 4; Non-Device CV 2, 6, 8.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var cv = context.Request.CommandVariant;
        var expected = cv.WebService();
        return expected == context.Input.ArrivedOn
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E13, $"Command Variant {cv.ToXsd()} ({cv.Description()}) belongs on the {expected} service (service{expected.Letter()}), not {context.Input.ArrivedOn} (service{context.Input.ArrivedOn.Letter()}).");
    }
}

/// <summary>E12: the Command Variant is one the Service Request allows.</summary>
internal sealed class CommandVariantForRequest : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E12];
    public override string Clause => "DUIS 3.4.1.1 and 3.5.10 Table 1 (E12); service definitions 3.8";
    public override string Rule => "The Command Variant is among those the catalogue lists for the Service Reference Variant (Critical: 4–7, Non-Critical: 1–3, Non-Device: 8).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var cv = context.Request.CommandVariant;
        return context.Definition.Allows(cv)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E12, $"Command Variant {cv.ToXsd()} ({cv.Description()}) is not applicable to {context.Definition}; it allows {string.Join(", ", context.Definition.CommandVariants.Select(v => v.ToXsd()))}.");
    }
}

/// <summary>E48: the header's Service Reference is the one the Service Reference Variant belongs to.</summary>
internal sealed class ServiceReferenceMatchesVariant : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E48];
    public override string Clause => "DUIS 3.5.10 Table 1 (E48); 3.4.1 Request header";
    public override string Rule => "ServiceReference equals the reference part of ServiceReferenceVariant (4.1 for 4.1.1).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var r = context.Request;
        return r.ServiceReference == r.ServiceReferenceVariant.Reference
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E48, $"Service Reference {r.ServiceReference} does not match Service Reference Variant {r.ServiceReferenceVariant} (whose reference is {r.ServiceReferenceVariant.Reference}).");
    }
}

/// <summary>E49: the body is the element of the header's variant, or a Signed Pre-Command for CV 5–7.</summary>
public sealed class BodyMatchesVariant : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E49];
    public override string Clause => "DUIS 3.5.10 Table 1 (E49); XSD sr:Request/sr:Body choice";
    public override string Rule => "The sr:Body element is the one the variant defines (sr:SignedPreCommand for CV 5, 6, 7).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var r = context.Request;
        var body = r.BodyElement;
        if (r.CommandVariant.TakesSignedPreCommand())
        {
            return body.IsSr(SignedPreCommand.ElementName)
                ? CheckResult.Pass
                : CheckResult.Fail(ResponseCode.E49, $"Command Variant {r.CommandVariant.ToXsd()} carries a sr:SignedPreCommand body, not {body.Name}.");
        }
        var expected = context.Definition.BodyElement;
        return body.IsSr(expected)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E49, $"The body {body.Name} does not match Service Reference Variant {r.ServiceReferenceVariant}, whose body is sr:{expected}.");
    }
}
