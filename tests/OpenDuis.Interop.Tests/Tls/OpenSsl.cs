using System.Diagnostics;
using OpenDuis.TestSupport;

namespace OpenDuis.Interop.Tests.Tls;

/// <summary>The real <c>openssl s_client</c>, an independent TLS peer.</summary>
internal static class OpenSsl
{
    public sealed record ClientResult(int ExitCode, string Output)
    {
        public bool GotHttpOk => Output.Contains("HTTP/1.1 200", StringComparison.Ordinal);
        public override string ToString() => $"exit {ExitCode}\n{Output}";
    }

    public static async Task<ClientResult> SClientAsync(Uri server, params string[] options)
    {
        var psi = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["s_client", "-connect", $"{server.Host}:{server.Port}", "-servername", "localhost", .. options])
            psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { throw Prerequisite.Missing("the openssl command"); }
        using (p)
        {
            await p.StandardInput.WriteAsync("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            await p.StandardInput.FlushAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await p.WaitForExitAsync(timeout.Token);
            return new ClientResult(p.ExitCode, await stdout + await stderr);
        }
    }
}
