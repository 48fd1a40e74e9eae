using System.Diagnostics;
using System.Globalization;
using OpenDuis.Core.Demo;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Commands;

/// <summary>
/// What a new user meets in the first hour, done as the user does it, with real processes: a change
/// made with the CLI reaches a running <c>serve</c>; a mistyped <c>--data</c> is refused; a failure is
/// one sentence and its own exit code, never a stack trace.
/// </summary>
public sealed class FirstHourCliTests : IAsyncLifetime
{
    private readonly OpenduisProcesses _cli = new("openduis-first-hour-");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string NewDevice = "00-DB-12-34-56-78-99-A0";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    private string Data => _cli.Data;

    /// <summary>The 4.1.1 template addressed to the Device imported while the server runs.</summary>
    private async Task<string> RequestForNewDeviceAsync()
    {
        var template = Directory.EnumerateFiles(RepoPaths.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS*").Order(StringComparer.Ordinal).First();
        var file = Path.Combine(Data, "new-device-4.1.1.xml");
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(template, Ct)).Replace(DemoEnvironment.Esme.ToString(), NewDevice, StringComparison.Ordinal), Ct);
        return file;
    }

    private async Task ImportNewDeviceAsync()
    {
        var (code, devices, err) = await _cli.RunOnDataAsync("export", "devices");
        Assert.True(code == 0, err);
        var esme = devices.Split('\n').First(l => l.StartsWith(DemoEnvironment.Esme.ToString(), StringComparison.Ordinal));
        var csv = Path.Combine(Data, "new-device.csv");
        await File.WriteAllTextAsync(csv, devices.Split('\n')[0] + "\n" + esme.Replace(DemoEnvironment.Esme.ToString(), NewDevice, StringComparison.Ordinal) + "\n", Ct);
        (code, var output, err) = await _cli.RunOnDataAsync("import", "devices", csv);
        Assert.True(code == 0, output + err);
        Assert.Contains("Imported 1 devices", output);
    }

    private async Task<string> SendAsync(int port, string request)
    {
        var (code, output, err) = await _cli.RunOnDataAsync("send", request, "--as", DemoEnvironment.Supplier.ToString(), "--to", $"http://127.0.0.1:{port}");
        return $"exit {code}\n{output}{err}";
    }

    [Fact]
    public async Task A_device_imported_while_serve_runs_is_known_to_it_at_once()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);
        var request = await RequestForNewDeviceAsync();
        Assert.Contains("E19", await SendAsync(port, request)); // not in the SMI yet

        await ImportNewDeviceAsync();
        var answer = await SendAsync(port, request);

        Assert.Contains("← I99", answer);
        Assert.Contains("exit 0", answer);
    }

    [Fact]
    public async Task A_device_imported_while_serve_runs_on_PostgreSQL_is_known_to_it_at_once()
    {
        var admin = Environment.GetEnvironmentVariable("OPENDUIS_TEST_PG");
        if (string.IsNullOrWhiteSpace(admin)) throw Prerequisite.Missing("a PostgreSQL server: set OPENDUIS_TEST_PG");
        var schema = "t_" + Guid.NewGuid().ToString("N");
        await using (var c = new Npgsql.NpgsqlConnection(admin))
        {
            await c.OpenAsync(Ct);
            await using var create = new Npgsql.NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await create.ExecuteNonQueryAsync(Ct);
        }
        try
        {
            var (code, output, err) = await _cli.RunOnDataAsync("init", "--postgres", new Npgsql.NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ToString());
            Assert.True(code == 0, output + err);
            var port = OpenduisProcesses.FreePort();
            await _cli.ServeAsync(port);
            var request = await RequestForNewDeviceAsync();

            await ImportNewDeviceAsync();

            Assert.Contains("← I99", await SendAsync(port, request));
        }
        finally
        {
            _cli.KillAll(); // a running serve holding locks in the schema would deadlock the DROP
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var c = new Npgsql.NpgsqlConnection(admin);
            await c.OpenAsync(CancellationToken.None);
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("users", "endpoint", "90-B3-D5-1F-30-01-00-00", "http://127.0.0.1:9/")]
    [InlineData("export", "devices")]
    [InlineData("send", "ECS17b_4.1.1_SINGLE_SUCCESS", "--as", "90-B3-D5-1F-30-01-00-00", "--templates", "{templates}")]
    [InlineData("listen", "--port", "0")]
    [InlineData("sign", "-")]
    [InlineData("anomaly-threshold", "list")]
    public async Task A_mistyped_data_folder_is_refused_naming_init_and_not_created(params string[] command)
    {
        var mistyped = Path.Combine(Data, "mistyped");
        var (code, output) = await _cli.RunAsync([.. command.Select(a => a.Replace("{templates}", RepoPaths.Templates, StringComparison.Ordinal)), "--data", mistyped]);

        Assert.True(code == 10, output);
        Assert.Contains("openduis init", output);
        Assert.False(Directory.Exists(mistyped));
        AssertOneSentence(output);
    }

    [Fact]
    public async Task Serve_on_an_occupied_port_and_listen_on_an_occupied_port_say_so_with_exit_13()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var serve = await _cli.RunAsync("serve", "--data", Data, "--port", port, "--smki-port", "0");
        await _cli.RunOnDataAsync("init");
        var listen = await _cli.RunAsync("listen", "--data", Data, "--port", port);

        foreach (var (code, output) in new[] { serve, listen })
        {
            Assert.True(code == 13, output);
            Assert.Contains($"Port {port}", output);
            AssertOneSentence(output);
        }
    }

    [Theory]
    [InlineData("send", "ECS17b_4.1.1_SINGLE_SUCCESS", "--as", "90-B3-D5-1F-30-01-00-00", "--to", "http://127.0.0.1:{port}", "--templates", "{templates}", "--data", "{data}")]
    [InlineData("fault", "list", "--server", "http://127.0.0.1:{port}/")]
    [InlineData("event", "raise", "00-DB-12-34-56-78-90-A2", "power-outage", "--server", "http://127.0.0.1:{port}/")]
    [InlineData("cpl", "remove", "--manufacturer", "0DB1", "--model", "ESME", "--firmware-version", "1.0", "--server", "http://127.0.0.1:{port}/")]
    public async Task Commands_that_need_a_running_server_say_none_answers_with_exit_14(params string[] command)
    {
        await _cli.RunOnDataAsync("init");
        var port = OpenduisProcesses.FreePort().ToString(CultureInfo.InvariantCulture);
        var (code, output) = await _cli.RunAsync([.. command.Select(a => a.Replace("{port}", port, StringComparison.Ordinal)
            .Replace("{templates}", RepoPaths.Templates, StringComparison.Ordinal).Replace("{data}", Data, StringComparison.Ordinal))]);

        Assert.True(code == 14, output);
        Assert.Contains("openduis serve", output);
        Assert.DoesNotContain("   at ", output);
        Assert.EndsWith("running one.", output.Trim());
    }

    [Fact]
    public async Task A_data_path_that_is_a_file_or_cannot_be_created_is_exit_11()
    {
        var file = Path.Combine(Data, "a-file");
        await File.WriteAllTextAsync(file, "x", Ct);
        var onFile = await _cli.RunAsync("serve", "--data", file, "--port", "0", "--smki-port", "0");
        var unwritable = await _cli.RunAsync("init", "--data", "/proc/openduis-cannot-be-here");

        Assert.True(onFile.ExitCode == 11, onFile.Output);
        Assert.Contains("is a file", onFile.Output);
        Assert.True(unwritable.ExitCode == 11, unwritable.Output);
        Assert.Contains("/proc/openduis-cannot-be-here", unwritable.Output);
        AssertOneSentence(onFile.Output);
        AssertOneSentence(unwritable.Output);
    }

    [Fact]
    public async Task A_corrupt_database_at_start_is_one_sentence_with_its_path_and_exit_12()
    {
        await _cli.RunOnDataAsync("init");
        var db = Path.Combine(Data, "openduis.db");
        foreach (var f in Directory.EnumerateFiles(Data, "openduis.db-*")) File.Delete(f);
        await File.WriteAllTextAsync(db, new string('x', 8192), Ct);

        var (code, output) = await _cli.RunAsync("serve", "--data", Data, "--port", "0", "--smki-port", "0");

        Assert.True(code == 12, output);
        Assert.Contains(db, output);
        AssertOneSentence(output);
    }

    [Theory]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [InlineData(UnixFileMode.UserRead, "is read-only")]
    [InlineData(UnixFileMode.UserWrite, "cannot be read")]
    public async Task A_read_only_or_unreadable_database_at_start_is_one_sentence_with_its_path_and_exit_12(UnixFileMode mode, string says)
    {
        await _cli.RunOnDataAsync("init");
        var db = Path.Combine(Data, "openduis.db");
        // The server runs as another user (root ignores file modes), who owns the owner-only data folder: only the database's own mode is wrong.
        foreach (var f in Directory.EnumerateFiles(Data, "openduis.db-*")) File.Delete(f);
        if (Environment.UserName == "root") await ChownAsync("nobody", Data);
        File.SetUnixFileMode(db, mode);

        var (code, output) = await RunAsAnotherUserAsync("serve", "--data", Data, "--port", "0", "--smki-port", "0");

        Assert.True(code == 12, output);
        Assert.Contains(db, output);
        Assert.Contains(says, output);
        AssertOneSentence(output);
    }

    /// <summary>A loosened data folder that belongs to someone else cannot be made owner-only: refused in one sentence, exit 11.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_loose_data_folder_of_another_user_is_refused_in_one_sentence_with_exit_11()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root to run the server as another user");
        await _cli.RunOnDataAsync("init");
        File.SetUnixFileMode(Data, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(Path.Combine(Data, "openduis.json"), (UnixFileMode)0b110_100_100);

        var (code, output) = await RunAsAnotherUserAsync("serve", "--data", Data, "--port", "0", "--smki-port", "0");

        Assert.True(code == 11, output);
        Assert.Contains("cannot be made owner-only", output);
        AssertOneSentence(output);
    }

    [Fact]
    public async Task Conformance_with_its_default_Users_passes_on_a_ZAZ1_data_folder()
    {
        var (code, output, err) = await _cli.RunOnDataAsync("init", "--zaz1", RepoPaths.Keystore);
        Assert.True(code == 0, output + err);
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);

        (code, output, err) = await _cli.RunOnDataAsync("conformance", "--endpoint", $"http://127.0.0.1:{port}", "--report", Path.Combine(Data, "report"));

        Assert.True(code == 0, output + err);
        Assert.DoesNotContain("no xmlSign key", output + err);
        Assert.Contains("OU (90-B3-D5-1F-30-10-00-08): 8 passed, 0 failed", output);
    }

    [Fact]
    public async Task Send_refuses_a_template_prefix_matching_several_files_and_names_the_file_it_sent()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);

        var (code, output, err) = await _cli.RunOnDataAsync("send", "ECS17b_4.1.1", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates);
        Assert.True(code == 2, output + err);
        Assert.Contains("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", err);
        Assert.Contains("ECS17b_4.1.1_TWIN_SUCCESS_REQUEST_DUIS.XML", err);

        (code, output, err) = await _cli.RunOnDataAsync("send", "ECS17b_4.1.1_SINGLE", "--as", DemoEnvironment.Supplier.ToString(),
            "--to", $"http://127.0.0.1:{port}", "--templates", RepoPaths.Templates);
        Assert.True(code == 0, output + err);
        Assert.Contains("Sending " + Path.Combine(RepoPaths.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"), output);
        Assert.Contains("← I99 Acknowledgement", output);

        var help = await _cli.RunAsync("send", "--help");
        Assert.Contains("Exit codes: 0 answered I0 or I99", help.Output);
    }

    [Fact]
    public async Task Sign_uses_the_data_folders_keys_as_send_does()
    {
        await _cli.RunOnDataAsync("init");
        var template = Directory.EnumerateFiles(RepoPaths.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS*").First();

        var (code, output, err) = await _cli.RunOnDataAsync("sign", template);
        Assert.True(code == 0, err);
        var signed = Path.Combine(Data, "signed.xml");
        await File.WriteAllTextAsync(signed, output, Ct);
        (code, _, err) = await _cli.RunOnDataAsync("verify", signed);
        Assert.True(code == 0, err);
    }

    [Fact]
    public async Task Explain_says_what_a_code_means_and_send_prints_the_meaning_beside_an_error()
    {
        var e19 = await _cli.RunAsync("explain", "E19");
        var schedule = await _cli.RunAsync("explain", "E050101");
        var nonsense = await _cli.RunAsync("explain", "E7");

        Assert.Equal(0, e19.ExitCode);
        Assert.Contains("E19: Failed Authorisation – Device doesn't exist", e19.Output);
        Assert.Contains("5.1 Create Schedule, error 1: ScheduleStartDate is not a date in the future", schedule.Output);
        Assert.Equal(2, nonsense.ExitCode);

        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port);
        Assert.Contains("← E19 Failed Authorisation – Device doesn't exist", await SendAsync(port, await RequestForNewDeviceAsync()));
    }

    [Fact]
    public async Task Users_devices_and_the_CPL_are_listed_and_notice_takes_the_Party_IDs_export_prints()
    {
        await _cli.RunOnDataAsync("init");

        var users = await _cli.RunOnDataAsync("users", "list");
        var esmes = await _cli.RunOnDataAsync("devices", "list", "--type", "ESME", "--status", "Commissioned");
        var atGasMeter = await _cli.RunOnDataAsync("devices", "list", "--mpxn", DemoEnvironment.GasMprn.ToString());
        var cpl = await _cli.RunOnDataAsync("cpl", "list");
        var parties = await _cli.RunOnDataAsync("export", "parties");
        var supplierParty = parties.Out.Split('\n').First(l => l.StartsWith(DemoEnvironment.Supplier.ToString(), StringComparison.Ordinal)).Split(',')[1];
        var notice = await _cli.RunOnDataAsync("notice", "record", "--from", supplierParty, "--to", DemoEnvironment.NetworkOperatorParty.ToString(),
            "--method", "post", "--address", "1 Demo Street", "--sent", "2026-12-07T10:00", "--subject", "first notice");
        var received = await _cli.RunOnDataAsync("notice", "list", "--to", DemoEnvironment.NetworkOperatorParty.ToString());

        Assert.Contains($"{DemoEnvironment.Supplier}  DEMO-SUPPLIER", users.Out);
        Assert.Contains(DemoEnvironment.Esme.ToString(), esmes.Out);
        Assert.DoesNotContain(DemoEnvironment.Gsme.ToString(), esmes.Out);
        Assert.Contains(DemoEnvironment.Gsme.ToString(), atGasMeter.Out);
        Assert.DoesNotContain(DemoEnvironment.Esme.ToString(), atGasMeter.Out);
        Assert.Contains("0DB1          ESME", cpl.Out);
        Assert.True(notice.ExitCode == 0, notice.Out + notice.Err);
        Assert.Contains("first notice", received.Out);
        Assert.Contains("--profile <dev|duis>", (await _cli.RunAsync("serve", "--help")).Output);
    }

    [Fact]
    public async Task Serve_logs_one_line_per_request_and_parks_messages_for_a_User_with_no_endpoint_until_it_has_one()
    {
        var port = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port, "--device-latency", "0");
        var accepted = await SendAsync(port, Directory.EnumerateFiles(RepoPaths.Templates, "ECS17b_4.1.1_SINGLE_SUCCESS*").First());
        var refused = await SendAsync(port, await RequestForNewDeviceAsync());
        var acceptedId = RequestIdOf(accepted);
        var refusedId = RequestIdOf(refused);

        // The device's response has nowhere to go: parked, said once, not retried every few seconds.
        await WaitForAsync(() => _cli.ServeOutput.Contains("Parked 1 message(s)", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        var log = _cli.ServeOutput;
        Assert.Single(Lines(log, acceptedId), l => l.Contains("answered I99", StringComparison.Ordinal));
        Assert.Single(Lines(log, refusedId));
        Assert.Contains("refused E19", Lines(log, refusedId)[0]);
        Assert.Single(Lines(log, "Parked"));
        Assert.Empty(Lines(log, "next try in"));
        var (_, waiting, _) = await _cli.RunOnDataAsync("outbox", "list");
        Assert.Contains("PARKED", waiting);

        // Giving the User an endpoint releases what waited.
        await using var listener = await OpenDuis.Server.Delivery.ResponseListener.StartAsync(System.Net.IPAddress.Loopback, 0, cancellationToken: Ct);
        var (code, output, err) = await _cli.RunOnDataAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), listener.Address.ToString());
        Assert.True(code == 0, output + err); // released by the CLI, or by the server seeing the User change first
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.Contains(acceptedId, System.Text.Encoding.UTF8.GetString((await listener.Received.ReadAsync(timeout.Token)).Body));

        var quiet = await _cli.RunAsync("serve", "--help");
        Assert.Contains("--log-level", quiet.Output);
    }

    private static string RequestIdOf(string sendOutput) =>
        System.Text.RegularExpressions.Regex.Match(sendOutput, "RequestID ([0-9A-F-]+:[0-9A-F-]+:[0-9]+)").Groups[1].Value is { Length: > 0 } id
            ? id : throw new InvalidOperationException("no RequestID in: " + sendOutput);

    private static List<string> Lines(string log, string containing) =>
        [.. log.Split('\n').Where(l => l.Contains(containing, StringComparison.Ordinal))];

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++) await Task.Delay(100, Ct);
        Assert.True(condition(), "timed out");
    }

    private static async Task ChownAsync(string user, string path)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", user, path]) { UseShellExecute = false })!;
        await chown.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, chown.ExitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsAnotherUserAsync(params string[] args)
    {
        var root = Environment.UserName == "root";
        var psi = new ProcessStartInfo(root ? "runuser" : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        if (root) foreach (var a in new[] { "-u", "nobody", "--", "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(OpenduisProcesses.Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = "/tmp";
        psi.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout + await stderr);
    }

    private static void AssertOneSentence(string output)
    {
        // serve says it is starting before anything can fail; the failure is then one line.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("OpenDUIS starting", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
    }
}
