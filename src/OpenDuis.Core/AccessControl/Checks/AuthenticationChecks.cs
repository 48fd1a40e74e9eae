using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E100: the request failed Message Authentication (decided by signature verification, before parsing the rules).</summary>
internal sealed class MessageAuthentication : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E100];
    public override string Clause => "DUIS 3.2.3 Message Authentication; 3.5.10 Table 1 (E100); R-MSG-3";
    public override string Rule => "The XML signature verifies over the whole request (enveloped, exclusive C14N, ECDSA P-256/SHA-256) with a known Organisation Certificate.";

    public override CheckResult Evaluate(ref AccessContext context) => context.Input.Authentication == Authentication.Failed
        ? CheckResult.Fail(ResponseCode.E100, context.Input.AuthenticationDetail ?? "The request failed Message Authentication: its signature does not verify.")
        : CheckResult.Pass;
}

/// <summary>E65: signed, but not with an Organisation Certificate of Remote Party Role xmlSign.</summary>
internal sealed class SigningCertificateRole : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E65];
    public override string Clause => "DUIS 3.2.3; 3.5.10 Table 1 (E65); R-MSG-3";
    public override string Rule => "The signing Organisation Certificate carries the Remote Party Role xmlSign.";

    public override CheckResult Evaluate(ref AccessContext context) => context.Input.Authentication == Authentication.NotXmlSignCertificate
        ? CheckResult.Fail(ResponseCode.E65, context.Input.AuthenticationDetail ?? "The request is not signed with an Organisation Certificate of Remote Party Role xmlSign.")
        : CheckResult.Pass;
}
