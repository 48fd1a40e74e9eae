using System.Diagnostics;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis notice record|error-message|list</c> keep the notice register (M10) in the data folder's database.</summary>
public sealed class NoticeDatabaseCliTests : IAsyncDisposable
{
    private const string Sender = "90-B3-D5-1F-30-01-00-00";
    private const string Recipient = "90-B3-D5-1F-30-02-00-00";
    private readonly OpenduisProcesses _cli = new("openduis-notice-db-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Task<(int ExitCode, string Out, string Err)> Run(params string[] args) => _cli.RunOnDataAsync(args);

    [Fact]
    public async Task An_emailed_notice_is_recorded_and_an_error_message_within_the_hour_undoes_its_receipt()
    {
        var given = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "email",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--email", "notices@example.org");
        Assert.True(given.ExitCode == 0, given.Err);
        Assert.Contains("Deemed received: 2026-11-25T11:00:00+00:00 (M10.4(d)", given.Out);
        var id = given.Out.Split('\n')[0].Split(' ')[1].Trim();

        var errored = await Run("notice", "error-message", id, "--at", "2026-11-25T10:30Z");
        Assert.True(errored.ExitCode == 0, errored.Err);
        Assert.Contains("Not deemed received (M10.4(d))", errored.Out);

        var listed = await Run("notice", "list", "--to", Recipient);
        Assert.Contains(id, listed.Out);
        Assert.Contains("Error message: 2026-11-25T10:30:00+00:00", listed.Out);
        Assert.True(File.Exists(Path.Combine(_data, "openduis.db")));
    }

    [Fact]
    public async Task A_fax_is_refused_under_M10_2_c_and_email_without_an_address_under_M10_3()
    {
        var fax = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "fax",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--address", "1 High Street");
        Assert.Equal(1, fax.ExitCode);
        Assert.Contains("Refused (M10.2(c)): fax is not a permitted method", fax.Err);

        var noEmail = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "email",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--address", "1 High Street");
        Assert.Equal(1, noEmail.ExitCode);
        Assert.Contains("Refused (M10.3)", noEmail.Err);

        var errorForPost = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "post",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--address", "1 High Street");
        Assert.True(errorForPost.ExitCode == 0, errorForPost.Err);
        var id = errorForPost.Out.Split('\n')[0].Split(' ')[1].Trim();
        var refused = await Run("notice", "error-message", id, "--at", "2026-11-25T10:30Z");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Refused (M10.4(d))", refused.Err);

        Assert.DoesNotContain("Notice", (await Run("notice", "list", "--to", Sender)).Out);
    }

    [Fact]
    public async Task Bad_input_exits_2_with_what_is_wrong()
    {
        var badEui = await Run("notice", "record", "--from", "not-an-eui", "--to", Recipient, "--method", "post",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--address", "1 High Street");
        Assert.Equal(2, badEui.ExitCode);
        Assert.Contains("--from: 'not-an-eui' is neither a Party ID the data folder knows", badEui.Err);

        var badTime = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "post",
            "--sent", "yesterday", "--subject", "Suspension", "--address", "1 High Street");
        Assert.Equal(2, badTime.ExitCode);
        Assert.Contains("--sent:", badTime.Err);

        var badEmail = await Run("notice", "record", "--from", Sender, "--to", Recipient, "--method", "email",
            "--sent", "2026-11-25T10:00Z", "--subject", "Suspension", "--email", "nobody");
        Assert.Equal(2, badEmail.ExitCode);
        Assert.Contains("is not an email address", badEmail.Err);

        var unknown = await Run("notice", "error-message", Guid.NewGuid().ToString(), "--at", "2026-11-25T10:30Z");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("is not recorded", unknown.Err);
    }
}
