using OpenDuis.Protocol.Domain;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// Every RTDS request template, sent by its own originator on its own service, passes access
/// control in the demo environment, except the few whose originator or target the SEC rules refuse;
/// those are listed with the code and the reason.
/// </summary>
public sealed class TemplateSweepTests
{
    private static readonly Dictionary<string, (string Code, string Why)> Refused = new(StringComparer.Ordinal)
    {
        ["CS02fMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML"] = ("E1", "originated by the DCC Access Control Broker, which holds no SEC User Role"),
        ["GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML"] = ("E1", "originated by the DCC Access Control Broker"),
        ["CS08_11.2_SUCCESS_REQUEST_DUIS.XML"] = ("E1", "originated by the DCC Access Control Broker"),
        ["ECS50_9.1_SUCCESS_REQUEST_DUIS.XML"] = ("E2", "9.1 is eligible to OU only (DUIS request matrix); the template's supplier is not OU"),
        ["GCS36_9.1_SUCCESS_REQUEST_DUIS.XML"] = ("E2", "9.1 is eligible to OU only"),
        ["CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML"] = ("E2", "8.5 Service Opt Out lists no User Role in the request matrix"),
        ["8.6_SERVICE_OPTIN_REQUEST_DUIS.XML"] = ("E2", "8.6 Service Opt In lists no User Role in the request matrix"),
        ["ECS47e_7.16_APC_INPUT_SUCCESS_REQUEST_DUIS.XML"] = ("E2", "7.16 Limit APC Level lists no User Role in the request matrix"),
        ["ECS47e_7.16_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML"] = ("E2", "7.16 Limit APC Level lists no User Role in the request matrix"),
        ["CS03A2Critical_8.7.1_SUCCESS_REQUEST_DUIS.XML"] = ("E11", "the catalogue's 8.7.1 targets ESME and GSME; the template joins at the HCALCS"),
    };

    public static TheoryData<string> Templates() => new(RepoPaths.TemplateFiles().Select(p => Path.GetFileName(p)!).Order());

    [Theory]
    [MemberData(nameof(Templates))]
    public void Rtds_template_is_accepted_in_the_demo_environment_or_refused_as_listed(string fileName)
    {
        var decision = new AccessFixture().Decide(AccessFixture.Template(fileName));
        if (Refused.TryGetValue(fileName, out var expected))
            Assert.True(decision.Code == ResponseCode.Parse(expected.Code), $"expected {expected.Code} ({expected.Why}), got {decision}");
        else
            Assert.True(decision.IsAccepted, decision.ToString());
    }
}
