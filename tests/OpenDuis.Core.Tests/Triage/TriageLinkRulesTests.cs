using OpenDuis.Core.Triage;

namespace OpenDuis.Core.Tests.Triage;

public class TriageLinkRulesTests
{
    [Theory]
    [InlineData("TLS", TriageLinkProtocol.Tls)]
    [InlineData("tls1.3", TriageLinkProtocol.Tls)]
    [InlineData("IPsec", TriageLinkProtocol.Ipsec)]
    public void G12_TLS_with_client_authentication_or_IPsec_is_allowed(string protocol, TriageLinkProtocol expected) =>
        Assert.Equal(expected, TriageLinkRules.Check(new TriageLinkDeclaration(protocol, ClientAuthentication: true)).Value);

    [Fact]
    public void G12_IPsec_needs_no_separate_client_authentication_flag() =>
        Assert.True(TriageLinkRules.Check(new TriageLinkDeclaration("ipsec")).IsAllowed);

    [Fact]
    public void G12_TLS_without_client_authentication_is_refused()
    {
        var ruling = TriageLinkRules.Check(new TriageLinkDeclaration("TLS", ClientAuthentication: false));
        Assert.Equal(TriageLinkRules.Clause, ruling.Refusal!.Clause);
        Assert.Contains("must include client authentication", ruling.Refusal.Reason);
    }

    [Theory]
    [InlineData("OpenVPN")]
    [InlineData("WireGuard")]
    [InlineData("SSH")]
    [InlineData("SSLv3")]
    [InlineData("")]
    public void G12_other_protocols_are_refused(string protocol)
    {
        var ruling = TriageLinkRules.Check(new TriageLinkDeclaration(protocol, ClientAuthentication: true));
        Assert.Equal(TriageLinkRules.Clause, ruling.Refusal!.Clause);
        Assert.Contains("must use either TLS or IPsec", ruling.Refusal.Reason);
    }

    [Fact]
    public void G12_IPsec_without_confidentiality_is_refused()
    {
        var ruling = TriageLinkRules.Check(new TriageLinkDeclaration("IPsec", IpsecProtection: IpsecProtection.AuthenticationHeaderOnly));
        Assert.Contains("not confidentiality", ruling.Refusal!.Reason);
    }
}
