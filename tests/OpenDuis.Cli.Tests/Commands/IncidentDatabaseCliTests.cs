using System.Diagnostics;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary><c>openduis incident</c> without --register keeps the register in the data folder's database.</summary>
public sealed class IncidentDatabaseCliTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-incident-db-", initialised: true);
    private string _data => _cli.Data;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private Task<(int ExitCode, string Out, string Err)> Run(params string[] args) => _cli.RunOnDataAsync(args);

    [Fact]
    public async Task The_register_persists_in_the_database_between_commands()
    {
        var raised = await Run("incident", "raise", "--user", "90-B3-D5-1F-30-01-00-00", "--summary", "Key misuse", "--detected", "2026-11-25T09:00Z", "--major");
        Assert.True(raised.ExitCode == 0, raised.Err);
        var id = raised.Out.Split('\n')[0].Split(' ')[1].Trim();

        var notified = await Run("incident", "notify", id, "--to", "ssc", "--at", "2026-11-25T09:30Z");
        Assert.Equal(0, notified.ExitCode);
        var refused = await Run("incident", "already-aware", id, "--reason", "told", "--aware", "dcc", "panel");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Refused (G3.5AA)", refused.Err);

        var shown = await Run("incident", "show", id);
        Assert.Contains("G3.5 the Security Sub-Committee: Notified at 2026-11-25T09:30:00+00:00", shown.Out);
        Assert.Contains(id, (await Run("incident", "list")).Out);
        Assert.False(File.Exists(Path.Combine(_data, "incidents.json")));
        Assert.True(File.Exists(Path.Combine(_data, "openduis.db")));
    }
}
