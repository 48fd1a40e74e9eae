using OpenDuis.Core.Demo;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary>
/// Files holding secrets (private keys, DCCKI keys, the database and its WAL, the settings, H17
/// reports) and everything else the data folder holds (the operator's threshold files) are owner-only from creation: files 0600, folders 0700. A data folder with looser modes is
/// narrowed at start, and the command says so once.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretFileModeTests : IAsyncDisposable
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly OpenduisProcesses _cli = new("openduis-modes-");
    private string Data => _cli.Data;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    /// <summary>Every file and folder of the data folder that group or others may use, with its mode.</summary>
    private List<string> Exposed() =>
        [.. new[] { Data }.Concat(Directory.EnumerateFileSystemEntries(Data, "*", SearchOption.AllDirectories))
            .Where(p => (File.GetUnixFileMode(p) & GroupOrOther) != 0)
            .Select(p => $"{Path.GetRelativePath(Data, p)} {Convert.ToString((int)File.GetUnixFileMode(p), 8)}")];

    [Fact]
    public async Task A_fresh_data_folder_its_database_keys_DCCKI_and_H17_reports_are_owner_only()
    {
        Directory.Delete(Data); // init makes it
        var init = await _cli.RunAsync("init", "--data", Data);
        Assert.True(init.ExitCode == 0, init.Output);

        // An H17 report, and serve on the duis profile (the DCCKI keys; the database's WAL files while it runs).
        const string maker = "DEMO-MAKER";
        Assert.Equal(0, (await _cli.RunOnDataAsync("report", "requester", "--as", maker, "--kind", "manufacturer", "--manufacturer-id", "0DB1", "--party", "--evidence-accepted", "now")).ExitCode);
        Assert.Equal(0, (await _cli.RunOnDataAsync("report", "request", "--as", maker, "--kind", "manufacturer", "--frequency", "adhoc")).ExitCode);
        Assert.Equal(0, (await _cli.RunOnDataAsync("report", "generate", "1")).ExitCode);
        // The operator's files in the folder: Anomaly Detection Thresholds and attribute limits.
        Assert.Equal(0, (await _cli.RunOnDataAsync("anomaly-threshold", "set", "--dcc", "--variant", "4.1.1", "--max", "1000")).ExitCode);
        Assert.Equal(0, (await _cli.RunOnDataAsync("anomaly-threshold", "limit", "--variant", "1.5", "--element", "AdjustMeterBalance", "--max", "100000")).ExitCode);
        var serve = await _cli.ServeAsync(OpenduisProcesses.FreePort(), "--no-network");

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(Data));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(Data, "openduis.db")));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(Data, "openduis.db-wal")));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(Data, "openduis.json")));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(Data, "reports", "h17-1.csv")));
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(Path.Combine(Data, "keys")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Data, "keys"), "*.key"));
        Assert.Empty(Exposed());
        serve.Kill(true);
        await serve.WaitForExitAsync(TestContext.Current.CancellationToken);

        // The duis profile's demo DCCKI: a CA key, the server's and every User's.
        var dccki = Path.Combine(Data, "dccki");
        OpenDuis.Server.Tls.DcckiDemoPki.Generate(dccki, DemoEnvironment.Users.Take(2).Select(u => u.Id), TimeProvider.System);
        Assert.NotEmpty(Directory.GetFiles(dccki, "*.key", SearchOption.AllDirectories));
        // ... and the operator console's token, which serve writes on that profile.
        OperatorConsole.ConsoleAccess.EnsureToken(Data);
        Assert.True(File.Exists(OperatorConsole.ConsoleAccess.TokenPath(Data)));
        Assert.Empty(Exposed());
    }

    [Fact]
    public async Task A_data_folder_with_looser_modes_is_narrowed_at_start_and_the_command_says_so_once()
    {
        Assert.Equal(0, (await _cli.RunAsync("init", "--data", Data)).ExitCode);
        foreach (var entry in Directory.EnumerateFileSystemEntries(Data, "*", SearchOption.AllDirectories).Append(Data))
            File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.NotEmpty(Exposed());

        var again = await _cli.RunOnDataAsync("init");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("could be read by group or others; made owner-only (files 0600, folders 0700)", again.Err);
        Assert.Contains("openduis.db", again.Err);
        Assert.Empty(Exposed());

        // Fixed, so the next start has nothing to say.
        var third = await _cli.RunOnDataAsync("init");
        Assert.DoesNotContain("owner-only", third.Err);

        // serve narrows too (a folder loosened while it was stopped).
        File.SetUnixFileMode(Path.Combine(Data, "openduis.db"), (UnixFileMode)0b110_100_100);
        var port = OpenduisProcesses.FreePort();
        var serve = await _cli.ServeAsync(port, "--no-network");
        serve.Kill(true);
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(Data, "openduis.db")));
    }

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
}
