using System.Diagnostics;
using System.Xml.Linq;
using OpenDuis.TestSupport;

namespace OpenDuis.Conformance.Tests;

/// <summary><c>openduis conformance</c> as a separate process, against OpenDUIS servers on loopback.</summary>
public sealed class ConformanceCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Openduis => Path.Combine(AppContext.BaseDirectory, "openduis.dll");

    [Fact]
    public async Task Against_the_demo_data_folder_every_role_passes_and_both_reports_are_written()
    {
        await using var target = await ConformanceTarget.StartAsync();
        var report = Directory.CreateTempSubdirectory("openduis-conformance-out-").FullName;
        try
        {
            var (exit, output) = await RunAsync("conformance", "--endpoint", target.Endpoint.ToString(), "--data", target.Folder.Path,
                "--schemas", RepoPaths.ReferencePath("duis-xsd"), "--report", report);

            Assert.True(exit == 0, output);
            foreach (var role in (string[])["IS", "ES", "GS", "ED", "GT", "RSA", "MDR", "OU"])
                Assert.Matches($@"(?m)^{role} \(90-B3-D5-1F-30-10-00-0\d\): \d passed, 0 failed, 0 descoped, 2 N/A", output);
            Assert.Contains("ES (90-B3-D5-1F-30-10-00-02): 7 passed, 0 failed, 0 descoped, 2 N/A, 1 not executable", output, StringComparison.Ordinal);
            var junit = XDocument.Load(Path.Combine(report, "conformance-junit.xml"));
            Assert.Equal("0", (string?)junit.Root!.Attribute("failures"));
            Assert.Contains("<table id=\"verdicts\">", await File.ReadAllTextAsync(Path.Combine(report, "conformance-report.html"), Ct), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(report, true);
        }
    }

    [Fact]
    public async Task A_failed_test_is_a_non_zero_exit_with_the_reason_on_the_terminal()
    {
        await using var target = await ConformanceTarget.StartAsync(inner => new AnswersE12WhereE11IsDue(inner));
        var report = Directory.CreateTempSubdirectory("openduis-conformance-out-").FullName;
        try
        {
            var (exit, output) = await RunAsync("conformance", "--endpoint", target.Endpoint.ToString(), "--data", target.Folder.Path,
                "--as", "90-B3-D5-1F-30-10-00-04", "--as", "90-B3-D5-1F-30-10-00-07:MDR", "--descope", "E60,E61", "--reason", "agreed with the DCC", "--report", report);

            Assert.True(exit == 2, output);
            Assert.Contains("ED (90-B3-D5-1F-30-10-00-04): 4 passed, 2 failed, 2 descoped, 2 N/A", output, StringComparison.Ordinal);
            Assert.Contains("MDR (90-B3-D5-1F-30-10-00-07): 6 passed, 0 failed, 2 descoped, 2 N/A", output, StringComparison.Ordinal);
            Assert.Contains("FAILED ED E11 SMETS1: Expected E11, answered E12.", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(report, true);
        }
    }

    [Fact]
    public async Task Over_the_duis_TLS_profile_each_User_connects_with_its_DCCKI_client_certificate_and_passes()
    {
        await using var target = await ConformanceTarget.StartAsync(duisProfile: true);
        Assert.Equal("https", target.Endpoint.Scheme);
        var report = Directory.CreateTempSubdirectory("openduis-conformance-out-").FullName;
        try
        {
            var (exit, output) = await RunAsync("conformance", "--endpoint", target.Endpoint.ToString(), "--data", target.Folder.Path,
                "--as", "90-B3-D5-1F-30-10-00-01", "--as", "90-B3-D5-1F-30-10-00-06", "--report", report);
            Assert.True(exit == 0, output);
            Assert.Contains("IS (90-B3-D5-1F-30-10-00-01): 8 passed, 0 failed", output, StringComparison.Ordinal);
            Assert.Contains("RSA (90-B3-D5-1F-30-10-00-06): 8 passed, 0 failed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(report, true);
        }
    }

    [Fact]
    public async Task The_DSP_certificate_can_be_given_and_answers_not_signed_with_it_fail()
    {
        await using var target = await ConformanceTarget.StartAsync();
        var other = Directory.CreateTempSubdirectory("openduis-otherdsp-").FullName;
        try
        {
            var user = Core.Demo.DemoEnvironment.RoleUsers[Protocol.Domain.UserRole.ImportSupplier];
            Protocol.Keys.DemoKeySet.Generate(other, [new Protocol.Keys.DemoParty(user, Protocol.Keys.RemotePartyRole.Supplier)]);
            string[] common = ["conformance", "--endpoint", target.Endpoint.ToString(), "--data", target.Folder.Path, "--as", user.ToString(), "--report", Path.Combine(other, "out")];

            var (exit, output) = await RunAsync([.. common, "--dsp-certificate", Path.Combine(other, $"xml-sign-{user.ToCompactString()}-ds.pem")]);
            Assert.Equal(1, exit);
            Assert.Contains("its Remote Party Role is xmlSign (0x87), not DSP xmlSign (0x89).", output, StringComparison.Ordinal);

            (exit, output) = await RunAsync([.. common, "--dsp-certificate", Path.Combine(other, "dsp-xml-sign-90B3D51F30000002-ds.pem")]);
            Assert.True(exit == 2, output);
            Assert.Contains("IS (90-B3-D5-1F-30-10-00-01): 0 passed, 8 failed", output, StringComparison.Ordinal);
            Assert.Contains("The answer's signature does not verify with the configured DSP certificate", output, StringComparison.Ordinal);

            (exit, output) = await RunAsync([.. common, "--dsp-certificate", Path.Combine(target.Folder.DefaultKeysPath, "dsp-xml-sign-90B3D51F30000002-ds.pem")]);
            Assert.True(exit == 0, output);
        }
        finally
        {
            Directory.Delete(other, true);
        }
    }

    [Theory]
    [InlineData("--descope E60 needs --reason", "--descope", "E60")]
    [InlineData("--descope E99: not a Response Code test of SEC Appendix R 8.1.26 (E11, E13, E19, E60, E61).", "--descope", "E99", "--reason", "x")]
    [InlineData("--as 90-B3-D5-1F-30-10-00-01:XX: 'XX' is not a User Role code", "--as", "90-B3-D5-1F-30-10-00-01:XX")]
    [InlineData("--as 90-B3-D5-1F-30-99-00-01: name the User Role to test it in, as USER:ROLE", "--as", "90-B3-D5-1F-30-99-00-01")]
    [InlineData("--smets1-device 00-DB-12-34-56-78-91-A0:METER: 'METER' is not a Device Type", "--smets1-device", "00-DB-12-34-56-78-91-A0:METER")]
    [InlineData("--endpoint ftp://127.0.0.1/: an absolute http or https URL is required.", "--endpoint", "ftp://127.0.0.1/")]
    [InlineData("--timeout 0: a positive number of seconds is required.", "--timeout", "0")]
    public async Task A_bad_option_is_refused_with_what_is_wrong(string message, params string[] args)
    {
        var (exit, output) = await RunAsync(["conformance", "--report", Path.GetTempPath(), .. args]);
        Assert.Equal(1, exit);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Openduis);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout + await stderr);
    }
}
