using System.Diagnostics;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Cli.Tests.SmWan;

/// <summary><c>openduis fault set|list|clear</c> as a separate process against a running server's admin API.</summary>
[Collection(nameof(SmWanServer))]
public sealed class FaultCliTests(SmWanServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Openduis => Path.Combine(AppContext.BaseDirectory, "openduis.dll");

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

    [Fact]
    public async Task The_CLI_sets_lists_and_clears_a_fault_on_the_running_server_and_refuses_bad_input_with_the_reason()
    {
        var at = server.Server.BaseAddress.ToString();
        var device = Eui.Parse("00-DB-12-34-56-78-90-A5");

        var (code, output) = await RunAsync("fault", "set", device.ToString(), "cos-party", "E69", "--server", at);
        Assert.True(code == 0, output);
        Assert.Contains($"{device}: cos-party E69", output);
        (code, output) = await RunAsync("fault", "list", "--server", at);
        Assert.True(code == 0, output);
        Assert.Contains($"{device}  cos-party E69", output);
        (code, output) = await RunAsync("fault", "clear", device.ToString(), "--server", at);
        Assert.True(code == 0, output);

        (code, output) = await RunAsync("fault", "clear", device.ToString(), "--server", at);
        Assert.Equal(1, code);
        Assert.Contains($"The server refused (404): Device {device} has no fault.", output);
        (code, output) = await RunAsync("fault", "set", device.ToString(), "dual-band", "0x8F84", "--server", at);
        Assert.Equal(2, code);
        Assert.Contains("0x8F84 is not a Sub GHz alert", output);
        (code, output) = await RunAsync("fault", "set", "A0", "unreachable", "--server", at);
        Assert.Equal(2, code);
        Assert.Contains("'A0' is not a Device ID", output);
        (code, output) = await RunAsync("fault", "list", "--server", "http://127.0.0.1:1/");
        Assert.Equal(14, code);
        Assert.Contains("No server answers at 127.0.0.1:1", output);
    }
}
