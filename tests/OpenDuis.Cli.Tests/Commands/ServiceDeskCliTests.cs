using System.Diagnostics;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis service-desk record|list</c> keep the Appendix P 2.2 log in the data folder's database.</summary>
public sealed class ServiceDeskCliTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-service-desk-db-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Task<(int ExitCode, string Out, string Err)> Run(params string[] args) => _cli.RunOnDataAsync(args);

    [Fact]
    public async Task A_request_by_signed_letter_and_what_was_provided_are_logged_and_listed()
    {
        var logged = await Run("service-desk", "record", "--name", "Jo Bloggs", "--entitlement", "party", "--party", "90-B3-D5-1F-30-01-00-00",
            "--channel", "signed-letter", "--purpose", "copy", "--requested", "Root CA Certificate", "--provided", "Root CA Certificate", "--medium", "optical-media");
        Assert.True(logged.ExitCode == 0, logged.Err);
        Assert.Contains("by signed-letter", logged.Out);
        Assert.Contains("Provided:  Root CA Certificate by optical-media", logged.Out);
        var id = logged.Out.Split('\n')[0].Split(' ')[1].Trim();

        var listed = await Run("service-desk", "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(id, listed.Out);
        Assert.Contains("Jo Bloggs (party) 90-B3-D5-1F-30-01-00-00", listed.Out);
        Assert.True(File.Exists(Path.Combine(_data, "openduis.db")));
    }

    [Fact]
    public async Task A_signed_fax_is_refused_under_Appendix_P_2_2_and_nothing_is_logged()
    {
        var fax = await Run("service-desk", "record", "--name", "Jo Bloggs", "--entitlement", "party",
            "--channel", "signed-fax", "--requested", "Root CA Certificate");
        Assert.Equal(1, fax.ExitCode);
        Assert.Contains("Refused (Appendix P 2.2): a signed fax is no longer a way to ask the Service Desk (MP260 removed it)", fax.Err);

        var gateway = await Run("service-desk", "record", "--name", "Big Supplier", "--entitlement", "party", "--has-gateway-connection",
            "--channel", "telephone", "--requested", "Root CA Certificate");
        Assert.Equal(1, gateway.ExitCode);
        Assert.Contains("has a DCC Gateway Connection", gateway.Err);

        var inPerson = await Run("service-desk", "record", "--name", "Jo Bloggs", "--entitlement", "panel", "--channel", "personal-visit",
            "--purpose", "copy", "--requested", "Root CA Certificate", "--provided", "Root CA Certificate", "--medium", "viewed-in-person");
        Assert.Equal(1, inPerson.ExitCode);
        Assert.Contains("a copy was asked for", inPerson.Err);
        Assert.Contains("is logged, but not what was provided", inPerson.Err);

        var listed = (await Run("service-desk", "list")).Out;
        Assert.DoesNotContain("Big Supplier", listed);
        Assert.DoesNotContain("Provided:", listed);
        Assert.Single(listed.Split('\n'), l => l.StartsWith("Request ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_input_exits_2_with_what_is_wrong()
    {
        var badParty = await Run("service-desk", "record", "--name", "Jo", "--entitlement", "party", "--party", "nope",
            "--channel", "telephone", "--requested", "Root CA Certificate");
        Assert.Equal(2, badParty.ExitCode);
        Assert.Contains("--party: 'nope' is not an EUI-64", badParty.Err);

        var halfProvision = await Run("service-desk", "record", "--name", "Jo", "--entitlement", "party",
            "--channel", "telephone", "--requested", "Root CA Certificate", "--provided", "Root CA Certificate");
        Assert.Equal(2, halfProvision.ExitCode);
        Assert.Contains("--provided and --medium go together", halfProvision.Err);
    }
}
